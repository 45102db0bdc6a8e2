/* Batches from C: n samples of one mixture with the gradient of a batch
 * loss summed over them, and a batch of mixtures (one per data point, as a
 * VAE encoder emits them) with one sample and one gradient each.
 *
 *   cargo build --release
 *   cc -std=c11 examples/c_batch.c -Iinclude target/release/libmixgrad.a -lm -o target/c_batch && ./target/c_batch
 */
#include <math.h>
#include <stdio.h>

#include "mixgrad.h"

#define N 4 /* rows */

static int check(const char *what, mixgrad_status status) {
    if (status != MIXGRAD_OK) fprintf(stderr, "%s: %s\n", what, mixgrad_status_str(status));
    return status == MIXGRAD_OK;
}

int main(void) {
    /* One mixture, K = 2, D = 2: N samples, then the gradient of
     * L = sum_i (x_i0 + x_i1) summed over the rows. */
    const double logits[2] = {0.0, 1.0};
    const double means[4] = {-2.0, 0.0, 1.5, 1.0};
    const double scales[4] = {0.5, 1.0, 0.8, 0.3};
    const mixgrad_diag_f64 mix = {2, 2, logits, means, scales};
    mixgrad_rng rng;
    mixgrad_rng_seed(&rng, 42);

    double x[N * 2], x_bar[N * 2];
    if (!check("sample", mixgrad_diag_sample_quantile_many_f64(&mix, &rng, N, x, NULL))) return 1;
    for (int i = 0; i < N * 2; i++) x_bar[i] = 1.0;
    double logits_bar[2], means_bar[4], scales_bar[4];
    if (!check("vjp", mixgrad_diag_vjp_many_f64(&mix, N, x, x_bar, logits_bar, means_bar, scales_bar)))
        return 1;
    printf("summed over %d samples: dL/dlogits = (%+.4g, %+.4g)\n", N, logits_bar[0], logits_bar[1]);

    /* N mixtures of K = 2 components in D = 1, packed: mixture i has logits
     * [2i, 2i+2) and means/scales [2i, 2i+2). */
    const double b_logits[N * 2] = {0.0, 0.0, 1.0, -1.0, 0.5, 0.5, -2.0, 2.0};
    const double b_means[N * 2] = {-1.0, 1.0, 0.0, 3.0, -2.0, 2.0, 0.5, -0.5};
    const double b_scales[N * 2] = {0.5, 0.5, 1.0, 2.0, 0.3, 0.3, 1.0, 1.0};
    const mixgrad_diag_batch_f64 batch = {N, 2, 1, b_logits, b_means, b_scales};
    double z[N], z_bar[N] = {1.0, 1.0, 1.0, 1.0}, log_q[N];
    double g_logits[N * 2], g_means[N * 2], g_scales[N * 2];
    if (!check("batch sample", mixgrad_diag_batch_sample_quantile_f64(&batch, &rng, z, NULL))) return 1;
    if (!check("batch log_prob", mixgrad_diag_batch_log_prob_f64(&batch, z, log_q))) return 1;
    if (!check("batch vjp", mixgrad_diag_batch_vjp_f64(&batch, z, z_bar, g_logits, g_means, g_scales)))
        return 1;
    for (int i = 0; i < N; i++)
        printf("mixture %d: z = %+.4f  log q = %+.4f  dz/dmu = (%+.4f, %+.4f)\n", i, z[i], log_q[i],
               g_means[2 * i], g_means[2 * i + 1]);

    /* A bad row refuses the whole call; nothing is written. */
    double bad_x[N * 2];
    for (int i = 0; i < N * 2; i++) bad_x[i] = x[i];
    bad_x[5] = INFINITY;
    mixgrad_status status = mixgrad_diag_vjp_many_f64(&mix, N, bad_x, x_bar, logits_bar, means_bar, scales_bar);
    printf("an infinite x in row 2 -> %s\n", mixgrad_status_str(status));
    return status == MIXGRAD_ERR_NONFINITE_X ? 0 : 1;
}
