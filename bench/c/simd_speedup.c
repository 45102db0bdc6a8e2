/*
 * Ancestral sampling plus the summed pathwise gradient of n = 1024 samples,
 * timed through the C library: one source, two executables.
 *
 *   MIXGRAD_NEW=0  loops of single calls (mixgrad_diag_sample_ancestral_*,
 *                  then mixgrad_diag_vjp_* per row, summed here in row order
 *                  from +0): what a caller of a library without batch
 *                  kernels writes. Linked against the old libmixgrad.a.
 *   MIXGRAD_NEW=1  the batch calls (mixgrad_diag_sample_ancestral_many_*,
 *                  mixgrad_diag_vjp_many_*) on the instruction set named by
 *                  the environment variable MIXGRAD_SIMD (scalar, sse2,
 *                  avx2, avx512, neon; unset or "auto": the library's own
 *                  choice). Linked against the current libmixgrad.a.
 *
 * Both do the same work (1024 samples and one summed gradient) on the same
 * mixtures, generator seed and cotangents, so the checksums they print can
 * be compared: the batch sum is defined as the single calls' gradients added
 * in row order to +0, which is what the loop here does.
 *
 * Output: one line per configuration (K = 8, D in {4, 32, 128}, f64 and
 * f32), "key=value" fields for tools/simd_speedup.sh to parse:
 *   row impl=old|new path=P prec=f64|f32 D=d ns=T xsum=H gsum=H
 * ns is nanoseconds per sample (thread CPU time; best of REPS repetitions
 * of enough batches for about TARGET_NS each), xsum and gsum 64-bit FNV-1a
 * hashes of the samples' and the summed gradient's bytes.
 * With the argument --paths (new only) it prints the available paths and
 * the one "auto" picks instead:
 *   paths available=scalar,sse2,... auto=P
 *
 * The new executable also checks, outside the timed loops, that the path
 * under test gives the scalar path's samples and summed gradient bit for
 * bit, and exits 1 if not.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mixgrad.h"

#ifndef MIXGRAD_NEW
#error "compile with -DMIXGRAD_NEW=0 (single-call loop) or -DMIXGRAD_NEW=1 (batch calls)"
#endif

enum {
    K = 8,
    N = 1024,
    /* Repetitions per measurement; the best one is kept, since on a shared
     * VM the noise only ever adds time. */
    REPS = 5,
};

/* Each repetition runs whole batches for at least this long. */
static const double TARGET_NS = 50e6;
static const uint64_t SEED = 1;
static const uint32_t DIMS[] = {4, 32, 128};

/* Thread CPU time, so that the other vCPU's load and our own descheduling
 * do not count. */
static double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        perror("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        exit(2);
    }
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static const uint64_t FNV_OFFSET = UINT64_C(0xcbf29ce484222325);

static void check(mixgrad_status st, const char *what)
{
    if (st != MIXGRAD_OK) {
        fprintf(stderr, "simd_speedup: %s: %s\n", what, mixgrad_status_str(st));
        exit(2);
    }
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (p == NULL) {
        fprintf(stderr, "simd_speedup: out of memory\n");
        exit(2);
    }
    return p;
}

#if MIXGRAD_NEW
static const char *const PATH_NAMES[] = {"auto", "scalar", "sse2", "avx2", "avx512", "neon"};
enum { NUM_PATHS = sizeof PATH_NAMES / sizeof PATH_NAMES[0] };

static const char *path_name(uint32_t path)
{
    return path < NUM_PATHS ? PATH_NAMES[path] : "unknown";
}

/* The path MIXGRAD_SIMD names, forced; the path in use is returned. */
static uint32_t force_path_from_env(void)
{
    const char *want = getenv("MIXGRAD_SIMD");
    uint32_t path = MIXGRAD_SIMD_AUTO;
    if (want != NULL && *want != '\0') {
        uint32_t p = 0;
        while (p < NUM_PATHS && strcmp(want, PATH_NAMES[p]) != 0)
            p++;
        if (p == NUM_PATHS) {
            fprintf(stderr, "simd_speedup: MIXGRAD_SIMD=%s is no path name\n", want);
            exit(2);
        }
        path = p;
    }
    mixgrad_status st = mixgrad_simd_force(path);
    if (st != MIXGRAD_OK) {
        fprintf(stderr, "simd_speedup: MIXGRAD_SIMD=%s: %s\n", want, mixgrad_status_str(st));
        exit(2);
    }
    return mixgrad_simd_in_use();
}
#endif

