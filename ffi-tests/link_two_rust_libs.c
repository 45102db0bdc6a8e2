/* One C program linking libmixgrad.a and a second, independent Rust static
 * library (other-rust-lib/, std-based). Built by run.sh with the two
 * archives in both orders: it must link (no symbol of libmixgrad.a may
 * clash with another Rust library's, e.g. rust_eh_personality) and both
 * libraries must work. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mixgrad.h"

int64_t other_rust_double(const char *s);

int main(void) {
    const double logits[1] = {0.0};
    const double means[1] = {0.0};
    const double scales[1] = {1.0};
    const mixgrad_diag_f64 mix = {1, 1, logits, means, scales};
    const double x[1] = {0.0};
    double u[1] = {0.0};
    if (mixgrad_diag_cdf_f64(&mix, x, u) != MIXGRAD_OK || u[0] != 0.5) {
        fprintf(stderr, "mixgrad_diag_cdf_f64 failed\n");
        return 1;
    }
    if (strcmp(mixgrad_status_str(MIXGRAD_OK), "MIXGRAD_OK") != 0) {
        fprintf(stderr, "mixgrad_status_str failed\n");
        return 1;
    }
    if (other_rust_double("21") != 42 || other_rust_double("x") != -1) {
        fprintf(stderr, "other_rust_double failed\n");
        return 1;
    }
    puts("libmixgrad.a and another Rust static library link and run together");
    return 0;
}
