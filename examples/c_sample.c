/* Sample a 2-component, 2-D Gaussian mixture and get the pathwise gradient
 * of the sample with respect to every parameter, weights included.
 *
 *   cargo build --release
 *   cc -std=c11 examples/c_sample.c -Iinclude target/release/libmixgrad.a -lm -o target/c_sample && ./target/c_sample
 */
#include <stdio.h>

#include "mixgrad.h"

int main(void) {
    /* K = 2 components in D = 2 dimensions; means and scales are
     * component-major: (k, d) at k*D + d. */
    const double logits[2] = {0.0, 1.0}; /* weights softmax(logits) = 0.27, 0.73 */
    const double means[4] = {-2.0, 0.0, /* component 0 */ 1.5, 1.0 /* component 1 */};
    const double scales[4] = {0.5, 1.0, /* component 0 */ 0.8, 0.3 /* component 1 */};
    const mixgrad_diag_f64 mix = {2, 2, logits, means, scales};

    mixgrad_rng rng;
    mixgrad_rng_seed(&rng, 42);

    /* x = T^-1(u), u uniform: a differentiable sample. */
    double x[2], u[2];
    mixgrad_status status = mixgrad_diag_sample_quantile_f64(&mix, &rng, x, u);
    if (status != MIXGRAD_OK) {
        fprintf(stderr, "sample: %s\n", mixgrad_status_str(status));
        return 1;
    }
    printf("u = (%.6f, %.6f)  ->  x = (%.6f, %.6f)\n", u[0], u[1], x[0], x[1]);

    /* Gradient of L = x_0 + x_1 w.r.t. logits, means and scales. */
    const double x_bar[2] = {1.0, 1.0};
    double logits_bar[2], means_bar[4], scales_bar[4];
    status = mixgrad_diag_vjp_f64(&mix, x, x_bar, logits_bar, means_bar, scales_bar);
    if (status != MIXGRAD_OK) {
        fprintf(stderr, "vjp: %s\n", mixgrad_status_str(status));
        return 1;
    }
    printf("dL/dlogits = (%+.4g, %+.4g)\n", logits_bar[0], logits_bar[1]);
    for (int k = 0; k < 2; k++) {
        printf("component %d: dL/dmu = (%+.4g, %+.4g)  dL/dsigma = (%+.4g, %+.4g)\n", k, means_bar[2 * k],
               means_bar[2 * k + 1], scales_bar[2 * k], scales_bar[2 * k + 1]);
    }

    /* Bad input is refused with a named status and nothing is written. */
    const double bad_scales[4] = {0.5, 1.0, 0.8, -0.3};
    const mixgrad_diag_f64 bad = {2, 2, logits, means, bad_scales};
    status = mixgrad_diag_sample_quantile_f64(&bad, &rng, x, u);
    printf("negative scale -> %s\n", mixgrad_status_str(status));
    return status == MIXGRAD_ERR_NONPOSITIVE_SCALE ? 0 : 1;
}
