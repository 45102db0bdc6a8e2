/* mixgrad from C on a Cortex-M4F (QEMU mps2-an386), printing through
 * semihosting: sample a 2-component, 2-D mixture in single precision (the
 * M4F has a single-precision FPU), take the pathwise gradient of
 * L = x0 + x1, check it against central differences of the quantile map,
 * and show a refused bad input. Prints "c firmware: OK" on success. */
#include <math.h>
#include <stdio.h>

#include "mixgrad.h"

#define K 2
#define D 2

static int failures = 0;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

int main(void)
{
    float logits[K] = {-0.3f, 0.4f};
    float means[K * D] = {-1.0f, 0.5f, 2.0f, -0.5f};
    float scales[K * D] = {0.7f, 1.2f, 0.5f, 0.9f};
    mixgrad_diag_f32 mix = {K, D, logits, means, scales};

    mixgrad_rng rng;
    check(mixgrad_rng_seed(&rng, 2016) == MIXGRAD_OK, "seed");
    float x[D], u[D];
    check(mixgrad_diag_sample_quantile_f32(&mix, &rng, x, u) == MIXGRAD_OK, "sample");
    printf("mixgrad %s: x = (%.6f, %.6f) from u = (%.6f, %.6f)\n", mixgrad_version(),
           (double)x[0], (double)x[1], (double)u[0], (double)u[1]);

    const float x_bar[D] = {1.0f, 1.0f};
    float g_logits[K], g_means[K * D], g_scales[K * D];
    check(mixgrad_diag_vjp_f32(&mix, x, x_bar, g_logits, g_means, g_scales) == MIXGRAD_OK,
          "vjp");
    printf("d(x0+x1)/d logits = (%.6f, %.6f)\n", (double)g_logits[0], (double)g_logits[1]);
    printf("d(x0+x1)/d means  = (%.6f, %.6f, %.6f, %.6f)\n", (double)g_means[0],
           (double)g_means[1], (double)g_means[2], (double)g_means[3]);

    /* Central differences of u -> x at fixed u, in each mean. */
    for (int j = 0; j < K * D; j++) {
        const float h = 1e-2f;
        float xp[D], xm[D];
        const float saved = means[j];
        means[j] = saved + h;
        int ok = mixgrad_diag_quantile_f32(&mix, u, xp) == MIXGRAD_OK;
        means[j] = saved - h;
        ok = ok && mixgrad_diag_quantile_f32(&mix, u, xm) == MIXGRAD_OK;
        means[j] = saved;
        const float fd = ((xp[0] + xp[1]) - (xm[0] + xm[1])) / (2.0f * h);
        check(ok && fabsf(fd - g_means[j]) <= 2e-2f * (1.0f + fabsf(fd)), "vjp vs differences");
    }

    /* A bad scale is refused with its own status; nothing is written. */
    scales[1] = -1.0f;
    float out[D] = {7.0f, 7.0f};
    const uint32_t status = mixgrad_diag_cdf_f32(&mix, x, out);
    printf("bad scale: %s\n", mixgrad_status_str(status));
    check(status == MIXGRAD_ERR_NONPOSITIVE_SCALE && out[0] == 7.0f, "refusal");

    printf("c firmware: %s\n", failures == 0 ? "OK" : "FAILED");
    return failures == 0 ? 0 : 1;
}
