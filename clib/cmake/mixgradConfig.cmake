# mixgrad's CMake package, installed by `cargo cinstall` (docs/install.md)
# into <prefix>/share/mixgrad/cmake/. `find_package(mixgrad CONFIG REQUIRED)`
# defines
#
#   mixgrad::mixgrad         the shared library (libmixgrad.so, versioned soname)
#   mixgrad::mixgrad_static  the static library (libmixgrad.a, which needs only libc)
#
# both with the directory of mixgrad.h as their include directory. The files
# are found relative to this one, so an installed prefix can be moved.
cmake_minimum_required(VERSION 3.18)

get_filename_component(_mixgrad_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
# cargo-c's default libdir is <prefix>/lib; distributions pass lib64 or a
# multiarch directory with --libdir.
set(_mixgrad_libdirs
    "${_mixgrad_prefix}/lib"
    "${_mixgrad_prefix}/lib64"
    "${_mixgrad_prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}")

find_path(MIXGRAD_INCLUDE_DIR mixgrad.h
    PATHS "${_mixgrad_prefix}/include" NO_DEFAULT_PATH)
find_library(MIXGRAD_SHARED_LIBRARY
    NAMES "${CMAKE_SHARED_LIBRARY_PREFIX}mixgrad${CMAKE_SHARED_LIBRARY_SUFFIX}"
    PATHS ${_mixgrad_libdirs} NO_DEFAULT_PATH)
find_library(MIXGRAD_STATIC_LIBRARY
    NAMES "${CMAKE_STATIC_LIBRARY_PREFIX}mixgrad${CMAKE_STATIC_LIBRARY_SUFFIX}"
    PATHS ${_mixgrad_libdirs} NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
set(mixgrad_CONFIG "${CMAKE_CURRENT_LIST_FILE}")
find_package_handle_standard_args(mixgrad CONFIG_MODE
    REQUIRED_VARS MIXGRAD_INCLUDE_DIR MIXGRAD_SHARED_LIBRARY MIXGRAD_STATIC_LIBRARY)

if(mixgrad_FOUND AND NOT TARGET mixgrad::mixgrad)
    add_library(mixgrad::mixgrad SHARED IMPORTED)
    set_target_properties(mixgrad::mixgrad PROPERTIES
        IMPORTED_LOCATION "${MIXGRAD_SHARED_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${MIXGRAD_INCLUDE_DIR}")
    add_library(mixgrad::mixgrad_static STATIC IMPORTED)
    set_target_properties(mixgrad::mixgrad_static PROPERTIES
        IMPORTED_LOCATION "${MIXGRAD_STATIC_LIBRARY}"
        IMPORTED_LINK_INTERFACE_LANGUAGES "C"
        INTERFACE_INCLUDE_DIRECTORIES "${MIXGRAD_INCLUDE_DIR}")
endif()
unset(_mixgrad_prefix)
unset(_mixgrad_libdirs)