/*
 * One body per precision: T is the element type, and the macro S, defined
 * around each expansion, the functions' suffix (f64 or f32).
 * The mixture follows bench/src/problem.rs (logits sin k, means
 * 2 sin(1.3 k + 0.7 d), scales 1 + 0.5 cos(0.9 k + 1.1 d): overlapping
 * components, so no sample is refused for a zero density), and the
 * cotangent of every row is 1 + 0.1 d.
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, S)
#define MIX CAT(mixgrad_diag_, S)

/* One batch: reseed, draw N samples, sum their gradients. Reseeding makes
 * every batch the same work in both executables. */
#if MIXGRAD_NEW
#define DEFINE_BATCH(T)                                                         \
    static void FN(batch_)(const struct MIX * mix, T * x, const T * x_bar,      \
                           T * g_logits, T * g_means, T * g_scales,             \
                           T * row_logits, T * row_means, T * row_scales)       \
    {                                                                           \
        (void)row_logits;                                                       \
        (void)row_means;                                                        \
        (void)row_scales;                                                       \
        mixgrad_rng rng;                                                        \
        check(mixgrad_rng_seed(&rng, SEED), "mixgrad_rng_seed");                \
        check(FN(mixgrad_diag_sample_ancestral_many_)(mix, &rng, N, x, NULL),   \
              "sample_ancestral_many");                                         \
        check(FN(mixgrad_diag_vjp_many_)(mix, N, x, x_bar, g_logits, g_means,   \
                                         g_scales),                             \
              "vjp_many");                                                      \
    }
#else
#define DEFINE_BATCH(T)                                                         \
    static void FN(batch_)(const struct MIX * mix, T * x, const T * x_bar,      \
                           T * g_logits, T * g_means, T * g_scales,             \
                           T * row_logits, T * row_means, T * row_scales)       \
    {                                                                           \
        const size_t D = mix->num_dims, KD = (size_t)K * D;                     \
        mixgrad_rng rng;                                                        \
        check(mixgrad_rng_seed(&rng, SEED), "mixgrad_rng_seed");                \
        for (size_t i = 0; i < N; i++)                                          \
            check(FN(mixgrad_diag_sample_ancestral_)(mix, &rng, x + i * D, NULL), \
                  "sample_ancestral");                                          \
        for (size_t j = 0; j < K; j++)                                          \
            g_logits[j] = 0;                                                    \
        for (size_t j = 0; j < KD; j++)                                         \
            g_means[j] = g_scales[j] = 0;                                       \
        for (size_t i = 0; i < N; i++) {                                        \
            check(FN(mixgrad_diag_vjp_)(mix, x + i * D, x_bar + i * D,          \
                                        row_logits, row_means, row_scales),     \
                  "vjp");                                                       \
            for (size_t j = 0; j < K; j++)                                      \
                g_logits[j] += row_logits[j];                                   \
            for (size_t j = 0; j < KD; j++) {                                   \
                g_means[j] += row_means[j];                                     \
                g_scales[j] += row_scales[j];                                   \
            }                                                                   \
        }                                                                       \
    }
#endif

