# The version of mixgrad's CMake package: the crate's version (CI checks
# that they agree). Before 1.0 a minor release may change the C API
# (semantic versioning), so a request is met by the same 0.minor and any
# later patch; from 1.0 on, by the same major.
set(PACKAGE_VERSION "0.1.0")

string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _mixgrad_version "${PACKAGE_VERSION}")
set(_mixgrad_major "${CMAKE_MATCH_1}")
set(_mixgrad_minor "${CMAKE_MATCH_2}")

if(NOT PACKAGE_FIND_VERSION)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(NOT PACKAGE_FIND_VERSION_MAJOR STREQUAL _mixgrad_major)
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(_mixgrad_major STREQUAL "0" AND NOT PACKAGE_FIND_VERSION_MINOR STREQUAL _mixgrad_minor)
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
endif()
unset(_mixgrad_version)
unset(_mixgrad_major)
unset(_mixgrad_minor)
