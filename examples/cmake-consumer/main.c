/* The installed library at work: a sample of a two-component mixture, the
 * distributional transform of it back to the uniforms that drew it, and its
 * pathwise gradient, which for the means of a one-component mixture is
 * exactly 1. Exits non-zero if any of it fails. */
#include <math.h>
#include <stdio.h>

#include <mixgrad.h>

static int check(mixgrad_status status, const char *what) {
    if (status != MIXGRAD_OK) {
        fprintf(stderr, "%s: %s\n", what, mixgrad_status_str(status));
        return 1;
    }
    return 0;
}

int main(void) {
    const double logits[2] = {0.0, 1.0};
    const double means[4] = {-2.0, 0.0, 1.5, 1.0};
    const double scales[4] = {0.5, 1.0, 0.8, 0.3};
    const mixgrad_diag_f64 mix = {2, 2, logits, means, scales};
    mixgrad_rng rng;
    double x[2], u[2], u_back[2];
    if (check(mixgrad_rng_seed(&rng, 42), "seed") ||
        check(mixgrad_diag_sample_quantile_f64(&mix, &rng, x, u), "sample") ||
        check(mixgrad_diag_cdf_f64(&mix, x, u_back), "cdf")) {
        return 1;
    }
    for (int d = 0; d < 2; d++) {
        if (fabs(u_back[d] - u[d]) > 1e-12) {
            fprintf(stderr, "cdf(x)[%d] = %.17g, drawn from u = %.17g\n", d, u_back[d], u[d]);
            return 1;
        }
    }

    /* One component: x = mu + sigma * z, so dx/dmu = 1. */
    const double one_logit[1] = {0.0};
    const mixgrad_diag_f64 single = {1, 2, one_logit, means, scales};
    const double x_bar[2] = {1.0, 1.0};
    double logits_bar[1], means_bar[2], scales_bar[2];
    if (check(mixgrad_diag_sample_quantile_f64(&single, &rng, x, u), "sample") ||
        check(mixgrad_diag_vjp_f64(&single, x, x_bar, logits_bar, means_bar, scales_bar), "vjp")) {
        return 1;
    }
    if (means_bar[0] != 1.0 || means_bar[1] != 1.0) {
        fprintf(stderr, "dx/dmu = (%g, %g), not 1\n", means_bar[0], means_bar[1]);
        return 1;
    }
    printf("x = (%.6f, %.6f), cdf(x) = u, dx/dmu = 1: the installed mixgrad works\n", x[0], x[1]);
    return 0;
}