#define DEFINE_RUN(T, PREC)                                                     \
    DEFINE_BATCH(T)                                                             \
    static void FN(run_)(uint32_t D, const char *impl, const char *path)        \
    {                                                                           \
        const size_t KD = (size_t)K * D;                                        \
        T logits[K];                                                            \
        T *means = xmalloc(KD * sizeof(T)), *scales = xmalloc(KD * sizeof(T));  \
        T *x = xmalloc((size_t)N * D * sizeof(T));                              \
        T *x_bar = xmalloc((size_t)N * D * sizeof(T));                          \
        /* The summed gradient and one row's: K + 2 K D values each. */         \
        T *grad = xmalloc(2 * (K + 2 * KD) * sizeof(T));                        \
        T *row = grad + K + 2 * KD;                                             \
        for (size_t k = 0; k < K; k++) {                                        \
            logits[k] = (T)sin((double)k);                                      \
            for (size_t d = 0; d < D; d++) {                                    \
                double kk = (double)k, dd = (double)d;                          \
                means[k * D + d] = (T)(2.0 * sin(1.3 * kk + 0.7 * dd));         \
                scales[k * D + d] = (T)(1.0 + 0.5 * cos(0.9 * kk + 1.1 * dd));  \
            }                                                                   \
        }                                                                       \
        for (size_t i = 0; i < N; i++)                                          \
            for (size_t d = 0; d < D; d++)                                      \
                x_bar[i * D + d] = (T)(1.0 + 0.1 * (double)d);                  \
        const struct MIX mix = {K, D, logits, means, scales};                   \
        T *gl = grad, *gm = grad + K, *gs = grad + K + KD;                      \
        T *rl = row, *rm = row + K, *rs = row + K + KD;                         \
                                                                                \
        /* Warm-up and calibration: enough batches for TARGET_NS. */            \
        double t0 = now_ns();                                                   \
        FN(batch_)(&mix, x, x_bar, gl, gm, gs, rl, rm, rs);                     \
        double once = now_ns() - t0;                                            \
        long batches = once > 0 ? (long)ceil(TARGET_NS / once) : 1;             \
        if (batches < 1)                                                        \
            batches = 1;                                                        \
        double best = INFINITY;                                                 \
        for (int r = 0; r < REPS; r++) {                                        \
            t0 = now_ns();                                                      \
            for (long b = 0; b < batches; b++)                                  \
                FN(batch_)(&mix, x, x_bar, gl, gm, gs, rl, rm, rs);             \
            double t = now_ns() - t0;                                           \
            if (t < best)                                                       \
                best = t;                                                       \
        }                                                                       \
                                                                                \
        /* Every batch reseeds, so x and grad hold the seed's results. */       \
        uint64_t xsum = fnv1a(FNV_OFFSET, x, (size_t)N * D * sizeof(T));        \
        uint64_t gsum = fnv1a(FNV_OFFSET, grad, (K + 2 * KD) * sizeof(T));      \
        CHECK_AGAINST_SCALAR(T, PREC)                                           \
        printf("row impl=%s path=%s prec=%s D=%u ns=%.3f xsum=%016llx gsum=%016llx\n", \
               impl, path, PREC, (unsigned)D, best / ((double)batches * N),     \
               (unsigned long long)xsum, (unsigned long long)gsum);             \
        fflush(stdout);                                                         \
        free(means);                                                            \
        free(scales);                                                           \
        free(x);                                                                \
        free(x_bar);                                                            \
        free(grad);                                                             \
    }

#if MIXGRAD_NEW
/* The same batch on the scalar path must give the same samples and summed
 * gradient, bit for bit; the path under test is restored afterwards. */
#define CHECK_AGAINST_SCALAR(T, PREC)                                           \
    {                                                                           \
        uint32_t in_use = mixgrad_simd_in_use();                                \
        T *ref = row;                                                           \
        check(mixgrad_simd_force(MIXGRAD_SIMD_SCALAR), "mixgrad_simd_force");   \
        FN(batch_)(&mix, x, x_bar, ref, ref + K, ref + K + KD, NULL, NULL, NULL); \
        check(mixgrad_simd_force(in_use), "mixgrad_simd_force");                \
        if (memcmp(grad, ref, (K + 2 * KD) * sizeof(T)) != 0                    \
            || fnv1a(FNV_OFFSET, x, (size_t)N * D * sizeof(T)) != xsum) {       \
            fprintf(stderr,                                                     \
                    "simd_speedup: %s D=%u: the %s path's samples or summed "   \
                    "gradient differ from the scalar path's\n",                 \
                    PREC, (unsigned)D, path);                                   \
            exit(1);                                                            \
        }                                                                       \
    }
#else
#define CHECK_AGAINST_SCALAR(T, PREC)
#endif

#define S f64
DEFINE_RUN(double, "f64")
#undef S
#define S f32
DEFINE_RUN(float, "f32")
#undef S

int main(int argc, char **argv)
{
#if MIXGRAD_NEW
    if (argc == 2 && strcmp(argv[1], "--paths") == 0) {
        printf("paths available=");
        const char *sep = "";
        for (uint32_t p = MIXGRAD_SIMD_SCALAR; p < NUM_PATHS; p++) {
            if (mixgrad_simd_available(p)) {
                printf("%s%s", sep, PATH_NAMES[p]);
                sep = ",";
            }
        }
        printf(" auto=%s\n", path_name(mixgrad_simd_in_use()));
        return 0;
    }
    const char *impl = "new", *path = path_name(force_path_from_env());
#else
    const char *impl = "old", *path = "-";
#endif
    if (argc != 1) {
        fprintf(stderr, "usage: %s%s\n", argv[0], MIXGRAD_NEW ? " [--paths]" : "");
        return 2;
    }
    for (size_t i = 0; i < sizeof DIMS / sizeof DIMS[0]; i++) {
        run_f64(DIMS[i], impl, path);
        run_f32(DIMS[i], impl, path);
    }
    return 0;
}
