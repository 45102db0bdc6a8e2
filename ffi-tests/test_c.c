/* The C suite: the docs/math.md §5 conformance functions against the committed
 * high-precision reference vectors (same tolerances as docs/math.md §6), f32 against
 * f64, sampling reproducibility against an independent xoshiro256++, and
 * every status code with poisoned outputs proving nothing is written; the
 * batch forms (docs/math.md §8) against the single calls, bit for bit; the
 * location-scale families (docs/math.md §9): the Gaussian is the diag
 * surface bit for bit, every family round-trips, an unknown one is refused;
 * full-covariance mixtures (docs/math.md §10): K = 1 is mu + L Phi^-1(u),
 * the round trip, a diagonal factor is the diagonal mixture, a short
 * workspace is refused with nothing written; the Gamma distribution
 * (docs/math.md §11): alpha = 1 is the exponential in closed form, dx/dalpha
 * is the central difference of the quantile, each bad argument has its own
 * status with nothing written.
 *
 * Usage: test_c path/to/tests/data/reference.txt */
#include "mixgrad.h"
#include "support.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS DBL_EPSILON

static mixgrad_diag_f64 mixture_of(const ref_case *c) {
    mixgrad_diag_f64 m = {c->k, c->d, c->logits, c->means, c->scales};
    return m;
}

/* ---- reference vectors (f64) ------------------------------------------ */

static void test_reference_f64(const ref_case *cases, size_t num_cases) {
    double worst_quantile = 0.0;
    int gradients_checked = 0, backward_checked = 0;
    for (size_t i = 0; i < num_cases; i++) {
        const ref_case *c = &cases[i];
        const mixgrad_diag_f64 m = mixture_of(c);
        const uint32_t D = c->d, P = c->k + 2 * c->k * c->d;
        double *u = (double *)malloc(D * sizeof(double));
        double *x = (double *)malloc(D * sizeof(double));
        double *bars = (double *)malloc(P * sizeof(double));
        double *jac = (double *)malloc((size_t)D * P * sizeof(double));
        for (size_t j = 0; j < c->num_points; j++) {
            const ref_point *p = &c->points[j];

            CHECK(mixgrad_diag_cdf_f64(&m, p->x, u) == MIXGRAD_OK, "%s: cdf status", c->name);
            for (uint32_t d = 0; d < D; d++) {
                double want = p->cdf[d], z = ref_probit(fmin(want, p->ccdf[d]));
                if (want > 0.5) {
                    CHECK(fabs(u[d] - want) <= 1e-14, "%s d=%u: cdf %.17g vs %.17g", c->name, d, u[d], want);
                } else if (want >= 1e-300) {
                    CHECK(fabs((u[d] - want) / want) <= 1e-14 + 8 * EPS * z * z,
                          "%s d=%u: cdf %.17g vs %.17g", c->name, d, u[d], want);
                }
            }

            double lp = NAN;
            CHECK(mixgrad_diag_log_prob_f64(&m, p->x, &lp) == MIXGRAD_OK, "%s: log_prob status", c->name);
            CHECK(fabs(lp - p->logq) <= 1e-14 * fmax(1.0, fabs(p->logq)), "%s: log_prob %.17g vs %.17g",
                  c->name, lp, p->logq);

            CHECK(mixgrad_diag_quantile_f64(&m, p->u, x) == MIXGRAD_OK, "%s: quantile status", c->name);
            if (p->backward_only) {
                /* F is flat at u to below double resolution: check F(x) = u. */
                mixgrad_diag_cdf_f64(&m, x, u);
                for (uint32_t d = 0; d < D; d++) {
                    CHECK(fabs(u[d] - p->u[d]) <= 8 * EPS * p->u[d], "%s: backward error", c->name);
                }
                backward_checked++;
            } else {
                for (uint32_t d = 0; d < D; d++) {
                    double tail = fmin(p->u[d], 1.0 - p->u[d]), z = ref_probit(tail);
                    double tol = 8 * ref_ulp(p->xq[d]) + 8 * EPS * (1 + z * z) * tail / p->fq[d];
                    double err = fabs(x[d] - p->xq[d]);
                    worst_quantile = fmax(worst_quantile, err / tol);
                    CHECK(err <= tol, "%s d=%u u=%g: quantile %.17g vs %.17g", c->name, d, p->u[d], x[d], p->xq[d]);
                }
            }

            if (!ref_well_conditioned(c, p)) {
                continue;
            }
            mixgrad_status s = mixgrad_diag_vjp_f64(&m, p->x, p->xbar, bars, bars + c->k,
                                                    bars + c->k + c->k * c->d);
            CHECK(s == MIXGRAD_OK, "%s: vjp status %s", c->name, mixgrad_status_str(s));
            double err = ref_grad_error(bars, p->vjp, P);
            CHECK(err <= 1e-10, "%s: vjp error %g", c->name, err);
            if (p->jac) {
                CHECK(mixgrad_diag_jacobian_f64(&m, p->x, jac) == MIXGRAD_OK, "%s: jacobian status", c->name);
                for (uint32_t d = 0; d < D; d++) {
                    err = ref_grad_error(jac + (size_t)d * P, p->jac + (size_t)d * P, P);
                    CHECK(err <= 1e-10, "%s row %u: jacobian error %g", c->name, d, err);
                }
            }
            gradients_checked++;
        }
        free(u);
        free(x);
        free(bars);
        free(jac);
    }
    printf("reference f64: quantile worst error / tolerance %.3f; %d gradient points\n", worst_quantile,
           gradients_checked);
    CHECK(gradients_checked >= 30, "only %d gradient points", gradients_checked);
    CHECK(backward_checked == 1, "expected exactly the one flat-gap point");
}

/* ---- f32 against f64 on the same (float-rounded) problem --------------- */

static void test_f32_against_f64(const ref_case *cases, size_t num_cases) {
    int checked = 0;
    for (size_t i = 0; i < num_cases; i++) {
        const ref_case *c = &cases[i];
        const uint32_t K = c->k, D = c->d, KD = K * D, P = K + 2 * KD;
        float *pf = (float *)malloc((K + 2 * KD) * sizeof(float));
        double *pd = (double *)malloc((K + 2 * KD) * sizeof(double));
        for (uint32_t n = 0; n < K; n++) pf[n] = (float)c->logits[n];
        for (uint32_t n = 0; n < KD; n++) pf[K + n] = (float)c->means[n];
        for (uint32_t n = 0; n < KD; n++) pf[K + KD + n] = (float)c->scales[n];
        for (uint32_t n = 0; n < P; n++) pd[n] = pf[n];
        mixgrad_diag_f32 m32 = {K, D, pf, pf + K, pf + K + KD};
        mixgrad_diag_f64 m64 = {K, D, pd, pd + K, pd + K + KD};
        float *xf = (float *)malloc(D * sizeof(float)), *uf = (float *)malloc(D * sizeof(float));
        float *barf = (float *)malloc(D * sizeof(float)), *gf = (float *)malloc(P * sizeof(float));
        double *xd = (double *)malloc(D * sizeof(double)), *ud = (double *)malloc(D * sizeof(double));
        double *bard = (double *)malloc(D * sizeof(double)), *gd = (double *)malloc(P * sizeof(double));
        double *g32 = (double *)malloc(P * sizeof(double));
        for (size_t j = 0; j < c->num_points; j++) {
            const ref_point *p = &c->points[j];
            if (!ref_well_conditioned(c, p)) {
                continue;
            }
            for (uint32_t d = 0; d < D; d++) {
                xf[d] = (float)p->x[d];
                xd[d] = xf[d];
                barf[d] = (float)p->xbar[d];
                bard[d] = barf[d];
            }
            CHECK(mixgrad_diag_cdf_f32(&m32, xf, uf) == MIXGRAD_OK, "%s: cdf_f32", c->name);
            CHECK(mixgrad_diag_cdf_f64(&m64, xd, ud) == MIXGRAD_OK, "%s: cdf_f64", c->name);
            for (uint32_t d = 0; d < D; d++) {
                double tol = ud[d] > 0.5 ? 1e-6 : 1e-5 * ud[d];
                CHECK(fabs(uf[d] - ud[d]) <= tol || ud[d] < 1e-30, "%s d=%u: cdf_f32 %.9g vs %.17g", c->name, d,
                      (double)uf[d], ud[d]);
            }
            mixgrad_status s32 = mixgrad_diag_vjp_f32(&m32, xf, barf, gf, gf + K, gf + K + KD);
            mixgrad_status s64 = mixgrad_diag_vjp_f64(&m64, xd, bard, gd, gd + K, gd + K + KD);
            CHECK(s32 == s64, "%s: vjp statuses %s / %s", c->name, mixgrad_status_str(s32), mixgrad_status_str(s64));
            if (s32 == MIXGRAD_OK && s64 == MIXGRAD_OK) {
                for (uint32_t n = 0; n < P; n++) g32[n] = gf[n];
                double err = ref_grad_error(g32, gd, P);
                CHECK(err <= 1e-3, "%s: vjp_f32 error %g", c->name, err);
            }
            checked++;
        }
        free(pf), free(pd), free(xf), free(uf), free(barf), free(gf);
        free(xd), free(ud), free(bard), free(gd), free(g32);
    }
    CHECK(checked >= 30, "only %d f32 points", checked);
}

/* ---- sampling: an independent xoshiro256++ (Blackman & Vigna) ---------- */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t xoshiro_next(uint64_t s[4]) {
    const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t splitmix_next(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void test_sampling(void) {
    const double logits[3] = {0.0, -0.7, 0.4};
    const double means[6] = {-2.0, 0.0, 0.5, 1.0, 2.5, -1.0};
    const double scales[6] = {0.5, 1.0, 0.8, 0.3, 1.2, 0.6};
    const mixgrad_diag_f64 m = {3, 2, logits, means, scales};

    mixgrad_rng a, b;
    CHECK(mixgrad_rng_seed(&a, 2024) == MIXGRAD_OK, "seed");
    uint64_t sm = 2024, s[4];
    for (int i = 0; i < 4; i++) s[i] = splitmix_next(&sm);
    CHECK(memcmp(a.state, s, sizeof s) == 0, "seeding is SplitMix64 expansion");
    b = a;
    for (int draw = 0; draw < 200; draw++) {
        double x[2], u[2], x2[2], xq[2];
        CHECK(mixgrad_diag_sample_quantile_f64(&m, &a, x, u) == MIXGRAD_OK, "sample_quantile");
        for (int d = 0; d < 2; d++) {
            /* docs/math.md §3 uniforms from the top 52 bits, offset by half a step. */
            double want = ((double)(xoshiro_next(s) >> 12) + 0.5) * 0x1p-52;
            CHECK(u[d] == want, "draw %d: u %.17g vs stream %.17g", draw, u[d], want);
        }
        CHECK(mixgrad_diag_quantile_f64(&m, u, xq) == MIXGRAD_OK && memcmp(x, xq, sizeof x) == 0,
              "draw %d: x = quantile(u)", draw);
        CHECK(mixgrad_diag_sample_quantile_f64(&m, &b, x2, NULL) == MIXGRAD_OK && memcmp(x, x2, sizeof x) == 0,
              "draw %d: a copied generator reproduces the sample", draw);
    }
    CHECK(memcmp(a.state, s, sizeof s) == 0, "the sampler consumed exactly D draws per sample");

    /* Ancestral: reproducible for a seed, different for another. */
    mixgrad_rng c1, c2, c3;
    mixgrad_rng_seed(&c1, 5);
    mixgrad_rng_seed(&c2, 5);
    mixgrad_rng_seed(&c3, 6);
    int same_as_other_seed = 0, counts[3] = {0, 0, 0};
    for (int draw = 0; draw < 3000; draw++) {
        double x1[2], x2[2], x3[2];
        uint32_t k1 = 99, k2 = 99;
        CHECK(mixgrad_diag_sample_ancestral_f64(&m, &c1, x1, &k1) == MIXGRAD_OK, "ancestral");
        mixgrad_diag_sample_ancestral_f64(&m, &c2, x2, &k2);
        mixgrad_diag_sample_ancestral_f64(&m, &c3, x3, NULL);
        CHECK(k1 == k2 && memcmp(x1, x2, sizeof x1) == 0, "ancestral draw %d reproduces", draw);
        same_as_other_seed += memcmp(x1, x3, sizeof x1) == 0;
        if (k1 < 3) counts[k1]++;
    }
    CHECK(same_as_other_seed == 0, "another seed gives another stream");
    /* Weights softmax(0, -0.7, 0.4): 3000 draws land within 5 standard
     * errors (binomial) of each. */
    double total = exp(0.0) + exp(-0.7) + exp(0.4);
    for (int k = 0; k < 3; k++) {
        double pk = exp(logits[k]) / total, se = sqrt(3000 * pk * (1 - pk));
        CHECK(fabs(counts[k] - 3000 * pk) <= 5 * se, "component %d drawn %d times (p=%.4f)", k, counts[k], pk);
    }

    /* f32: the same generator, 32-bit draws, 23-bit uniforms. */
    const float lf[3] = {0.0f, -0.7f, 0.4f};
    const float mf[6] = {-2.0f, 0.0f, 0.5f, 1.0f, 2.5f, -1.0f};
    const float sf[6] = {0.5f, 1.0f, 0.8f, 0.3f, 1.2f, 0.6f};
    const mixgrad_diag_f32 m32 = {3, 2, lf, mf, sf};
    mixgrad_rng r;
    mixgrad_rng_seed(&r, 77);
    memcpy(s, r.state, sizeof s);
    for (int draw = 0; draw < 100; draw++) {
        float x[2], u[2];
        CHECK(mixgrad_diag_sample_quantile_f32(&m32, &r, x, u) == MIXGRAD_OK, "sample_quantile_f32");
        for (int d = 0; d < 2; d++) {
            float want = ((float)((uint32_t)(xoshiro_next(s) >> 32) >> 9) + 0.5f) * 0x1p-23f;
            CHECK(u[d] == want && isfinite(x[d]), "f32 draw %d: u %.9g vs %.9g", draw, (double)u[d], (double)want);
        }
    }
}

/* ---- status codes: every refusal writes nothing ------------------------ */

#define K_ 2
#define D_ 3
#define KD_ (K_ * D_)
#define P_ (K_ + 2 * KD_)

typedef struct buffers {
    double x[D_], u[D_], xbar[D_];
    /* outputs, poisoned before every call */
    double out_x[D_], out_u[D_], lp, gx[D_], ga[K_], gm[KD_], gs[KD_], jac[D_ * P_];
    uint32_t component;
    mixgrad_rng rng;
} buffers;

#define ARG(i, ptr) (null_arg == (i) ? NULL : (ptr))

typedef mixgrad_status (*op_fn)(const mixgrad_diag_f64 *m, buffers *b, int null_arg);

static mixgrad_status op_validate(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    (void)b;
    return mixgrad_diag_validate_f64(ARG(0, m));
}
static mixgrad_status op_log_prob(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_log_prob_f64(ARG(0, m), ARG(1, b->x), ARG(2, &b->lp));
}
static mixgrad_status op_log_prob_grad(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_log_prob_grad_f64(ARG(0, m), ARG(1, b->x), &b->lp, b->gx, b->ga, b->gm, b->gs);
}
static mixgrad_status op_cdf(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_cdf_f64(ARG(0, m), ARG(1, b->x), ARG(2, b->out_u));
}
static mixgrad_status op_quantile(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_quantile_f64(ARG(0, m), ARG(1, b->u), ARG(2, b->out_x));
}
static mixgrad_status op_vjp(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_vjp_f64(ARG(0, m), ARG(1, b->x), ARG(2, b->xbar), ARG(3, b->ga), ARG(4, b->gm),
                                ARG(5, b->gs));
}
static mixgrad_status op_jacobian(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_jacobian_f64(ARG(0, m), ARG(1, b->x), ARG(2, b->jac));
}
static mixgrad_status op_sample_quantile(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_sample_quantile_f64(ARG(0, m), ARG(1, &b->rng), ARG(2, b->out_x), b->out_u);
}
static mixgrad_status op_sample_ancestral(const mixgrad_diag_f64 *m, buffers *b, int null_arg) {
    return mixgrad_diag_sample_ancestral_f64(ARG(0, m), ARG(1, &b->rng), ARG(2, b->out_x), &b->component);
}

enum { USES_X = 1, USES_U = 2, USES_XBAR = 4, GRADIENT = 8 };

static const struct op {
    const char *name;
    op_fn call;
    int required_pointers; /* arguments 0 .. n-1 may not be NULL */
    int uses;
} OPS[] = {
    {"validate", op_validate, 1, 0},
    {"log_prob", op_log_prob, 3, USES_X},
    {"log_prob_grad", op_log_prob_grad, 2, USES_X},
    {"cdf", op_cdf, 3, USES_X},
    {"quantile", op_quantile, 3, USES_U},
    {"vjp", op_vjp, 6, USES_X | USES_XBAR | GRADIENT},
    {"jacobian", op_jacobian, 3, USES_X | GRADIENT},
    {"sample_quantile", op_sample_quantile, 3, 0},
    {"sample_ancestral", op_sample_ancestral, 3, 0},
};
#define NUM_OPS (sizeof OPS / sizeof OPS[0])

typedef struct params {
    double logits[K_], means[KD_], scales[KD_];
} params;

static const params GOOD = {{0.2, -0.4}, {-1.0, 0.0, 1.0, 1.5, 0.5, -0.5}, {0.9, 1.1, 0.7, 0.6, 1.3, 1.0}};

static void fill(buffers *b) {
    const uint64_t poison = 0x7ff8deadbeef0001u;
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < D_; i++) {
        b->x[i] = 0.25 * (double)i - 0.3;
        b->u[i] = 0.2 + 0.25 * (double)i;
        b->xbar[i] = 1.0 - 0.5 * (double)i;
    }
    /* every output double gets the same NaN payload */
    double *first = b->out_x, *last = b->jac + D_ * P_;
    for (double *o = first; o < last; o++) {
        memcpy(o, &poison, sizeof poison);
    }
    b->component = 0xdeadbeefu;
    mixgrad_rng_seed(&b->rng, 99);
}

/* Runs `op`, expects `want`, and (on an error) that the outputs, the
 * generator and the inputs are bit-for-bit what they were. */
static void expect(const struct op *op, const mixgrad_diag_f64 *m, buffers *b, int null_arg, mixgrad_status want,
                   const char *what) {
    buffers before;
    memcpy(&before, b, sizeof before);
    mixgrad_status got = op->call(m, b, null_arg);
    CHECK(got == want, "%s (%s): got %s, want %s", op->name, what, mixgrad_status_str(got), mixgrad_status_str(want));
    if (want != MIXGRAD_OK) {
        CHECK(memcmp(&before, b, sizeof before) == 0, "%s (%s): an output was written on error", op->name, what);
    }
}

static void test_errors(void) {
    params p = GOOD;
    mixgrad_diag_f64 m = {K_, D_, p.logits, p.means, p.scales};
    buffers b;

    for (size_t i = 0; i < NUM_OPS; i++) {
        const struct op *op = &OPS[i];
        fill(&b);
        expect(op, &m, &b, -1, MIXGRAD_OK, "valid input");
        for (int arg = 0; arg < op->required_pointers; arg++) {
            fill(&b);
            char what[32];
            snprintf(what, sizeof what, "argument %d NULL", arg);
            expect(op, &m, &b, arg, MIXGRAD_ERR_NULL_POINTER, what);
        }
        /* The mixture's own arrays. */
        const double **fields[3] = {&m.logits, &m.means, &m.scales};
        for (int f = 0; f < 3; f++) {
            const double *saved = *fields[f];
            *fields[f] = NULL;
            fill(&b);
            expect(op, &m, &b, -1, MIXGRAD_ERR_NULL_POINTER, "mixture array NULL");
            *fields[f] = saved;
        }
    }

    /* Shapes and parameter values: the same code from every function. */
    const struct {
        const char *what;
        int field; /* 0 K, 1 D, 2 logit, 3 mean, 4 scale */
        double value;
        mixgrad_status want;
    } bad[] = {
        {"K = 0", 0, 0, MIXGRAD_ERR_NO_COMPONENTS},
        {"D = 0", 1, 0, MIXGRAD_ERR_NO_DIMENSIONS},
        {"K > MIXGRAD_MAX_COMPONENTS", 0, MIXGRAD_MAX_COMPONENTS + 1, MIXGRAD_ERR_TOO_MANY_COMPONENTS},
        {"NaN logit", 2, NAN, MIXGRAD_ERR_NAN_LOGIT},
        {"+inf logit", 2, INFINITY, MIXGRAD_ERR_INFINITE_LOGIT},
        {"all logits -inf", 2, -INFINITY, MIXGRAD_ERR_NO_ACTIVE_COMPONENT},
        {"NaN mean", 3, NAN, MIXGRAD_ERR_NONFINITE_MEAN},
        {"+inf mean", 3, INFINITY, MIXGRAD_ERR_NONFINITE_MEAN},
        {"-inf mean", 3, -INFINITY, MIXGRAD_ERR_NONFINITE_MEAN},
        {"NaN scale", 4, NAN, MIXGRAD_ERR_NONFINITE_SCALE},
        {"+inf scale", 4, INFINITY, MIXGRAD_ERR_NONFINITE_SCALE},
        {"zero scale", 4, 0.0, MIXGRAD_ERR_NONPOSITIVE_SCALE},
        {"-0 scale", 4, -0.0, MIXGRAD_ERR_NONPOSITIVE_SCALE},
        {"negative scale", 4, -1.0, MIXGRAD_ERR_NONPOSITIVE_SCALE},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        for (size_t i = 0; i < NUM_OPS; i++) {
            p = GOOD;
            m.num_components = K_;
            m.num_dims = D_;
            switch (bad[c].field) {
            case 0: m.num_components = (uint32_t)bad[c].value; break;
            case 1: m.num_dims = (uint32_t)bad[c].value; break;
            case 2:
                p.logits[1] = bad[c].value;
                if (bad[c].want == MIXGRAD_ERR_NO_ACTIVE_COMPONENT) p.logits[0] = -INFINITY;
                break;
            case 3: p.means[KD_ - 1] = bad[c].value; break;
            default: p.scales[2] = bad[c].value; break;
            }
            fill(&b);
            expect(&OPS[i], &m, &b, -1, bad[c].want, bad[c].what);
        }
    }
    p = GOOD;
    m.num_components = K_;
    m.num_dims = D_;

    /* One -inf logit is a component of weight zero, not an error. */
    p.logits[0] = -INFINITY;
    for (size_t i = 0; i < NUM_OPS; i++) {
        fill(&b);
        expect(&OPS[i], &m, &b, -1, MIXGRAD_OK, "one -inf logit");
    }
    p = GOOD;

    /* Per-call inputs. */
    const double bad_u[] = {0.0, 1.0, -0.0, -0.25, 1.5, NAN, INFINITY, -INFINITY};
    const double bad_x[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < NUM_OPS; i++) {
        const struct op *op = &OPS[i];
        for (size_t v = 0; v < sizeof bad_u / sizeof bad_u[0] && (op->uses & USES_U); v++) {
            fill(&b);
            b.u[D_ - 1] = bad_u[v];
            expect(op, &m, &b, -1, MIXGRAD_ERR_U_OUT_OF_RANGE, "u outside (0,1)");
        }
        for (size_t v = 0; v < sizeof bad_x / sizeof bad_x[0]; v++) {
            if (op->uses & USES_X) {
                fill(&b);
                b.x[1] = bad_x[v];
                expect(op, &m, &b, -1, MIXGRAD_ERR_NONFINITE_X, "non-finite x");
            }
            if (op->uses & USES_XBAR) {
                fill(&b);
                b.xbar[0] = bad_x[v];
                expect(op, &m, &b, -1, MIXGRAD_ERR_NONFINITE_COTANGENT, "non-finite x_bar");
            }
        }
    }

    /* The smallest and largest uniforms are accepted. */
    fill(&b);
    b.u[0] = 0x1p-1074;
    b.u[1] = 1.0 - 0x1p-53;
    expect(&OPS[4], &m, &b, -1, MIXGRAD_OK, "u at the ends of (0,1)");

    /* ZERO_DENSITY: x in the middle of a gap of 1000 scales between two
     * components; gradients refuse, log_prob and cdf answer. */
    const double gl[2] = {0.0, 0.0}, gm_[2] = {-50.0, 50.0}, gs_[2] = {0.1, 0.1};
    const mixgrad_diag_f64 gap = {2, 1, gl, gm_, gs_};
    const double x0 = 0.0, xb = 1.0;
    double ga[2], gmu[2], gsig[2], jac[5], lp, u;
    for (int i = 0; i < 2; i++) ga[i] = gmu[i] = gsig[i] = -7.0;
    CHECK(mixgrad_diag_vjp_f64(&gap, &x0, &xb, ga, gmu, gsig) == MIXGRAD_ERR_ZERO_DENSITY, "vjp in a gap");
    CHECK(ga[0] == -7.0 && gmu[1] == -7.0 && gsig[0] == -7.0, "vjp in a gap wrote nothing");
    CHECK(mixgrad_diag_jacobian_f64(&gap, &x0, jac) == MIXGRAD_ERR_ZERO_DENSITY, "jacobian in a gap");
    CHECK(mixgrad_diag_log_prob_f64(&gap, &x0, &lp) == MIXGRAD_OK && isfinite(lp), "log_prob in a gap");
    CHECK(mixgrad_diag_cdf_f64(&gap, &x0, &u) == MIXGRAD_OK && u == 0.5, "cdf in a gap is 1/2");

    /* An unseeded (zero-initialised) generator: both samplers refuse it,
     * write nothing and leave it zero; other failures come first. */
    for (size_t i = 0; i < NUM_OPS; i++) {
        if (OPS[i].call != op_sample_quantile && OPS[i].call != op_sample_ancestral) continue;
        fill(&b);
        memset(&b.rng, 0, sizeof b.rng);
        expect(&OPS[i], &m, &b, -1, MIXGRAD_ERR_UNSEEDED_RNG, "unseeded rng");
        expect(&OPS[i], &m, &b, 2, MIXGRAD_ERR_NULL_POINTER, "unseeded rng, NULL x");
        p.scales[1] = -1.0;
        expect(&OPS[i], &m, &b, -1, MIXGRAD_ERR_NONPOSITIVE_SCALE, "unseeded rng, negative scale");
        p = GOOD;
        CHECK(mixgrad_rng_seed(&b.rng, 0) == MIXGRAD_OK, "seed 0");
        expect(&OPS[i], &m, &b, -1, MIXGRAD_OK, "rng seeded with 0");
    }
    {
        static mixgrad_rng zero_f32; /* static: zero-initialised */
        float xf[D_] = {-7.0f, -7.0f, -7.0f};
        uint32_t k = 77;
        const float lf[K_] = {0.2f, -0.4f}, mf[KD_] = {0}, sf[KD_] = {1, 1, 1, 1, 1, 1};
        const mixgrad_diag_f32 m32 = {K_, D_, lf, mf, sf};
        CHECK(mixgrad_diag_sample_quantile_f32(&m32, &zero_f32, xf, NULL) == MIXGRAD_ERR_UNSEEDED_RNG,
              "f32 quantile sampler, unseeded rng");
        CHECK(mixgrad_diag_sample_ancestral_f32(&m32, &zero_f32, xf, &k) == MIXGRAD_ERR_UNSEEDED_RNG,
              "f32 ancestral sampler, unseeded rng");
        CHECK(xf[0] == -7.0f && xf[2] == -7.0f && k == 77 && zero_f32.state[0] == 0 && zero_f32.state[3] == 0,
              "f32 samplers wrote nothing");
    }

    /* Overlap: in place, output over a parameter, output over output. */
    fill(&b);
    CHECK(mixgrad_diag_cdf_f64(&m, b.x, b.x) == MIXGRAD_ERR_OVERLAPPING_BUFFERS, "cdf in place");
    CHECK(mixgrad_diag_quantile_f64(&m, b.u, b.u + 1) == MIXGRAD_ERR_OVERLAPPING_BUFFERS, "quantile shifted");
    params q = GOOD;
    const mixgrad_diag_f64 mq = {K_, D_, q.logits, q.means, q.scales};
    CHECK(mixgrad_diag_cdf_f64(&mq, b.x, q.means + 1) == MIXGRAD_ERR_OVERLAPPING_BUFFERS, "u over the means");
    CHECK(memcmp(&q, &GOOD, sizeof q) == 0, "the means were not written");
    CHECK(mixgrad_diag_vjp_f64(&m, b.x, b.xbar, b.gm, b.gm + K_ - 1, b.gs) == MIXGRAD_ERR_OVERLAPPING_BUFFERS,
          "logits_bar over means_bar");
    CHECK(mixgrad_diag_log_prob_grad_f64(&m, b.x, &b.lp, b.gx, b.gx, NULL, NULL) ==
              MIXGRAD_ERR_OVERLAPPING_BUFFERS,
          "two optional gradients in one buffer");
    CHECK(mixgrad_diag_sample_quantile_f64(&m, &b.rng, (double *)(void *)&b.rng, NULL) ==
              MIXGRAD_ERR_OVERLAPPING_BUFFERS,
          "sample written over its generator");
    CHECK(mixgrad_diag_vjp_f64(&m, b.x, b.x, b.ga, b.gm, b.gs) == MIXGRAD_OK, "inputs may alias each other");

    /* Misaligned pointers (never dereferenced: refused first). */
    unsigned char raw[8 * (D_ + 2)];
    unsigned char *odd = raw + 1 + (8 - ((uintptr_t)raw % 8)) % 8;
    fill(&b);
    CHECK(mixgrad_diag_cdf_f64(&m, (const double *)(void *)odd, b.out_u) == MIXGRAD_ERR_MISALIGNED_POINTER,
          "misaligned x");
    CHECK(mixgrad_rng_seed((mixgrad_rng *)(void *)odd, 1) == MIXGRAD_ERR_MISALIGNED_POINTER, "misaligned rng");

    /* Sizes beyond the address space: D*(K+2KD) overflows size_t. */
    const mixgrad_diag_f64 huge = {1, UINT32_MAX, GOOD.logits, GOOD.means, GOOD.scales};
    CHECK(mixgrad_diag_jacobian_f64(&huge, b.x, b.jac) == MIXGRAD_ERR_SIZE_OVERFLOW, "jacobian size overflow");

    /* Order: pointer checks come before shape and value checks. */
    mixgrad_diag_f64 empty = {0, 0, p.logits, p.means, p.scales};
    CHECK(mixgrad_diag_cdf_f64(&empty, NULL, b.out_u) == MIXGRAD_ERR_NULL_POINTER, "NULL before K == 0");
}

/* ---- caller scratch: the _work forms ----------------------------------- */

/* A mixture of k components in d dimensions; component i has the values of
 * component i % period, so with period = k/2 it is the k/2-component
 * mixture with each component twice (the same distribution). */
typedef struct owned_mix {
    double *logits, *means, *scales;
    mixgrad_diag_f64 m;
} owned_mix;

static owned_mix owned_mix_new(uint32_t k, uint32_t d, uint32_t period) {
    owned_mix o;
    o.logits = (double *)malloc(k * sizeof(double));
    o.means = (double *)malloc((size_t)k * d * sizeof(double));
    o.scales = (double *)malloc((size_t)k * d * sizeof(double));
    for (uint32_t i = 0; i < k; i++) {
        uint32_t c = i % period;
        o.logits[i] = 0.3 * sin(1.7 * c);
        for (uint32_t j = 0; j < d; j++) {
            o.means[i * d + j] = 3.0 * sin(0.9 * c + 2.1 * j);
            o.scales[i * d + j] = 0.6 + 0.4 * cos(1.3 * c + j);
        }
    }
    mixgrad_diag_f64 m = {k, d, o.logits, o.means, o.scales};
    o.m = m;
    return o;
}

static void owned_mix_free(owned_mix *o) {
    free(o->logits), free(o->means), free(o->scales);
}

/* Each _work function against its stack form on the same inputs: the same
 * status and the same bits; then the same call on a workspace one value
 * short: MIXGRAD_ERR_SHORT_WORKSPACE, nothing written. */
static void test_work_against_stack(void) {
    const uint32_t K = 7, D = 3, KD = K * D, P = K + 2 * KD;
    owned_mix o = owned_mix_new(K, D, K);
    const mixgrad_diag_f64 *m = &o.m;
    const size_t need = mixgrad_diag_work_len(K);
    CHECK(need == 9 * (size_t)K, "work_len(%u) = %zu", K, need);
    CHECK(mixgrad_diag_work_len(0) == 0, "work_len(0)");
    CHECK(mixgrad_diag_work_len(UINT32_MAX) ==
              (SIZE_MAX / 9 >= UINT32_MAX ? 9 * (size_t)UINT32_MAX : SIZE_MAX),
          "work_len(UINT32_MAX)");
    double *work = (double *)malloc(need * sizeof(double));
    const double x[3] = {0.4, -1.2, 2.0}, u[3] = {0.3, 0.9, 0.05}, xb[3] = {1.0, -0.5, 2.0};
    /* out[0] the stack form, out[1] the work form, out[2] the short work form */
    double *out[3];
    mixgrad_rng rng[3];
    uint32_t comp[3];
    const size_t len = 1 + D + P + D * P;
    for (int v = 0; v < 3; v++) out[v] = (double *)malloc(len * sizeof(double));
    for (int op = 0; op < 8; op++) {
        mixgrad_status s[3];
        for (int v = 0; v < 3; v++) {
            double *o1 = out[v];
            size_t wl = v == 2 ? need - 1 : need;
            for (size_t i = 0; i < len; i++) o1[i] = -7.0;
            for (size_t i = 0; i < need; i++) work[i] = NAN;
            mixgrad_rng_seed(&rng[v], 31);
            comp[v] = 99;
            switch (op) {
            case 0:
                s[v] = v ? mixgrad_diag_log_prob_work_f64(m, x, o1, work, wl) : mixgrad_diag_log_prob_f64(m, x, o1);
                break;
            case 1:
                s[v] = v ? mixgrad_diag_log_prob_grad_work_f64(m, x, o1, o1 + 1, o1 + 1 + D, o1 + 1 + D + K,
                                                                o1 + 1 + D + K + KD, work, wl)
                         : mixgrad_diag_log_prob_grad_f64(m, x, o1, o1 + 1, o1 + 1 + D, o1 + 1 + D + K,
                                                           o1 + 1 + D + K + KD);
                break;
            case 2:
                s[v] = v ? mixgrad_diag_cdf_work_f64(m, x, o1, work, wl) : mixgrad_diag_cdf_f64(m, x, o1);
                break;
            case 3:
                s[v] = v ? mixgrad_diag_quantile_work_f64(m, u, o1, work, wl) : mixgrad_diag_quantile_f64(m, u, o1);
                break;
            case 4:
                s[v] = v ? mixgrad_diag_vjp_work_f64(m, x, xb, o1, o1 + K, o1 + K + KD, work, wl)
                         : mixgrad_diag_vjp_f64(m, x, xb, o1, o1 + K, o1 + K + KD);
                break;
            case 5:
                s[v] = v ? mixgrad_diag_jacobian_work_f64(m, x, o1, work, wl) : mixgrad_diag_jacobian_f64(m, x, o1);
                break;
            case 6:
                s[v] = v ? mixgrad_diag_sample_quantile_work_f64(m, &rng[v], o1, o1 + D, work, wl)
                         : mixgrad_diag_sample_quantile_f64(m, &rng[v], o1, o1 + D);
                break;
            default:
                s[v] = v ? mixgrad_diag_sample_ancestral_work_f64(m, &rng[v], o1, &comp[v], work, wl)
                         : mixgrad_diag_sample_ancestral_f64(m, &rng[v], o1, &comp[v]);
                break;
            }
        }
        CHECK(s[0] == MIXGRAD_OK && s[1] == MIXGRAD_OK, "op %d: %s / %s", op, mixgrad_status_str(s[0]),
              mixgrad_status_str(s[1]));
        CHECK(memcmp(out[0], out[1], len * sizeof(double)) == 0 && comp[0] == comp[1] &&
                  memcmp(&rng[0], &rng[1], sizeof rng[0]) == 0,
              "op %d: the work form differs from the stack form", op);
        CHECK(s[2] == MIXGRAD_ERR_SHORT_WORKSPACE, "op %d, short workspace: %s", op, mixgrad_status_str(s[2]));
        int untouched = comp[2] == 99;
        for (size_t i = 0; i < len; i++) untouched = untouched && out[2][i] == -7.0;
        mixgrad_rng fresh;
        mixgrad_rng_seed(&fresh, 31);
        CHECK(untouched && memcmp(&rng[2], &fresh, sizeof fresh) == 0, "op %d, short workspace: written", op);
    }

    /* The single-precision forms, once each, against their stack forms. */
    {
        float lf[7], mf[21], sf[21], xf[3] = {0.4f, -1.2f, 2.0f}, uf[3] = {0.3f, 0.9f, 0.05f}, wf[63];
        for (uint32_t i = 0; i < K; i++) lf[i] = (float)o.logits[i];
        for (uint32_t i = 0; i < KD; i++) mf[i] = (float)o.means[i], sf[i] = (float)o.scales[i];
        const mixgrad_diag_f32 m32 = {K, D, lf, mf, sf};
        float a[1 + 3 + 49 + 3 * 49], b[1 + 3 + 49 + 3 * 49];
        mixgrad_rng ra, rb;
        uint32_t ka = 0, kb = 1;
        int same = 1;
        CHECK(mixgrad_diag_work_len(K) <= sizeof wf / sizeof wf[0], "f32 workspace size");
#define SAME32(stack, work)                                                                    \
    do {                                                                                       \
        memset(a, 0, sizeof a), memset(b, 0, sizeof b);                                        \
        mixgrad_rng_seed(&ra, 8), mixgrad_rng_seed(&rb, 8);                                    \
        mixgrad_status sa = (stack), sb = (work);                                              \
        same = same && sa == MIXGRAD_OK && sb == MIXGRAD_OK && memcmp(a, b, sizeof a) == 0 && \
               memcmp(&ra, &rb, sizeof ra) == 0;                                               \
        CHECK(same, "f32 %s", #work);                                                          \
    } while (0)
        SAME32(mixgrad_diag_log_prob_f32(&m32, xf, a), mixgrad_diag_log_prob_work_f32(&m32, xf, b, wf, 63));
        SAME32(mixgrad_diag_log_prob_grad_f32(&m32, xf, a, a + 1, a + 4, a + 11, a + 32),
               mixgrad_diag_log_prob_grad_work_f32(&m32, xf, b, b + 1, b + 4, b + 11, b + 32, wf, 63));
        SAME32(mixgrad_diag_cdf_f32(&m32, xf, a), mixgrad_diag_cdf_work_f32(&m32, xf, b, wf, 63));
        SAME32(mixgrad_diag_quantile_f32(&m32, uf, a), mixgrad_diag_quantile_work_f32(&m32, uf, b, wf, 63));
        SAME32(mixgrad_diag_vjp_f32(&m32, xf, uf, a, a + 7, a + 28),
               mixgrad_diag_vjp_work_f32(&m32, xf, uf, b, b + 7, b + 28, wf, 63));
        SAME32(mixgrad_diag_jacobian_f32(&m32, xf, a), mixgrad_diag_jacobian_work_f32(&m32, xf, b, wf, 63));
        SAME32(mixgrad_diag_sample_quantile_f32(&m32, &ra, a, a + 3),
               mixgrad_diag_sample_quantile_work_f32(&m32, &rb, b, b + 3, wf, 63));
        SAME32(mixgrad_diag_sample_ancestral_f32(&m32, &ra, a, &ka),
               mixgrad_diag_sample_ancestral_work_f32(&m32, &rb, b, &kb, wf, 63));
#undef SAME32
        CHECK(ka == kb, "f32 ancestral component");
        CHECK(mixgrad_diag_cdf_work_f32(&m32, xf, b, wf, 62) == MIXGRAD_ERR_SHORT_WORKSPACE, "f32 short");
    }

    /* work is required, and may not overlap another argument. */
    double u_out[3];
    CHECK(mixgrad_diag_cdf_work_f64(m, x, u_out, NULL, need) == MIXGRAD_ERR_NULL_POINTER, "NULL work");
    CHECK(mixgrad_diag_cdf_work_f64(m, x, work + 1, work, need) == MIXGRAD_ERR_OVERLAPPING_BUFFERS,
          "u inside work");
    CHECK(mixgrad_diag_cdf_work_f64(m, x, u_out, o.scales, need) == MIXGRAD_ERR_OVERLAPPING_BUFFERS,
          "work over the scales");
    CHECK(mixgrad_diag_cdf_work_f64(NULL, x, u_out, work, 0) == MIXGRAD_ERR_NULL_POINTER, "NULL mix first");
    for (int v = 0; v < 3; v++) free(out[v]);
    free(work);
    owned_mix_free(&o);
}

/* K = 100 > MIXGRAD_MAX_COMPONENTS: only the _work forms take it. Each
 * component twice is the 50-component mixture: the same density, CDF and
 * quantile (to rounding). */
static void test_work_k100(void) {
    const uint32_t K = 100, D = 2, P = K + 2 * K * D;
    owned_mix big = owned_mix_new(K, D, K / 2), half = owned_mix_new(K / 2, D, K / 2);
    const size_t need = mixgrad_diag_work_len(K);
    double *work = (double *)malloc(need * sizeof(double));
    double *jac = (double *)malloc((size_t)D * P * sizeof(double));
    double *bars = (double *)malloc(P * sizeof(double));
    const double x[2] = {0.7, -0.4}, u[2] = {0.35, 0.8}, xb[2] = {1.0, 1.0};
    double lp_big, lp_half, c_big[2], c_half[2], q_big[2], q_half[2];
    CHECK(mixgrad_diag_log_prob_f64(&big.m, x, &lp_big) == MIXGRAD_ERR_TOO_MANY_COMPONENTS, "K = 100 on the stack");
    CHECK(mixgrad_diag_validate_f64(&big.m) == MIXGRAD_ERR_TOO_MANY_COMPONENTS, "validate applies the bound");
    CHECK(mixgrad_diag_log_prob_work_f64(&big.m, x, &lp_big, work, need) == MIXGRAD_OK, "K = 100 log_prob");
    CHECK(mixgrad_diag_cdf_work_f64(&big.m, x, c_big, work, need) == MIXGRAD_OK, "K = 100 cdf");
    CHECK(mixgrad_diag_quantile_work_f64(&big.m, u, q_big, work, need) == MIXGRAD_OK, "K = 100 quantile");
    mixgrad_diag_log_prob_f64(&half.m, x, &lp_half);
    mixgrad_diag_cdf_f64(&half.m, x, c_half);
    mixgrad_diag_quantile_f64(&half.m, u, q_half);
    CHECK(fabs(lp_big - lp_half) <= 1e-13 * fmax(1.0, fabs(lp_half)), "K = 100 log q %.17g vs %.17g", lp_big,
          lp_half);
    for (int d = 0; d < 2; d++) {
        CHECK(fabs(c_big[d] - c_half[d]) <= 1e-13, "K = 100 cdf %.17g vs %.17g", c_big[d], c_half[d]);
        CHECK(fabs(q_big[d] - q_half[d]) <= 1e-12 * fmax(1.0, fabs(q_half[d])), "K = 100 quantile %.17g vs %.17g",
              q_big[d], q_half[d]);
    }
    /* The gradients: x_bar^T J is the vjp. */
    CHECK(mixgrad_diag_vjp_work_f64(&big.m, q_big, xb, bars, bars + K, bars + K + K * D, work, need) == MIXGRAD_OK,
          "K = 100 vjp");
    CHECK(mixgrad_diag_jacobian_work_f64(&big.m, q_big, jac, work, need) == MIXGRAD_OK, "K = 100 jacobian");
    double worst = 0.0;
    for (uint32_t j = 0; j < P; j++) worst = fmax(worst, fabs(jac[j] + jac[P + j] - bars[j]));
    CHECK(worst <= 1e-12, "K = 100: x_bar^T J - vjp = %g", worst);
    mixgrad_rng r;
    mixgrad_rng_seed(&r, 4);
    double xs[2], us[2], xq[2];
    uint32_t k = 999;
    CHECK(mixgrad_diag_sample_quantile_work_f64(&big.m, &r, xs, us, work, need) == MIXGRAD_OK &&
              mixgrad_diag_quantile_work_f64(&big.m, us, xq, work, need) == MIXGRAD_OK && memcmp(xs, xq, sizeof xs) == 0,
          "K = 100 sample_quantile is quantile(u)");
    CHECK(mixgrad_diag_sample_ancestral_work_f64(&big.m, &r, xs, &k, work, need) == MIXGRAD_OK && k < K,
          "K = 100 ancestral");
    CHECK(mixgrad_diag_log_prob_grad_work_f64(&big.m, x, NULL, NULL, bars, NULL, NULL, work, need) == MIXGRAD_OK,
          "K = 100 log_prob_grad");
    CHECK(mixgrad_diag_cdf_work_f64(&big.m, x, c_big, work, need - 1) == MIXGRAD_ERR_SHORT_WORKSPACE,
          "K = 100 short workspace");
    free(work), free(jac), free(bars);
    owned_mix_free(&big);
    owned_mix_free(&half);
}

/* ---- batches (docs/math.md §8): the _many and packed forms ------------- */

#define POISON_BITS 0x7ff8deadbeef0001u

static void poison(double *v, size_t n) {
    const uint64_t bits = POISON_BITS;
    for (size_t i = 0; i < n; i++) memcpy(&v[i], &bits, sizeof bits);
}

static int is_poisoned(const double *v, size_t n) {
    const uint64_t bits = POISON_BITS;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&v[i], &bits, sizeof bits) != 0) return 0;
    }
    return 1;
}

static double *alloc_poisoned(size_t n) {
    double *v = (double *)malloc((n ? n : 1) * sizeof(double));
    poison(v, n);
    return v;
}

/* n copies of one mixture, packed: a batch whose rows are the many form's. */
typedef struct owned_batch {
    double *logits, *means, *scales;
    mixgrad_diag_batch_f64 b;
} owned_batch;

static owned_batch repeat_mixture(const mixgrad_diag_f64 *m, size_t n) {
    const size_t K = m->num_components, KD = K * m->num_dims;
    owned_batch o;
    o.logits = (double *)malloc((n * K + 1) * sizeof(double));
    o.means = (double *)malloc((n * KD + 1) * sizeof(double));
    o.scales = (double *)malloc((n * KD + 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        memcpy(o.logits + i * K, m->logits, K * sizeof(double));
        memcpy(o.means + i * KD, m->means, KD * sizeof(double));
        memcpy(o.scales + i * KD, m->scales, KD * sizeof(double));
    }
    mixgrad_diag_batch_f64 b = {n, m->num_components, m->num_dims, o.logits, o.means, o.scales};
    o.b = b;
    return o;
}

static void owned_batch_free(owned_batch *o) {
    free(o->logits), free(o->means), free(o->scales);
}

/* Every reference point of a case as the rows of one call, through both
 * shapes (the case's mixture for the many forms, n copies of it packed):
 * each row bit for bit the single call's, log q against the reference
 * values, summed gradients the single gradients added in row order to +0,
 * and the zero-density locator naming the row a single vjp refuses. */
static void test_batch_reference(const ref_case *cases, size_t num_cases) {
    int rows = 0, gradient_rows = 0;
    for (size_t ci = 0; ci < num_cases; ci++) {
        const ref_case *c = &cases[ci];
        const mixgrad_diag_f64 m = mixture_of(c);
        const size_t n = c->num_points, K = c->k, D = c->d, KD = K * D;
        double *x = alloc_poisoned(n * D), *u = alloc_poisoned(n * D), *xb = alloc_poisoned(n * D);
        for (size_t j = 0; j < n; j++) {
            memcpy(x + j * D, c->points[j].x, D * sizeof(double));
            memcpy(u + j * D, c->points[j].u, D * sizeof(double));
            memcpy(xb + j * D, c->points[j].xbar, D * sizeof(double));
        }
        owned_batch ob = repeat_mixture(&m, n);
        const mixgrad_diag_batch_f64 *b = &ob.b;
        CHECK(mixgrad_diag_batch_validate_f64(b) == MIXGRAD_OK, "%s: batch validate", c->name);

        /* log q, cdf, quantile: many and packed against the single calls. */
        double *lp[2] = {alloc_poisoned(n), alloc_poisoned(n)};
        double *cd[2] = {alloc_poisoned(n * D), alloc_poisoned(n * D)};
        double *qu[2] = {alloc_poisoned(n * D), alloc_poisoned(n * D)};
        CHECK(mixgrad_diag_log_prob_many_f64(&m, n, x, lp[0]) == MIXGRAD_OK, "%s: log_prob_many", c->name);
        CHECK(mixgrad_diag_batch_log_prob_f64(b, x, lp[1]) == MIXGRAD_OK, "%s: batch log_prob", c->name);
        CHECK(mixgrad_diag_cdf_many_f64(&m, n, x, cd[0]) == MIXGRAD_OK, "%s: cdf_many", c->name);
        CHECK(mixgrad_diag_batch_cdf_f64(b, x, cd[1]) == MIXGRAD_OK, "%s: batch cdf", c->name);
        CHECK(mixgrad_diag_quantile_many_f64(&m, n, u, qu[0]) == MIXGRAD_OK, "%s: quantile_many", c->name);
        CHECK(mixgrad_diag_batch_quantile_f64(b, u, qu[1]) == MIXGRAD_OK, "%s: batch quantile", c->name);
        size_t first_refused = n;
        double *single = alloc_poisoned(2 * D + 1 + K + 2 * KD);
        for (size_t j = 0; j < n; j++) {
            const ref_point *p = &c->points[j];
            double *s_lp = single, *s_cdf = single + 1, *s_q = single + 1 + D, *s_bar = single + 1 + 2 * D;
            mixgrad_diag_log_prob_f64(&m, p->x, s_lp);
            mixgrad_diag_cdf_f64(&m, p->x, s_cdf);
            mixgrad_diag_quantile_f64(&m, p->u, s_q);
            for (int v = 0; v < 2; v++) {
                CHECK(memcmp(s_lp, &lp[v][j], sizeof(double)) == 0, "%s row %zu: log q (%d)", c->name, j, v);
                CHECK(memcmp(s_cdf, cd[v] + j * D, D * sizeof(double)) == 0, "%s row %zu: cdf (%d)", c->name, j, v);
                CHECK(memcmp(s_q, qu[v] + j * D, D * sizeof(double)) == 0, "%s row %zu: quantile (%d)", c->name, j,
                      v);
            }
            CHECK(fabs(lp[0][j] - p->logq) <= 1e-14 * fmax(1.0, fabs(p->logq)), "%s row %zu: log q %.17g vs %.17g",
                  c->name, j, lp[0][j], p->logq);
            mixgrad_status s = mixgrad_diag_vjp_f64(&m, p->x, p->xbar, s_bar, s_bar + K, s_bar + K + KD);
            if (s == MIXGRAD_ERR_ZERO_DENSITY && first_refused == n) first_refused = j;
            rows++;
        }
        size_t row = SIZE_MAX;
        CHECK(mixgrad_diag_first_zero_density_many_f64(&m, n, x, &row) == MIXGRAD_OK && row == first_refused,
              "%s: zero-density row %zu, single calls say %zu", c->name, row, first_refused);
        row = SIZE_MAX;
        CHECK(mixgrad_diag_batch_first_zero_density_f64(b, x, &row) == MIXGRAD_OK && row == first_refused,
              "%s: batch zero-density row %zu, single calls say %zu", c->name, row, first_refused);

        /* Gradients over the well-conditioned rows (the reference's own
         * criterion), gathered into rows of their own. */
        size_t nw = 0;
        double *xw = alloc_poisoned(n * D), *xbw = alloc_poisoned(n * D);
        size_t *which = (size_t *)malloc((n + 1) * sizeof(size_t));
        for (size_t j = 0; j < n; j++) {
            if (!ref_well_conditioned(c, &c->points[j])) continue;
            memcpy(xw + nw * D, c->points[j].x, D * sizeof(double));
            memcpy(xbw + nw * D, c->points[j].xbar, D * sizeof(double));
            which[nw++] = j;
        }
        const size_t P = K + 2 * KD;
        double *sum = alloc_poisoned(P), *many = alloc_poisoned(P), *per = alloc_poisoned(nw * P);
        double *one = alloc_poisoned(P), *sum_lpg = alloc_poisoned(P), *lpg = alloc_poisoned(P);
        double *lp_rows = alloc_poisoned(nw), *gx_rows = alloc_poisoned(nw * D);
        double *gx_batch = alloc_poisoned(nw * D), *lp_batch = alloc_poisoned(nw);
        double *g_batch = alloc_poisoned(nw * P);
        owned_batch obw = repeat_mixture(&m, nw);
        for (size_t i = 0; i < P; i++) sum[i] = sum_lpg[i] = 0.0;
        CHECK(mixgrad_diag_vjp_many_f64(&m, nw, xw, xbw, many, many + K, many + K + KD) == MIXGRAD_OK,
              "%s: vjp_many", c->name);
        CHECK(mixgrad_diag_batch_vjp_f64(&obw.b, xw, xbw, per, per + nw * K, per + nw * (K + KD)) == MIXGRAD_OK,
              "%s: batch vjp", c->name);
        CHECK(mixgrad_diag_log_prob_grad_many_f64(&m, nw, xw, lp_rows, gx_rows, lpg, lpg + K, lpg + K + KD) ==
                  MIXGRAD_OK,
              "%s: log_prob_grad_many", c->name);
        CHECK(mixgrad_diag_batch_log_prob_grad_f64(&obw.b, xw, lp_batch, gx_batch, g_batch, g_batch + nw * K,
                                                   g_batch + nw * (K + KD)) == MIXGRAD_OK,
              "%s: batch log_prob_grad", c->name);
        for (size_t r = 0; r < nw; r++) {
            const ref_point *p = &c->points[which[r]];
            CHECK(mixgrad_diag_vjp_f64(&m, p->x, p->xbar, one, one + K, one + K + KD) == MIXGRAD_OK, "%s: vjp",
                  c->name);
            for (size_t i = 0; i < P; i++) sum[i] += one[i];
            /* The batch's row r, in the single call's layout. */
            int same = memcmp(per + r * K, one, K * sizeof(double)) == 0 &&
                       memcmp(per + nw * K + r * KD, one + K, KD * sizeof(double)) == 0 &&
                       memcmp(per + nw * (K + KD) + r * KD, one + K + KD, KD * sizeof(double)) == 0;
            CHECK(same, "%s row %zu: batch vjp differs from the single vjp", c->name, which[r]);
            double err = ref_grad_error(one, p->vjp, P);
            CHECK(err <= 1e-10, "%s row %zu: batch vjp error %g", c->name, which[r], err);
            double lp1, gx1[64];
            CHECK(D <= 64, "D fits the test buffer");
            mixgrad_diag_log_prob_grad_f64(&m, p->x, &lp1, gx1, one, one + K, one + K + KD);
            for (size_t i = 0; i < P; i++) sum_lpg[i] += one[i];
            same = memcmp(&lp1, &lp_rows[r], sizeof lp1) == 0 &&
                   memcmp(gx1, gx_rows + r * D, D * sizeof(double)) == 0 &&
                   memcmp(&lp1, &lp_batch[r], sizeof lp1) == 0 &&
                   memcmp(gx1, gx_batch + r * D, D * sizeof(double)) == 0 &&
                   memcmp(g_batch + r * K, one, K * sizeof(double)) == 0 &&
                   memcmp(g_batch + nw * K + r * KD, one + K, KD * sizeof(double)) == 0 &&
                   memcmp(g_batch + nw * (K + KD) + r * KD, one + K + KD, KD * sizeof(double)) == 0;
            CHECK(same, "%s row %zu: log_prob_grad rows differ from the single call", c->name, which[r]);
            gradient_rows++;
        }
        CHECK(memcmp(many, sum, P * sizeof(double)) == 0, "%s: vjp_many is not the row-order sum", c->name);
        CHECK(memcmp(lpg, sum_lpg, P * sizeof(double)) == 0, "%s: log_prob_grad_many sum", c->name);
        free(sum), free(many), free(per), free(one), free(sum_lpg), free(lpg);
        free(lp_rows), free(gx_rows), free(gx_batch), free(lp_batch), free(g_batch);
        free(xw), free(xbw), free(which), free(single);
        owned_batch_free(&obw);
        for (int v = 0; v < 2; v++) free(lp[v]), free(cd[v]), free(qu[v]);
        owned_batch_free(&ob);
        free(x), free(u), free(xb);
    }
    printf("batches: %d reference rows, %d gradient rows\n", rows, gradient_rows);
    CHECK(rows >= 40 && gradient_rows >= 30, "only %d rows, %d gradient rows", rows, gradient_rows);
}

/* The samplers over n = 70 rows (past the 64-row blocks of the uint32_t
 * components): the draws of 70 single calls, the generator where they
 * leave it. Then every f32 function once against its single calls. */
static void test_batch_samplers(void) {
    const double logits[3] = {0.0, -0.7, 0.4};
    const double means[6] = {-2.0, 0.0, 0.5, 1.0, 2.5, -1.0};
    const double scales[6] = {0.5, 1.0, 0.8, 0.3, 1.2, 0.6};
    const mixgrad_diag_f64 m = {3, 2, logits, means, scales};
    enum { N = 70, D = 2 };
    double x[N * D], u[N * D], xs[D], us[D];
    uint32_t comp[N], k1;
    mixgrad_rng a, s;
    owned_batch ob = repeat_mixture(&m, N);
    for (size_t i = 0; i < N; i++) ob.logits[i * 3 + 1] = -0.05 * (double)i; /* every mixture its own */
    for (int form = 0; form < 2; form++) {
        mixgrad_rng_seed(&a, 11), mixgrad_rng_seed(&s, 11);
        poison(x, N * D), poison(u, N * D);
        mixgrad_status st = form ? mixgrad_diag_batch_sample_quantile_f64(&ob.b, &a, x, u)
                                 : mixgrad_diag_sample_quantile_many_f64(&m, &a, N, x, u);
        CHECK(st == MIXGRAD_OK, "sample_quantile (%s)", form ? "batch" : "many");
        int same = 1;
        for (size_t i = 0; i < N; i++) {
            const mixgrad_diag_f64 mi = {3, 2, ob.logits + i * 3, ob.means + i * 6, ob.scales + i * 6};
            mixgrad_diag_sample_quantile_f64(form ? &mi : &m, &s, xs, us);
            same = same && memcmp(xs, x + i * D, sizeof xs) == 0 && memcmp(us, u + i * D, sizeof us) == 0;
        }
        CHECK(same && memcmp(&a, &s, sizeof a) == 0, "sample_quantile (%s): not the single draws",
              form ? "batch" : "many");

        for (int with_comp = 0; with_comp < 2; with_comp++) {
            mixgrad_rng_seed(&a, 12), mixgrad_rng_seed(&s, 12);
            poison(x, N * D);
            for (size_t i = 0; i < N; i++) comp[i] = 0xdeadbeefu;
            uint32_t *c = with_comp ? comp : NULL;
            st = form ? mixgrad_diag_batch_sample_ancestral_f64(&ob.b, &a, x, c)
                      : mixgrad_diag_sample_ancestral_many_f64(&m, &a, N, x, c);
            CHECK(st == MIXGRAD_OK, "sample_ancestral (%s)", form ? "batch" : "many");
            same = 1;
            for (size_t i = 0; i < N; i++) {
                const mixgrad_diag_f64 mi = {3, 2, ob.logits + i * 3, ob.means + i * 6, ob.scales + i * 6};
                mixgrad_diag_sample_ancestral_f64(form ? &mi : &m, &s, xs, &k1);
                same = same && memcmp(xs, x + i * D, sizeof xs) == 0 && comp[i] == (with_comp ? k1 : 0xdeadbeefu);
            }
            CHECK(same && memcmp(&a, &s, sizeof a) == 0, "sample_ancestral (%s, components %d): not the single draws",
                  form ? "batch" : "many", with_comp);
        }
    }
    owned_batch_free(&ob);

    /* f32: each function once, n = 3, against the single f32 calls. */
    {
        const float lf[6] = {0.0f, -0.7f, 0.4f, 0.3f, 0.1f, -0.2f};
        const float mf[12] = {-2.0f, 0.0f, 0.5f, 1.0f, 2.5f, -1.0f, 1.0f, 1.0f, -1.5f, 0.5f, 0.0f, 2.0f};
        const float sf[12] = {0.5f, 1.0f, 0.8f, 0.3f, 1.2f, 0.6f, 0.7f, 0.9f, 1.1f, 0.4f, 0.5f, 1.3f};
        const float xf[6] = {0.1f, -0.4f, 1.2f, 0.3f, -2.0f, 0.8f}, uf[6] = {0.2f, 0.9f, 0.5f, 0.01f, 0.7f, 0.35f};
        const float xbf[6] = {1.0f, -0.5f, 0.25f, 2.0f, -1.0f, 0.5f};
        const mixgrad_diag_f32 m32 = {3, 2, lf, mf, sf};
        /* Two mixtures (of the first three rows' params, then the next). */
        const mixgrad_diag_batch_f32 b32 = {2, 3, 2, lf, mf, sf};
        float got[64], want[64], one[16];
        mixgrad_rng ra, rb;
        uint32_t ka[3], kb;
        int ok = 1;
/* The call over all rows, then `...` (single calls) for rows i < 3. */
#define F32_ROWS(call_many, ...)                         \
    do {                                                 \
        memset(got, 0, sizeof got);                      \
        memset(want, 0, sizeof want);                    \
        ok = ok && (call_many) == MIXGRAD_OK;            \
        for (size_t i = 0; i < 3; i++) { __VA_ARGS__; } \
    } while (0)
        F32_ROWS(mixgrad_diag_log_prob_many_f32(&m32, 3, xf, got),
                 mixgrad_diag_log_prob_f32(&m32, xf + 2 * i, want + i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 log_prob_many");
        F32_ROWS(mixgrad_diag_cdf_many_f32(&m32, 3, xf, got), mixgrad_diag_cdf_f32(&m32, xf + 2 * i, want + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 cdf_many");
        F32_ROWS(mixgrad_diag_quantile_many_f32(&m32, 3, uf, got),
                 mixgrad_diag_quantile_f32(&m32, uf + 2 * i, want + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 quantile_many");
        /* Summed: want[0..15] accumulates the single gradients from +0. */
        F32_ROWS(mixgrad_diag_vjp_many_f32(&m32, 3, xf, xbf, got, got + 3, got + 9), {
            mixgrad_diag_vjp_f32(&m32, xf + 2 * i, xbf + 2 * i, one, one + 3, one + 9);
            for (size_t j = 0; j < 15; j++) want[j] += one[j];
        });
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 vjp_many");
        /* log q (3), x_grad (6), summed logits/means/scales (15). */
        F32_ROWS(mixgrad_diag_log_prob_grad_many_f32(&m32, 3, xf, got, got + 3, got + 9, got + 12, got + 18), {
            mixgrad_diag_log_prob_grad_f32(&m32, xf + 2 * i, want + i, want + 3 + 2 * i, one, one + 3, one + 9);
            for (size_t j = 0; j < 15; j++) want[9 + j] += one[j];
        });
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 log_prob_grad_many");
        size_t row = 99;
        CHECK(mixgrad_diag_first_zero_density_many_f32(&m32, 3, xf, &row) == MIXGRAD_OK && row == 3,
              "f32 first_zero_density_many");
        mixgrad_rng_seed(&ra, 5), mixgrad_rng_seed(&rb, 5);
        F32_ROWS(mixgrad_diag_sample_quantile_many_f32(&m32, &ra, 3, got, got + 6),
                 mixgrad_diag_sample_quantile_f32(&m32, &rb, want + 2 * i, want + 6 + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0 && memcmp(&ra, &rb, sizeof ra) == 0,
              "f32 sample_quantile_many");
        F32_ROWS(mixgrad_diag_sample_ancestral_many_f32(&m32, &ra, 3, got, ka), {
            mixgrad_diag_sample_ancestral_f32(&m32, &rb, want + 2 * i, &kb);
            ok = ok && kb == ka[i];
        });
        CHECK(ok && memcmp(got, want, sizeof got) == 0 && memcmp(&ra, &rb, sizeof ra) == 0,
              "f32 sample_ancestral_many");

        /* The packed f32 batch: mixture i = (lf + 3i, mf + 6i, sf + 6i). */
        const mixgrad_diag_f32 mi[2] = {{3, 2, lf, mf, sf}, {3, 2, lf + 3, mf + 6, sf + 6}};
#define F32_BATCH(call, ...)                             \
    do {                                                 \
        memset(got, 0, sizeof got);                      \
        memset(want, 0, sizeof want);                    \
        ok = ok && (call) == MIXGRAD_OK;                 \
        for (size_t i = 0; i < 2; i++) { __VA_ARGS__; } \
    } while (0)
        CHECK(mixgrad_diag_batch_validate_f32(&b32) == MIXGRAD_OK, "f32 batch validate");
        F32_BATCH(mixgrad_diag_batch_log_prob_f32(&b32, xf, got),
                  mixgrad_diag_log_prob_f32(&mi[i], xf + 2 * i, want + i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 batch log_prob");
        F32_BATCH(mixgrad_diag_batch_cdf_f32(&b32, xf, got), mixgrad_diag_cdf_f32(&mi[i], xf + 2 * i, want + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 batch cdf");
        F32_BATCH(mixgrad_diag_batch_quantile_f32(&b32, uf, got),
                  mixgrad_diag_quantile_f32(&mi[i], uf + 2 * i, want + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 batch quantile");
        /* Per mixture: logits_bar [2*3], means_bar, scales_bar [2*6]. */
        F32_BATCH(mixgrad_diag_batch_vjp_f32(&b32, xf, xbf, got, got + 6, got + 18),
                  mixgrad_diag_vjp_f32(&mi[i], xf + 2 * i, xbf + 2 * i, want + 3 * i, want + 6 + 6 * i,
                                       want + 18 + 6 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 batch vjp");
        F32_BATCH(mixgrad_diag_batch_log_prob_grad_f32(&b32, xf, got, got + 2, got + 6, got + 12, got + 24),
                  mixgrad_diag_log_prob_grad_f32(&mi[i], xf + 2 * i, want + i, want + 2 + 2 * i, want + 6 + 3 * i,
                                                 want + 12 + 6 * i, want + 24 + 6 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0, "f32 batch log_prob_grad");
        row = 99;
        CHECK(mixgrad_diag_batch_first_zero_density_f32(&b32, xf, &row) == MIXGRAD_OK && row == 2,
              "f32 batch first_zero_density");
        mixgrad_rng_seed(&ra, 6), mixgrad_rng_seed(&rb, 6);
        F32_BATCH(mixgrad_diag_batch_sample_quantile_f32(&b32, &ra, got, got + 4),
                  mixgrad_diag_sample_quantile_f32(&mi[i], &rb, want + 2 * i, want + 4 + 2 * i));
        CHECK(ok && memcmp(got, want, sizeof got) == 0 && memcmp(&ra, &rb, sizeof ra) == 0,
              "f32 batch sample_quantile");
        F32_BATCH(mixgrad_diag_batch_sample_ancestral_f32(&b32, &ra, got, ka), {
            mixgrad_diag_sample_ancestral_f32(&mi[i], &rb, want + 2 * i, &kb);
            ok = ok && kb == ka[i];
        });
        CHECK(ok && memcmp(got, want, sizeof got) == 0 && memcmp(&ra, &rb, sizeof ra) == 0,
              "f32 batch sample_ancestral");
#undef F32_ROWS
#undef F32_BATCH
    }
}

/* Refusals write nothing: n = 0, NULL, a bad row, overlap, n*D overflow,
 * zero density. Outputs are poisoned by bits and compared by bits. */
static void test_batch_errors(void) {
    params p = GOOD;
    const mixgrad_diag_f64 m = {K_, D_, p.logits, p.means, p.scales};
    enum { N = 4 };
    double x[N * D_], u[N * D_], xb[N * D_];
    for (size_t i = 0; i < N * D_; i++) {
        x[i] = 0.3 * (double)i - 1.5;
        u[i] = 0.05 + 0.9 * (double)i / (N * D_);
        xb[i] = 1.0 - 0.2 * (double)i;
    }
    /* one poisoned arena: rows [N*D_] x 2, lp [N], summed [P_], per-row [N*P_] */
    enum { R1 = 0, R2 = N * D_, LP = 2 * N * D_, SUM = LP + N, PER = SUM + P_, LEN = PER + N * P_ };
    double o[LEN], before[LEN];
    uint32_t comp[N];
    size_t row;
    mixgrad_rng rng, rng0;
    mixgrad_rng_seed(&rng0, 3);
    owned_batch ob = repeat_mixture(&m, N);
    const mixgrad_diag_batch_f64 *b = &ob.b;
/* Poisons every output (and the generator, components and row), then
 * expects `want` with all of them as they were. */
#define RESET()                                                   \
    do {                                                          \
        poison(o, LEN);                                           \
        memcpy(before, o, sizeof o);                              \
        for (size_t i_ = 0; i_ < N; i_++) comp[i_] = 0xdeadbeefu; \
        row = 0xdeadbeefu;                                        \
        rng = rng0;                                               \
    } while (0)
#define REFUSED(want, call, what)                                                                               \
    do {                                                                                                        \
        RESET();                                                                                                \
        mixgrad_status got_ = (call);                                                                           \
        CHECK(got_ == (want), "%s: got %s, want %s", what, mixgrad_status_str(got_), mixgrad_status_str(want)); \
        int untouched_ = memcmp(o, before, sizeof o) == 0 && memcmp(&rng, &rng0, sizeof rng) == 0 &&            \
                         row == 0xdeadbeefu;                                                                    \
        for (size_t i_ = 0; i_ < N; i_++) untouched_ = untouched_ && comp[i_] == 0xdeadbeefu;                   \
        CHECK(untouched_, "%s: something was written", what);                                                   \
    } while (0)
    double *r1 = o + R1, *r2 = o + R2, *lp = o + LP, *sa = o + SUM, *sm = sa + K_, *ss = sm + KD_;
    double *pa = o + PER, *pm = pa + N * K_, *ps = pm + N * KD_;

    /* Everything valid first: the same calls return OK. */
    RESET();
    CHECK(mixgrad_diag_vjp_many_f64(&m, N, x, xb, sa, sm, ss) == MIXGRAD_OK, "valid vjp_many");
    CHECK(mixgrad_diag_batch_vjp_f64(b, x, xb, pa, pm, ps) == MIXGRAD_OK, "valid batch vjp");

    /* n = 0: row arrays may be NULL; summed gradients become +0; the
     * generator is untouched but must be seeded. */
    RESET();
    CHECK(mixgrad_diag_vjp_many_f64(&m, 0, NULL, NULL, sa, sm, ss) == MIXGRAD_OK, "n = 0 vjp_many");
    int zeros = 1;
    for (size_t i = 0; i < P_; i++) zeros = zeros && sa[i] == 0.0 && !signbit(sa[i]);
    CHECK(zeros && is_poisoned(o, SUM) && is_poisoned(o + PER, N * P_), "n = 0: the empty sum is +0, nothing else");
    RESET();
    CHECK(mixgrad_diag_log_prob_grad_many_f64(&m, 0, NULL, NULL, NULL, sa, NULL, ss) == MIXGRAD_OK &&
              sa[0] == 0.0 && ss[KD_ - 1] == 0.0 && is_poisoned(sm, KD_),
          "n = 0 log_prob_grad_many");
    RESET();
    row = 77;
    mixgrad_status z[] = {
        mixgrad_diag_log_prob_many_f64(&m, 0, NULL, NULL),
        mixgrad_diag_cdf_many_f64(&m, 0, NULL, NULL),
        mixgrad_diag_quantile_many_f64(&m, 0, NULL, NULL),
        mixgrad_diag_sample_quantile_many_f64(&m, &rng, 0, NULL, NULL),
        mixgrad_diag_sample_ancestral_many_f64(&m, &rng, 0, NULL, NULL),
        mixgrad_diag_first_zero_density_many_f64(&m, 0, NULL, &row),
    };
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) CHECK(z[i] == MIXGRAD_OK, "n = 0, many call %zu", i);
    CHECK(row == 0 && memcmp(&rng, &rng0, sizeof rng) == 0, "n = 0: row 0, the generator untouched");
    {
        const mixgrad_diag_batch_f64 none = {0, K_, D_, NULL, NULL, NULL};
        row = 77;
        mixgrad_status zb[] = {
            mixgrad_diag_batch_validate_f64(&none),
            mixgrad_diag_batch_log_prob_f64(&none, NULL, NULL),
            mixgrad_diag_batch_log_prob_grad_f64(&none, NULL, NULL, NULL, NULL, NULL, NULL),
            mixgrad_diag_batch_cdf_f64(&none, NULL, NULL),
            mixgrad_diag_batch_quantile_f64(&none, NULL, NULL),
            mixgrad_diag_batch_vjp_f64(&none, NULL, NULL, NULL, NULL, NULL),
            mixgrad_diag_batch_sample_quantile_f64(&none, &rng, NULL, NULL),
            mixgrad_diag_batch_sample_ancestral_f64(&none, &rng, NULL, NULL),
            mixgrad_diag_batch_first_zero_density_f64(&none, NULL, &row),
        };
        for (size_t i = 0; i < sizeof zb / sizeof zb[0]; i++) CHECK(zb[i] == MIXGRAD_OK, "n = 0, batch call %zu", i);
        CHECK(row == 0 && memcmp(&rng, &rng0, sizeof rng) == 0, "batch n = 0: row 0, the generator untouched");
        static mixgrad_rng unseeded; /* static: zero-initialised */
        CHECK(mixgrad_diag_sample_quantile_many_f64(&m, &unseeded, 0, NULL, NULL) == MIXGRAD_ERR_UNSEEDED_RNG &&
                  mixgrad_diag_batch_sample_ancestral_f64(&none, &unseeded, NULL, NULL) == MIXGRAD_ERR_UNSEEDED_RNG,
              "n = 0 still refuses an unseeded generator");
        const mixgrad_diag_batch_f64 no_k = {0, 0, D_, NULL, NULL, NULL};
        CHECK(mixgrad_diag_batch_validate_f64(&no_k) == MIXGRAD_ERR_NO_COMPONENTS, "n = 0 still checks K");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_vjp_many_f64(&m, 0, NULL, NULL, sa, NULL, ss),
                "n = 0, NULL summed output");
        params bad = GOOD;
        bad.scales[0] = 0.0;
        const mixgrad_diag_f64 mb = {K_, D_, bad.logits, bad.means, bad.scales};
        REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_vjp_many_f64(&mb, 0, NULL, NULL, sa, sm, ss),
                "n = 0, a bad mixture");
    }

    /* NULL: a row array with n > 0, the batch's arrays. */
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_log_prob_many_f64(&m, N, NULL, lp), "NULL x");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_log_prob_grad_many_f64(&m, N, x, NULL, r1, sa, sm, ss),
            "NULL log_prob (required)");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_cdf_many_f64(&m, N, x, NULL), "NULL u");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_quantile_many_f64(NULL, N, u, r1), "NULL mix");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_vjp_many_f64(&m, N, x, NULL, sa, sm, ss), "NULL x_bar");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_first_zero_density_many_f64(&m, N, x, NULL), "NULL row");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_sample_quantile_many_f64(&m, NULL, N, r1, r2), "NULL rng");
    REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_sample_ancestral_many_f64(&m, &rng, N, NULL, comp),
            "NULL x (ancestral)");
    {
        mixgrad_diag_batch_f64 nb = *b;
        nb.means = NULL;
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_cdf_f64(&nb, x, r1), "NULL b->means");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_validate_f64(NULL), "NULL b");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_vjp_f64(b, x, xb, pa, NULL, ps), "NULL means_bar");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_log_prob_f64(b, x, NULL), "NULL batch log_prob");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_sample_quantile_f64(b, &rng, NULL, r2),
                "NULL batch x");
        REFUSED(MIXGRAD_ERR_NULL_POINTER, mixgrad_diag_batch_first_zero_density_f64(b, x, NULL), "NULL batch row");
    }

    /* A bad value in one row refuses the whole call. */
    double bx[N * D_], bu[N * D_], bxb[N * D_];
    memcpy(bx, x, sizeof x), memcpy(bu, u, sizeof u), memcpy(bxb, xb, sizeof xb);
    bx[N * D_ - 1] = NAN;
    bu[D_] = 1.0;
    bxb[1] = INFINITY;
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_log_prob_many_f64(&m, N, bx, lp), "x in the last row");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_log_prob_grad_many_f64(&m, N, bx, lp, r1, sa, sm, ss),
            "log_prob_grad_many, x in the last row");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_cdf_many_f64(&m, N, bx, r1), "cdf_many, x in the last row");
    REFUSED(MIXGRAD_ERR_U_OUT_OF_RANGE, mixgrad_diag_quantile_many_f64(&m, N, bu, r1), "u = 1 in row 1");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_vjp_many_f64(&m, N, bx, bxb, sa, sm, ss), "x before x_bar");
    REFUSED(MIXGRAD_ERR_NONFINITE_COTANGENT, mixgrad_diag_vjp_many_f64(&m, N, x, bxb, sa, sm, ss), "x_bar row 0");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_first_zero_density_many_f64(&m, N, bx, &row), "locator, bad x");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_batch_log_prob_f64(b, bx, lp), "batch log_prob, bad x");
    REFUSED(MIXGRAD_ERR_NONFINITE_X,
            mixgrad_diag_batch_log_prob_grad_f64(b, bx, lp, r1, pa, pm, ps), "batch log_prob_grad, bad x");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_batch_cdf_f64(b, bx, r1), "batch cdf, bad x");
    REFUSED(MIXGRAD_ERR_U_OUT_OF_RANGE, mixgrad_diag_batch_quantile_f64(b, bu, r1), "batch quantile, bad u");
    REFUSED(MIXGRAD_ERR_NONFINITE_COTANGENT, mixgrad_diag_batch_vjp_f64(b, x, bxb, pa, pm, ps), "batch vjp, bad x_bar");
    REFUSED(MIXGRAD_ERR_NONFINITE_X, mixgrad_diag_batch_first_zero_density_f64(b, bx, &row), "batch locator, bad x");
    /* A bad mixture (the third of four): every batch function refuses. */
    ob.scales[2 * KD_ + 4] = -1.0;
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_validate_f64(b), "bad mixture: validate");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_log_prob_f64(b, x, lp), "bad mixture: log_prob");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_log_prob_grad_f64(b, x, lp, NULL, pa, NULL, NULL),
            "bad mixture: log_prob_grad");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_cdf_f64(b, x, r1), "bad mixture: cdf");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_quantile_f64(b, u, r1), "bad mixture: quantile");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_vjp_f64(b, x, xb, pa, pm, ps), "bad mixture: vjp");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_first_zero_density_f64(b, x, &row),
            "bad mixture: locator");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_sample_quantile_f64(b, &rng, r1, r2),
            "bad mixture: sample_quantile");
    REFUSED(MIXGRAD_ERR_NONPOSITIVE_SCALE, mixgrad_diag_batch_sample_ancestral_f64(b, &rng, r1, comp),
            "bad mixture: sample_ancestral");
    ob.scales[2 * KD_ + 4] = GOOD.scales[4];
    ob.logits[3 * K_ + 1] = INFINITY; /* the last mixture; parameters before rows */
    REFUSED(MIXGRAD_ERR_INFINITE_LOGIT, mixgrad_diag_batch_cdf_f64(b, bx, r1), "bad logit before bad x");
    ob.logits[3 * K_ + 1] = GOOD.logits[1];
    {
        static mixgrad_rng unseeded;
        REFUSED(MIXGRAD_ERR_UNSEEDED_RNG, mixgrad_diag_batch_sample_quantile_f64(b, &unseeded, r1, NULL),
                "batch, unseeded rng");
        REFUSED(MIXGRAD_ERR_UNSEEDED_RNG, mixgrad_diag_sample_ancestral_many_f64(&m, &unseeded, N, r1, comp),
                "many, unseeded rng");
    }

    /* Overlap, over full row lengths. */
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS, mixgrad_diag_cdf_many_f64(&m, N, r1, r1 + N * D_ - 1),
            "u over x's last value");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            mixgrad_diag_log_prob_grad_many_f64(&m, N, x, lp, lp + N - 1, NULL, NULL, NULL),
            "x_grad over log_prob");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS, mixgrad_diag_vjp_many_f64(&m, N, x, xb, sa, sa + K_ - 1, ss),
            "logits_bar over means_bar");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS, mixgrad_diag_sample_quantile_many_f64(&m, &rng, N, r1, r1 + 1),
            "u over x");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            mixgrad_diag_sample_ancestral_many_f64(&m, &rng, N, r1, (uint32_t *)(void *)(r1 + N * D_ - 1)),
            "component over x");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS, mixgrad_diag_batch_vjp_f64(b, x, xb, pa, pm, pm + N * KD_ - 1),
            "batch: scales_bar over means_bar");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            mixgrad_diag_batch_log_prob_grad_f64(b, x, lp, NULL, NULL, NULL, ob.scales + N * KD_ - 1),
            "batch: scales_grad over b->scales");
    REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            mixgrad_diag_batch_sample_ancestral_f64(b, &rng, r1, (uint32_t *)(void *)&rng),
            "batch: component over the generator");
    {
        double xr[N * D_ + 1];
        memcpy(xr, x, sizeof x);
        REFUSED(MIXGRAD_ERR_OVERLAPPING_BUFFERS,
                mixgrad_diag_first_zero_density_many_f64(&m, N, xr, (size_t *)(void *)&xr[N * D_ - 1]), "row over x");
    }

    /* n*D beyond the address space: refused before anything is read (the
     * arrays are far shorter than n rows). */
    {
        const double l4[1] = {0.0}, m4[4] = {0, 0, 0, 0}, s4[4] = {1, 1, 1, 1};
        const mixgrad_diag_f64 m4d = {1, 4, l4, m4, s4};
        const size_t huge = SIZE_MAX / 2;
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_log_prob_many_f64(&m4d, huge, x, lp), "n*D overflow: log_prob");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_log_prob_grad_many_f64(&m4d, huge, x, lp, r1, NULL, NULL, NULL),
                "n*D overflow: log_prob_grad");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_cdf_many_f64(&m4d, huge, x, r1), "n*D overflow: cdf");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_quantile_many_f64(&m4d, huge, u, r1), "n*D overflow: quantile");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_vjp_many_f64(&m4d, huge, x, xb, sa, sm, ss),
                "n*D overflow: vjp");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_first_zero_density_many_f64(&m4d, huge, x, &row),
                "n*D overflow: locator");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_sample_quantile_many_f64(&m4d, &rng, huge, r1, NULL),
                "n*D overflow: sample_quantile");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_sample_ancestral_many_f64(&m4d, &rng, huge, r1, comp),
                "n*D overflow: sample_ancestral");
        const mixgrad_diag_batch_f64 hb = {huge, 1, 4, l4, m4, s4};
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_batch_validate_f64(&hb), "batch n*K*D overflow");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_batch_vjp_f64(&hb, x, xb, pa, pm, ps), "batch vjp overflow");
        REFUSED(MIXGRAD_ERR_SIZE_OVERFLOW, mixgrad_diag_batch_sample_ancestral_f64(&hb, &rng, r1, comp),
                "batch sampler overflow");
    }

    /* Misaligned row arrays, even for n = 0. */
    {
        unsigned char raw[8 * (N * D_ + 2)];
        const double *odd = (const double *)(void *)(raw + 1 + (8 - ((uintptr_t)raw % 8)) % 8);
        REFUSED(MIXGRAD_ERR_MISALIGNED_POINTER, mixgrad_diag_cdf_many_f64(&m, N, odd, r1), "misaligned x");
        REFUSED(MIXGRAD_ERR_MISALIGNED_POINTER, mixgrad_diag_cdf_many_f64(&m, 0, odd, r1), "misaligned x, n = 0");
    }
#undef REFUSED
#undef RESET
    owned_batch_free(&ob);

    /* Zero density: two narrow components far apart (means -40 and 40,
     * scale 1); x = 0 is deep in the gap. The vjp refuses the whole call;
     * the locators name the row; without it the call succeeds. */
    {
        const double gl[2] = {0.0, 0.0}, gmu[2] = {-40.0, 40.0}, gs[2] = {1.0, 1.0};
        const mixgrad_diag_f64 gap = {2, 1, gl, gmu, gs};
        const double xs[5] = {-40.5, 41.0, 0.0, 39.0, -39.25}, ones[5] = {1, 1, 1, 1, 1};
        double a[2 * 5], mu[2 * 5], sg[2 * 5];
        poison(a, 10), poison(mu, 10), poison(sg, 10);
        size_t at = 99;
        CHECK(mixgrad_diag_vjp_many_f64(&gap, 5, xs, ones, a, mu, sg) == MIXGRAD_ERR_ZERO_DENSITY &&
                  is_poisoned(a, 10) && is_poisoned(mu, 10) && is_poisoned(sg, 10),
              "vjp_many with a row in a gap: refused, nothing written");
        CHECK(mixgrad_diag_first_zero_density_many_f64(&gap, 5, xs, &at) == MIXGRAD_OK && at == 2,
              "the locator names row 2 (got %zu)", at);
        CHECK(mixgrad_diag_vjp_many_f64(&gap, 2, xs, ones, a, mu, sg) == MIXGRAD_OK, "rows before it: fine");
        owned_batch gb = repeat_mixture(&gap, 5);
        poison(a, 10);
        CHECK(mixgrad_diag_batch_vjp_f64(&gb.b, xs, ones, a, mu, sg) == MIXGRAD_ERR_ZERO_DENSITY && is_poisoned(a, 10),
              "batch vjp with a row in a gap: refused, nothing written");
        at = 99;
        CHECK(mixgrad_diag_batch_first_zero_density_f64(&gb.b, xs, &at) == MIXGRAD_OK && at == 2,
              "the batch locator names mixture 2 (got %zu)", at);
        owned_batch_free(&gb);
        const float glf[2] = {0.0f, 0.0f}, gmf[2] = {-40.0f, 40.0f}, gsf[2] = {1.0f, 1.0f};
        const float xsf[5] = {-40.5f, 41.0f, 0.0f, 39.0f, -39.25f}, onesf[5] = {1, 1, 1, 1, 1};
        const mixgrad_diag_f32 gap32 = {2, 1, glf, gmf, gsf};
        float af[2], muf[2], sgf[2] = {-7.0f, -7.0f};
        at = 99;
        CHECK(mixgrad_diag_vjp_many_f32(&gap32, 5, xsf, onesf, af, muf, sgf) == MIXGRAD_ERR_ZERO_DENSITY &&
                  sgf[0] == -7.0f && mixgrad_diag_first_zero_density_many_f32(&gap32, 5, xsf, &at) == MIXGRAD_OK &&
                  at == 2,
              "f32: refused, row 2 named");
    }
}

/* ---- location-scale families (docs/math.md §9) ------------------------- */

/* The operations of OPS, in its order, through mixgrad_locscale_*_f64 with
 * the same arguments. */
typedef mixgrad_status (*ls_fn)(const mixgrad_locscale_f64 *m, buffers *b);

static mixgrad_status ls_validate(const mixgrad_locscale_f64 *m, buffers *b) {
    (void)b;
    return mixgrad_locscale_validate_f64(m);
}
static mixgrad_status ls_log_prob(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_log_prob_f64(m, b->x, &b->lp);
}
static mixgrad_status ls_log_prob_grad(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_log_prob_grad_f64(m, b->x, &b->lp, b->gx, b->ga, b->gm, b->gs);
}
static mixgrad_status ls_cdf(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_cdf_f64(m, b->x, b->out_u);
}
static mixgrad_status ls_quantile(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_quantile_f64(m, b->u, b->out_x);
}
static mixgrad_status ls_vjp(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_vjp_f64(m, b->x, b->xbar, b->ga, b->gm, b->gs);
}
static mixgrad_status ls_jacobian(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_jacobian_f64(m, b->x, b->jac);
}
static mixgrad_status ls_sample_quantile(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_sample_quantile_f64(m, &b->rng, b->out_x, b->out_u);
}
static mixgrad_status ls_sample_ancestral(const mixgrad_locscale_f64 *m, buffers *b) {
    return mixgrad_locscale_sample_ancestral_f64(m, &b->rng, b->out_x, &b->component);
}

static const ls_fn LS_OPS[] = {ls_validate, ls_log_prob,  ls_log_prob_grad,   ls_cdf,
                               ls_quantile, ls_vjp,       ls_jacobian, ls_sample_quantile, ls_sample_ancestral};
_Static_assert(sizeof LS_OPS / sizeof LS_OPS[0] == NUM_OPS, "LS_OPS follows OPS");

static mixgrad_locscale_f64 locscale_of(uint32_t family, const params *p) {
    mixgrad_locscale_f64 m = {family, K_, D_, p->logits, p->means, p->scales};
    return m;
}

/* MIXGRAD_FAMILY_GAUSSIAN is the diag surface, bit for bit: every
 * operation (both samplers from the same seed), in both precisions. */
static void test_locscale_gaussian_is_diag(void) {
    const params p = GOOD;
    const mixgrad_diag_f64 d = {K_, D_, p.logits, p.means, p.scales};
    const mixgrad_locscale_f64 l = locscale_of(MIXGRAD_FAMILY_GAUSSIAN, &p);
    for (size_t i = 0; i < NUM_OPS; i++) {
        buffers a, b;
        fill(&a), fill(&b);
        const mixgrad_status sd = OPS[i].call(&d, &a, -1), sl = LS_OPS[i](&l, &b);
        CHECK(sd == MIXGRAD_OK && sl == sd, "gaussian %s: %s / %s", OPS[i].name, mixgrad_status_str(sd),
              mixgrad_status_str(sl));
        CHECK(memcmp(&a, &b, sizeof a) == 0, "gaussian %s: other bits than diag", OPS[i].name);
    }
    float lf[K_], mf[KD_], sf[KD_], xf[D_] = {-0.3f, 0.1f, 0.6f}, uf[D_] = {0.2f, 0.5f, 0.85f};
    for (size_t i = 0; i < K_; i++) lf[i] = (float)p.logits[i];
    for (size_t i = 0; i < KD_; i++) mf[i] = (float)p.means[i], sf[i] = (float)p.scales[i];
    const mixgrad_diag_f32 d32 = {K_, D_, lf, mf, sf};
    const mixgrad_locscale_f32 l32 = {MIXGRAD_FAMILY_GAUSSIAN, K_, D_, lf, mf, sf};
    float a[1 + D_ * P_], b[1 + D_ * P_];
    mixgrad_rng ra, rb;
    uint32_t ka = 0, kb = 1;
#define SAME32(diag, ls)                                                                                        \
    do {                                                                                                        \
        memset(a, 0, sizeof a), memset(b, 0, sizeof b);                                                         \
        mixgrad_rng_seed(&ra, 12), mixgrad_rng_seed(&rb, 12);                                                   \
        const mixgrad_status sa = (diag), sb = (ls);                                                            \
        CHECK(sa == MIXGRAD_OK && sb == MIXGRAD_OK && memcmp(a, b, sizeof a) == 0 && memcmp(&ra, &rb, sizeof ra) == 0, \
              "f32 %s", #ls);                                                                                   \
    } while (0)
    SAME32(mixgrad_diag_validate_f32(&d32), mixgrad_locscale_validate_f32(&l32));
    SAME32(mixgrad_diag_log_prob_f32(&d32, xf, a), mixgrad_locscale_log_prob_f32(&l32, xf, b));
    SAME32(mixgrad_diag_log_prob_grad_f32(&d32, xf, a, a + 1, a + 4, a + 6, a + 12),
           mixgrad_locscale_log_prob_grad_f32(&l32, xf, b, b + 1, b + 4, b + 6, b + 12));
    SAME32(mixgrad_diag_cdf_f32(&d32, xf, a), mixgrad_locscale_cdf_f32(&l32, xf, b));
    SAME32(mixgrad_diag_quantile_f32(&d32, uf, a), mixgrad_locscale_quantile_f32(&l32, uf, b));
    SAME32(mixgrad_diag_vjp_f32(&d32, xf, uf, a, a + K_, a + K_ + KD_),
           mixgrad_locscale_vjp_f32(&l32, xf, uf, b, b + K_, b + K_ + KD_));
    SAME32(mixgrad_diag_jacobian_f32(&d32, xf, a), mixgrad_locscale_jacobian_f32(&l32, xf, b));
    SAME32(mixgrad_diag_sample_quantile_f32(&d32, &ra, a, a + D_),
           mixgrad_locscale_sample_quantile_f32(&l32, &rb, b, b + D_));
    SAME32(mixgrad_diag_sample_ancestral_f32(&d32, &ra, a, &ka),
           mixgrad_locscale_sample_ancestral_f32(&l32, &rb, b, &kb));
#undef SAME32
    CHECK(ka == kb, "f32 ancestral component");
}

/* Every family: cdf(quantile(u)) = u to 1e-12 relative (tails included),
 * and the vjp at the sample is finite. */
static void test_locscale_families(void) {
    const params p = GOOD;
    static const double us[][D_] = {{0.3, 0.5, 0.9}, {1e-6, 0.999, 0.02}, {0.75, 1e-9, 0.5}};
    static const double xbar[D_] = {1.0, -0.5, 0.25};
    for (uint32_t family = 0; family < 4; family++) {
        const mixgrad_locscale_f64 m = locscale_of(family, &p);
        CHECK(mixgrad_locscale_validate_f64(&m) == MIXGRAD_OK, "family %u: validate", family);
        for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
            double x[D_], u[D_], g[P_];
            CHECK(mixgrad_locscale_quantile_f64(&m, us[i], x) == MIXGRAD_OK, "family %u: quantile", family);
            CHECK(mixgrad_locscale_cdf_f64(&m, x, u) == MIXGRAD_OK, "family %u: cdf", family);
            for (size_t d = 0; d < D_; d++) {
                CHECK(fabs(u[d] - us[i][d]) <= 1e-12 * us[i][d], "family %u, d=%zu: cdf(quantile(%.17g)) = %.17g",
                      family, d, us[i][d], u[d]);
            }
            CHECK(mixgrad_locscale_vjp_f64(&m, x, xbar, g, g + K_, g + K_ + KD_) == MIXGRAD_OK, "family %u: vjp",
                  family);
            int finite = 1;
            for (size_t j = 0; j < P_; j++) finite = finite && isfinite(g[j]);
            CHECK(finite, "family %u: vjp finite", family);
        }
    }
}

/* A family code outside 0..3 is MIXGRAD_ERR_UNKNOWN_FAMILY from every
 * function (before the arrays and the shape), with nothing written. */
static void test_locscale_unknown_family(void) {
    const params p = GOOD;
    static const uint32_t bad[] = {4, 5, 255, UINT32_MAX};
    for (size_t f = 0; f < sizeof bad / sizeof bad[0]; f++) {
        mixgrad_locscale_f64 m = locscale_of(bad[f], &p);
        for (int broken = 0; broken < 2; broken++) {
            if (broken) m.num_components = 0, m.logits = NULL;
            for (size_t i = 0; i < NUM_OPS; i++) {
                buffers b, before;
                fill(&b);
                memcpy(&before, &b, sizeof b);
                const mixgrad_status s = LS_OPS[i](&m, &b);
                CHECK(s == MIXGRAD_ERR_UNKNOWN_FAMILY, "family %u, %s: %s", bad[f], OPS[i].name, mixgrad_status_str(s));
                CHECK(memcmp(&before, &b, sizeof b) == 0, "family %u, %s: written", bad[f], OPS[i].name);
            }
        }
        const float lf[K_] = {0}, mf[KD_] = {0}, sf[KD_] = {1, 1, 1, 1, 1, 1}, xf[D_] = {0};
        float u[D_] = {-7.0f, -7.0f, -7.0f};
        const mixgrad_locscale_f32 m32 = {bad[f], K_, D_, lf, mf, sf};
        CHECK(mixgrad_locscale_cdf_f32(&m32, xf, u) == MIXGRAD_ERR_UNKNOWN_FAMILY && u[0] == -7.0f && u[2] == -7.0f,
              "f32 family %u: refused, nothing written", bad[f]);
    }
    CHECK(strcmp(mixgrad_status_str(MIXGRAD_ERR_UNKNOWN_FAMILY), "MIXGRAD_ERR_UNKNOWN_FAMILY") == 0, "its name");
    CHECK(mixgrad_locscale_validate_f64(NULL) == MIXGRAD_ERR_NULL_POINTER, "NULL mix before the family");
}

/* ---- full-covariance mixtures (docs/math.md §10) ------------------------ */

/* Every mixgrad_tril_*_f64 operation but validate on m with the workspace
 * (w, n): writes into o (1 + 1 + 6*D + 2*P + D*P values, P = K + K*D +
 * K*D*D), rng and *component; the statuses into s[8]. */
static void tril_run(const mixgrad_tril_f64 *m, const double *x, const double *u, const double *xbar, double *o,
                     mixgrad_rng *rng, uint32_t *component, double *w, size_t n, mixgrad_status s[8]) {
    const size_t K = m->num_components, D = m->num_dims, KD = K * D, P = K + KD + KD * D;
    double *g = o + 2, *cdf = g + D + P, *q = cdf + D, *bars = q + D, *jac = bars + P, *smp = jac + D * P;
    s[0] = mixgrad_tril_log_prob_f64(m, x, o, w, n);
    s[1] = mixgrad_tril_log_prob_grad_f64(m, x, o + 1, g, g + D, g + D + K, g + D + K + KD, w, n);
    s[2] = mixgrad_tril_cdf_f64(m, x, cdf, w, n);
    s[3] = mixgrad_tril_quantile_f64(m, u, q, w, n);
    s[4] = mixgrad_tril_vjp_f64(m, x, xbar, bars, bars + K, bars + K + KD, w, n);
    s[5] = mixgrad_tril_jacobian_f64(m, x, jac, w, n);
    s[6] = mixgrad_tril_sample_quantile_f64(m, rng, smp, smp + D, w, n);
    s[7] = mixgrad_tril_sample_ancestral_f64(m, rng, smp + 2 * D, component, w, n);
}

/* K = 1 is x = mu + L Phi^-1(u); cdf(quantile(u)) = u; a diagonal L is the
 * diagonal mixture; a short workspace is MIXGRAD_ERR_SHORT_WORKSPACE with
 * nothing written (the workspace included). NaN above the diagonals:
 * those entries are never read. */
static void test_tril(void) {
    enum { K = 3, D = 3, KD = K * D, KDD = KD * D, P = K + KD + KDD };
    const size_t need = mixgrad_tril_work_len(K, D);
    CHECK(need == K * (5 + 3 * D), "tril work_len %zu", need);
    CHECK(mixgrad_tril_work_len(UINT32_MAX, UINT32_MAX) == SIZE_MAX, "tril work_len overflow is SIZE_MAX");
    double *work = alloc_poisoned(need);

    /* K = 1. */
    const double a1[1] = {0.0}, mu1[D] = {0.5, -1.0, 2.0};
    const double l1[D * D] = {1.5, NAN, NAN, 0.3, 0.8, NAN, -0.4, 0.2, 1.1};
    const mixgrad_tril_f64 one = {1, D, a1, mu1, l1};
    CHECK(mixgrad_tril_validate_f64(&one) == MIXGRAD_OK, "tril K=1 valid");
    const double us[3][D] = {{0.5, 0.1, 0.9}, {1e-6, 0.7, 0.25}, {0.999, 0.4, 1e-3}};
    for (int i = 0; i < 3; i++) {
        double x[D], back[D], eps[D];
        CHECK(mixgrad_tril_quantile_f64(&one, us[i], x, work, need) == MIXGRAD_OK, "tril K=1 quantile");
        for (int d = 0; d < D; d++) eps[d] = ref_probit(us[i][d]);
        for (int d = 0; d < D; d++) {
            double want = mu1[d];
            for (int j = 0; j <= d; j++) want += l1[d * D + j] * eps[j];
            CHECK(fabs(x[d] - want) <= 1e-12 * (1 + fabs(want)), "tril K=1 d=%d: %.17g vs mu + L eps %.17g", d, x[d],
                  want);
        }
        CHECK(mixgrad_tril_cdf_f64(&one, x, back, work, need) == MIXGRAD_OK, "tril K=1 cdf");
        for (int d = 0; d < D; d++) {
            CHECK(fabs(back[d] - us[i][d]) <= 1e-12 * us[i][d] + 1e-15, "tril K=1 d=%d: cdf(quantile(%g)) = %.17g", d,
                  us[i][d], back[d]);
        }
    }

    /* K = 3, correlated: the round trip. */
    const double a[K] = {0.2, -0.4, 0.5};
    const double mu[KD] = {-1.0, 0.0, 1.0, 1.5, 0.5, -0.5, 0.0, -1.5, 0.8};
    const double l[KDD] = {0.9, NAN, NAN, 0.3, 1.1, NAN, -0.2, 0.4, 0.7,  /* */
                           0.6, NAN, NAN, -0.5, 1.3, NAN, 0.1, -0.3, 1.0, /* */
                           1.2, NAN, NAN, 0.2, 0.5, NAN, 0.6, 0.0, 0.8};
    const mixgrad_tril_f64 m = {K, D, a, mu, l};
    CHECK(mixgrad_tril_validate_f64(&m) == MIXGRAD_OK, "tril valid");
    for (int i = 0; i < 3; i++) {
        double x[D], back[D];
        CHECK(mixgrad_tril_quantile_f64(&m, us[i], x, work, need) == MIXGRAD_OK &&
                  mixgrad_tril_cdf_f64(&m, x, back, work, need) == MIXGRAD_OK,
              "tril quantile, cdf");
        for (int d = 0; d < D; d++) {
            CHECK(fabs(back[d] - us[i][d]) <= 1e-12 * fmin(1.0, 1e3 * us[i][d]), "tril d=%d: cdf(quantile(%g)) = %.17g",
                  d, us[i][d], back[d]);
        }
    }

    /* A diagonal L is the diagonal mixture. */
    const double scales[KD] = {0.9, 1.1, 0.7, 0.6, 1.3, 1.0, 1.2, 0.5, 0.8};
    double diag_l[KDD];
    for (size_t i = 0; i < KDD; i++) {
        const size_t row = i % (D * D) / D, col = i % D;
        diag_l[i] = row == col ? scales[i / (D * D) * D + row] : (row > col ? 0.0 : NAN);
    }
    const mixgrad_tril_f64 mt = {K, D, a, mu, diag_l};
    const mixgrad_diag_f64 md = {K, D, a, mu, scales};
    const double x[D] = {0.3, -0.6, 1.2}, xbar[D] = {1.0, -0.5, 2.0};
    double lt, ld, ut[D], ud[D], qt[D], qd[D], gt[K + KD + KDD], gd[K + 2 * KD], pt[D + K + KD + KDD],
        pd[D + K + 2 * KD];
    CHECK(mixgrad_tril_log_prob_f64(&mt, x, &lt, work, need) == MIXGRAD_OK &&
              mixgrad_diag_log_prob_f64(&md, x, &ld) == MIXGRAD_OK,
          "diagonal L: log_prob");
    CHECK(fabs(lt - ld) <= 1e-13 * (1 + fabs(ld)), "diagonal L: log_prob %.17g vs %.17g", lt, ld);
    CHECK(mixgrad_tril_cdf_f64(&mt, x, ut, work, need) == MIXGRAD_OK && mixgrad_diag_cdf_f64(&md, x, ud) == MIXGRAD_OK,
          "diagonal L: cdf");
    CHECK(mixgrad_tril_quantile_f64(&mt, us[0], qt, work, need) == MIXGRAD_OK &&
              mixgrad_diag_quantile_f64(&md, us[0], qd) == MIXGRAD_OK,
          "diagonal L: quantile");
    for (int d = 0; d < D; d++) {
        CHECK(fabs(ut[d] - ud[d]) <= 1e-13 * (1 + fabs(ud[d])), "diagonal L: cdf d=%d", d);
        CHECK(fabs(qt[d] - qd[d]) <= 1e-13 * (1 + fabs(qd[d])), "diagonal L: quantile d=%d %.17g vs %.17g", d, qt[d],
              qd[d]);
    }
    CHECK(mixgrad_tril_vjp_f64(&mt, x, xbar, gt, gt + K, gt + K + KD, work, need) == MIXGRAD_OK &&
              mixgrad_diag_vjp_f64(&md, x, xbar, gd, gd + K, gd + K + KD) == MIXGRAD_OK,
          "diagonal L: vjp");
    CHECK(mixgrad_tril_log_prob_grad_f64(&mt, x, NULL, pt, pt + D, pt + D + K, pt + D + K + KD, work, need) ==
                  MIXGRAD_OK &&
              mixgrad_diag_log_prob_grad_f64(&md, x, NULL, pd, pd + D, pd + D + K, pd + D + K + KD) == MIXGRAD_OK,
          "diagonal L: log_prob_grad");
    /* Logits and means alike; the diagonal of L-bar is the scales' gradient. */
    for (size_t i = 0; i < K + KD; i++) {
        CHECK(fabs(gt[i] - gd[i]) <= 1e-13 * (1 + fabs(gd[i])), "diagonal L: vjp %zu: %.17g vs %.17g", i, gt[i], gd[i]);
        CHECK(fabs(pt[D + i] - pd[D + i]) <= 1e-13 * (1 + fabs(pd[D + i])), "diagonal L: log_prob_grad %zu", i);
    }
    for (size_t i = 0; i < D; i++) {
        CHECK(fabs(pt[i] - pd[i]) <= 1e-13 * (1 + fabs(pd[i])), "diagonal L: x_grad %zu", i);
    }
    for (size_t k = 0; k < K; k++) {
        for (size_t d = 0; d < D; d++) {
            const double t = gt[K + KD + k * D * D + d * D + d], s = gd[K + KD + k * D + d];
            const double tp = pt[D + K + KD + k * D * D + d * D + d], sp = pd[D + K + KD + k * D + d];
            CHECK(fabs(t - s) <= 1e-13 * (1 + fabs(s)), "diagonal L: vjp L[%zu][%zu][%zu] %.17g vs %.17g", k, d, d, t,
                  s);
            CHECK(fabs(tp - sp) <= 1e-13 * (1 + fabs(sp)), "diagonal L: log_prob_grad L[%zu][%zu][%zu]", k, d, d);
            for (size_t j = d + 1; j < D; j++) {
                CHECK(gt[K + KD + k * D * D + d * D + j] == 0.0, "vjp: 0 above the diagonal");
            }
        }
    }

    /* A short workspace: the distinct status from every function, nothing
     * written. */
    const size_t outs = 2 + 6 * D + 2 * P + D * P;
    double *o = alloc_poisoned(outs);
    mixgrad_rng rng, fresh;
    mixgrad_rng_seed(&rng, 3);
    fresh = rng;
    uint32_t component = 77;
    mixgrad_status s[8];
    poison(work, need);
    tril_run(&m, x, us[1], xbar, o, &rng, &component, work, need - 1, s);
    for (int i = 0; i < 8; i++) {
        CHECK(s[i] == MIXGRAD_ERR_SHORT_WORKSPACE, "tril short workspace, op %d: %s", i, mixgrad_status_str(s[i]));
    }
    CHECK(is_poisoned(o, outs) && memcmp(&rng, &fresh, sizeof rng) == 0 && component == 77,
          "tril short workspace: something was written");
    CHECK(mixgrad_tril_cdf_f64(&m, x, o, work, 0) == MIXGRAD_ERR_SHORT_WORKSPACE, "tril work_len 0");
    CHECK(is_poisoned(work, need), "a refused call wrote the workspace");
    CHECK(MIXGRAD_ERR_SHORT_WORKSPACE == 19, "MIXGRAD_ERR_SHORT_WORKSPACE keeps its value");
    /* ... and the full one: every function succeeds. */
    tril_run(&m, x, us[1], xbar, o, &rng, &component, work, need, s);
    for (int i = 0; i < 8; i++) {
        CHECK(s[i] == MIXGRAD_OK, "tril op %d: %s", i, mixgrad_status_str(s[i]));
    }
    CHECK(component < K, "tril component %u", component);
    free(o);
    free(work);
}

/* The full-covariance _many forms: n samples drawn as n single calls, each
 * row's cdf and log_prob the single call's, the summed vjp the single
 * gradients added in row order to +0; a bad row refuses the call with
 * nothing written. */
static void test_tril_many(void) {
    enum { K = 2, D = 3, N = 4, KD = K * D, KDD = KD * D, P = K + KD + KDD };
    const size_t need = mixgrad_tril_work_len(K, D);
    double *work = alloc_poisoned(need);
    const double a[K] = {0.4, -0.3}, mu[KD] = {0.0, 1.0, -1.0, 2.0, 0.5, 0.0};
    const double l[KDD] = {1.0, NAN, NAN, 0.5, 0.9, NAN, -0.2, 0.3, 1.2,
                           0.7, NAN, NAN, -0.6, 1.1, NAN, 0.1, 0.4, 0.8};
    const mixgrad_tril_f64 m = {K, D, a, mu, l};
    mixgrad_rng many_rng, one_rng;
    mixgrad_rng_seed(&many_rng, 11);
    mixgrad_rng_seed(&one_rng, 11);
    double x[N * D], xb[N * D], u[N * D], lp[N], sum[P];
    CHECK(mixgrad_tril_sample_quantile_many_f64(&m, &many_rng, N, x, NULL, work, need) == MIXGRAD_OK,
          "tril sample_quantile_many");
    CHECK(mixgrad_tril_cdf_many_f64(&m, N, x, u, work, need) == MIXGRAD_OK, "tril cdf_many");
    CHECK(mixgrad_tril_log_prob_many_f64(&m, N, x, lp, work, need) == MIXGRAD_OK, "tril log_prob_many");
    for (int i = 0; i < N * D; i++) {
        xb[i] = 0.25 * (i % 5) - 0.5;
    }
    CHECK(mixgrad_tril_vjp_many_f64(&m, N, x, xb, sum, sum + K, sum + K + KD, work, need) == MIXGRAD_OK,
          "tril vjp_many");
    double want[P] = {0}, g[P], xi[D], ui[D], lpi;
    for (int i = 0; i < N; i++) {
        CHECK(mixgrad_tril_sample_quantile_f64(&m, &one_rng, xi, NULL, work, need) == MIXGRAD_OK, "single sample");
        CHECK(memcmp(xi, x + i * D, sizeof xi) == 0, "tril row %d: the single call's sample", i);
        CHECK(mixgrad_tril_cdf_f64(&m, xi, ui, work, need) == MIXGRAD_OK && memcmp(ui, u + i * D, sizeof ui) == 0,
              "tril row %d: the single call's cdf", i);
        CHECK(mixgrad_tril_log_prob_f64(&m, xi, &lpi, work, need) == MIXGRAD_OK && memcmp(&lpi, lp + i, sizeof lpi) == 0,
              "tril row %d: the single call's log_prob", i);
        CHECK(mixgrad_tril_vjp_f64(&m, xi, xb + i * D, g, g + K, g + K + KD, work, need) == MIXGRAD_OK, "single vjp");
        for (int j = 0; j < P; j++) {
            want[j] += g[j];
        }
    }
    CHECK(memcmp(sum, want, sizeof sum) == 0, "tril vjp_many: the row-order sum of the single vjps");
    CHECK(memcmp(&many_rng, &one_rng, sizeof many_rng) == 0, "the generators end in the same state");

    double *o = alloc_poisoned(N * D);
    x[2 * D] = INFINITY;
    CHECK(mixgrad_tril_cdf_many_f64(&m, N, x, o, work, need) == MIXGRAD_ERR_NONFINITE_X && is_poisoned(o, N * D),
          "tril cdf_many: a bad row refuses, nothing written");
    CHECK(mixgrad_tril_log_prob_many_f64(&m, 0, NULL, NULL, work, need) == MIXGRAD_OK, "n = 0 with NULL rows");
    free(o);
    free(work);
}

static double rel_err(double got, double want) { return fabs(got - want) / fabs(want); }

/* The Gamma functions: the exponential (alpha = 1) in closed form, dx/dalpha
 * against central differences of the quantile at fixed u, the sampler as
 * the quantile of the generator's uniform, and the refusals. */
static void test_gamma(void) {
    const double rate = 2.5;
    const double exp_us[] = {1e-300, 1e-12, 1e-3, 0.3, 0.5, 0.9, 0.999999};
    for (size_t i = 0; i < sizeof exp_us / sizeof exp_us[0]; i++) {
        const double u = exp_us[i];
        double x = -1.0, p = -1.0;
        CHECK(mixgrad_gamma_quantile_f64(1.0, rate, u, &x) == MIXGRAD_OK, "gamma quantile u=%g", u);
        CHECK(rel_err(x, -log1p(-u) / rate) <= 4 * EPS, "exponential quantile at u=%g: %.17g", u, x);
        CHECK(mixgrad_gamma_cdf_f64(1.0, rate, x, &p) == MIXGRAD_OK, "gamma cdf");
        CHECK(rel_err(p, -expm1(-rate * x)) <= 4 * EPS, "exponential cdf at x=%g: %.17g", x, p);
    }
    const double alphas[] = {0.3, 2.5, 40.0}, us[] = {0.01, 0.5, 0.9};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 3; j++) {
            const double a = alphas[i], h = 1e-5 * a;
            double x, lo, hi, da = NAN, db = NAN;
            mixgrad_gamma_quantile_f64(a, rate, us[j], &x);
            mixgrad_gamma_quantile_f64(a - h, rate, us[j], &lo);
            mixgrad_gamma_quantile_f64(a + h, rate, us[j], &hi);
            CHECK(mixgrad_gamma_grad_f64(a, rate, x, &da, &db) == MIXGRAD_OK, "gamma grad");
            CHECK(rel_err(da, (hi - lo) / (2 * h)) <= 1e-6, "dx/dalpha at alpha=%g u=%g: %.17g vs %.17g", a,
                  us[j], da, (hi - lo) / (2 * h));
            CHECK(db == -x / rate, "dx/drate = -x/rate");
            float xf = -1.0f, daf = NAN;
            CHECK(mixgrad_gamma_quantile_f32((float)a, (float)rate, (float)us[j], &xf) == MIXGRAD_OK &&
                      fabs(xf - x) <= 1e-4 * x,
                  "f32 quantile near f64");
            CHECK(mixgrad_gamma_grad_f32((float)a, (float)rate, xf, &daf, NULL) == MIXGRAD_OK &&
                      fabs(daf - da) <= 1e-3 * (1 + fabs(da)),
                  "f32 dx/dalpha near f64");
        }
    }
    mixgrad_rng rng, twin;
    mixgrad_rng_seed(&rng, 5);
    mixgrad_rng_seed(&twin, 5);
    double x = -1.0, want = -1.0;
    CHECK(mixgrad_gamma_sample_f64(2.5, rate, &rng, &x) == MIXGRAD_OK, "gamma sample");
    /* docs/math.md §3 uniforms from the top 52 bits, offset by half a step. */
    const double v = ((double)(xoshiro_next(twin.state) >> 12) + 0.5) * 0x1p-52;
    CHECK(mixgrad_gamma_quantile_f64(2.5, rate, v, &want) == MIXGRAD_OK && x == want,
          "gamma sample = the quantile of the generator's uniform: %.17g vs %.17g", x, want);
    CHECK(memcmp(&rng, &twin, sizeof rng) == 0, "one draw consumed");

    /* Refusals: one status each, in order, nothing written. */
    double out[2] = {-7.25, -7.25};
    CHECK(mixgrad_gamma_cdf_f64(0.0, 1.0, 1.0, out) == MIXGRAD_ERR_INVALID_SHAPE, "alpha = 0");
    CHECK(mixgrad_gamma_quantile_f64(NAN, 1.0, 0.5, out) == MIXGRAD_ERR_INVALID_SHAPE, "alpha NaN");
    CHECK(mixgrad_gamma_grad_f64(1.0, -1.0, 1.0, out, out + 1) == MIXGRAD_ERR_INVALID_RATE, "rate < 0");
    CHECK(mixgrad_gamma_cdf_f64(1.0, 1.0, -1.0, out) == MIXGRAD_ERR_X_OUTSIDE_SUPPORT, "x < 0");
    CHECK(mixgrad_gamma_grad_f64(1.0, 1.0, 0.0, out, NULL) == MIXGRAD_ERR_X_OUTSIDE_SUPPORT, "grad at x = 0");
    CHECK(mixgrad_gamma_grad_f64(1.0, 1.0, INFINITY, NULL, out) == MIXGRAD_ERR_NONFINITE_X, "x infinite");
    CHECK(mixgrad_gamma_quantile_f64(1.0, 1.0, 1.0, out) == MIXGRAD_ERR_U_OUT_OF_RANGE, "u = 1");
    CHECK(mixgrad_gamma_grad_f64(1.0, 1.0, 1.0, out, out) == MIXGRAD_ERR_OVERLAPPING_BUFFERS, "same output");
    CHECK(mixgrad_gamma_cdf_f64(1.0, 1.0, 1.0, NULL) == MIXGRAD_ERR_NULL_POINTER, "NULL u");
    CHECK(out[0] == -7.25 && out[1] == -7.25, "a refusal wrote nothing");
    mixgrad_rng unseeded = {{0, 0, 0, 0}};
    CHECK(mixgrad_gamma_sample_f64(1.0, 1.0, &unseeded, out) == MIXGRAD_ERR_UNSEEDED_RNG && out[0] == -7.25,
          "unseeded generator refused");
    CHECK(strcmp(mixgrad_status_str(MIXGRAD_ERR_INVALID_SHAPE), "MIXGRAD_ERR_INVALID_SHAPE") == 0, "status name");
}

/* The header's enumerators, each with its own spelling. A switch without a
 * default: under -Wall -Werror (-Wswitch) the suite stops compiling when the
 * header gains a status this list lacks, and a name that is not an
 * enumerator does not compile either, so the list is the header's. */
static const char *enumerator_name(uint32_t code) {
#define NAME(c) \
    case c:     \
        return #c;
    switch ((enum mixgrad_status)code) {
        NAME(MIXGRAD_OK)
        NAME(MIXGRAD_ERR_NULL_POINTER)
        NAME(MIXGRAD_ERR_MISALIGNED_POINTER)
        NAME(MIXGRAD_ERR_NO_COMPONENTS)
        NAME(MIXGRAD_ERR_NO_DIMENSIONS)
        NAME(MIXGRAD_ERR_TOO_MANY_COMPONENTS)
        NAME(MIXGRAD_ERR_SIZE_OVERFLOW)
        NAME(MIXGRAD_ERR_OVERLAPPING_BUFFERS)
        NAME(MIXGRAD_ERR_NAN_LOGIT)
        NAME(MIXGRAD_ERR_INFINITE_LOGIT)
        NAME(MIXGRAD_ERR_NO_ACTIVE_COMPONENT)
        NAME(MIXGRAD_ERR_NONFINITE_MEAN)
        NAME(MIXGRAD_ERR_NONFINITE_SCALE)
        NAME(MIXGRAD_ERR_NONPOSITIVE_SCALE)
        NAME(MIXGRAD_ERR_U_OUT_OF_RANGE)
        NAME(MIXGRAD_ERR_NONFINITE_X)
        NAME(MIXGRAD_ERR_NONFINITE_COTANGENT)
        NAME(MIXGRAD_ERR_ZERO_DENSITY)
        NAME(MIXGRAD_ERR_UNSEEDED_RNG)
        NAME(MIXGRAD_ERR_SHORT_WORKSPACE)
        NAME(MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE)
        NAME(MIXGRAD_ERR_UNKNOWN_FAMILY)
        NAME(MIXGRAD_ERR_INVALID_SHAPE)
        NAME(MIXGRAD_ERR_INVALID_RATE)
        NAME(MIXGRAD_ERR_X_OUTSIDE_SUPPORT)
        NAME(MIXGRAD_ERR_INTERNAL)
    }
#undef NAME
    return NULL;
}

/* Every SIMD path the CPU has gives the scalar path's summed gradient, bit
 * for bit (the reference points cycled to 37 rows, so that the lanes run
 * whole blocks and a remainder); a path it lacks is refused, the path in
 * use unchanged; MIXGRAD_SIMD_AUTO restores detection. */
static void test_simd_paths(const ref_case *cases, size_t num_cases) {
    const uint32_t detected = mixgrad_simd_in_use();
    CHECK(mixgrad_simd_available(MIXGRAD_SIMD_SCALAR) == 1, "scalar is always available");
    int compared = 0;
    for (size_t ci = 0; ci < num_cases; ci++) {
        const ref_case *c = &cases[ci];
        const mixgrad_diag_f64 m = mixture_of(c);
        const size_t n = 37, K = c->k, D = c->d, G = K + 2 * K * c->d;
        double *x = alloc_poisoned(n * D), *xb = alloc_poisoned(n * D);
        double *want = alloc_poisoned(G), *got = alloc_poisoned(G);
        for (size_t j = 0; j < n; j++) {
            const ref_point *p = &c->points[j % c->num_points];
            memcpy(x + j * D, p->x, D * sizeof(double));
            memcpy(xb + j * D, p->xbar, D * sizeof(double));
        }
        CHECK(mixgrad_simd_force(MIXGRAD_SIMD_SCALAR) == MIXGRAD_OK, "force scalar");
        const mixgrad_status s0 = mixgrad_diag_vjp_many_f64(&m, n, x, xb, want, want + K, want + K + K * D);
        for (uint32_t path = MIXGRAD_SIMD_SSE2; path <= MIXGRAD_SIMD_NEON; path++) {
            if (!mixgrad_simd_available(path)) {
                const uint32_t before = mixgrad_simd_in_use();
                CHECK(mixgrad_simd_force(path) == MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE, "path %u refused", path);
                CHECK(mixgrad_simd_in_use() == before, "a refused path changes nothing");
                continue;
            }
            CHECK(mixgrad_simd_force(path) == MIXGRAD_OK && mixgrad_simd_in_use() == path, "force %u", path);
            poison(got, G);
            const mixgrad_status s = mixgrad_diag_vjp_many_f64(&m, n, x, xb, got, got + K, got + K + K * D);
            CHECK(s == s0, "%s, path %u: status %s, scalar %s", c->name, path, mixgrad_status_str(s),
                  mixgrad_status_str(s0));
            if (s == MIXGRAD_OK) {
                CHECK(memcmp(got, want, G * sizeof(double)) == 0, "%s, path %u: other bits", c->name, path);
                compared++;
            }
        }
        free(x);
        free(xb);
        free(want);
        free(got);
    }
    CHECK(mixgrad_simd_force(MIXGRAD_SIMD_AUTO) == MIXGRAD_OK && mixgrad_simd_in_use() == detected,
          "auto restores detection");
    CHECK(mixgrad_simd_force(99) == MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE, "no path 99");
#if defined(__x86_64__) || defined(__aarch64__)
    CHECK(compared > 0, "some vector path compared");
#endif
}

static void test_names_and_version(void) {
    /* The library names exactly the header's enumerators, each with its
     * own spelling (values past 1023 are not statuses either). */
    size_t named = 0;
    for (uint32_t code = 0; code < 1024; code++) {
        const char *header = enumerator_name(code);
        const char *library = mixgrad_status_str(code);
        CHECK(library != NULL, "mixgrad_status_str(%u) is not NULL", code);
        if (header == NULL) {
            CHECK(strcmp(library, "MIXGRAD_UNKNOWN_STATUS") == 0, "%u is no status, library says %s", code, library);
        } else {
            CHECK(strcmp(library, header) == 0, "%u is %s, library says %s", code, header, library);
            named++;
        }
    }
    CHECK(named > 0, "%zu statuses", named);
    CHECK(MIXGRAD_OK == 0, "MIXGRAD_OK is 0");
    CHECK(strcmp(mixgrad_status_str(12345), "MIXGRAD_UNKNOWN_STATUS") == 0, "unknown code");
    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", MIXGRAD_VERSION_MAJOR, MIXGRAD_VERSION_MINOR,
             MIXGRAD_VERSION_PATCH);
    CHECK(strcmp(version, mixgrad_version()) == 0, "header %s vs library %s", version, mixgrad_version());
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/data/reference.txt\n", argv[0]);
        return 2;
    }
    ref_case *cases = NULL;
    size_t num_cases = ref_load(argv[1], &cases);
    CHECK(num_cases >= 14, "reference cases loaded: %zu", num_cases);
    test_reference_f64(cases, num_cases);
    test_f32_against_f64(cases, num_cases);
    test_sampling();
    test_errors();
    test_work_against_stack();
    test_work_k100();
    test_batch_reference(cases, num_cases);
    test_batch_samplers();
    test_batch_errors();
    test_simd_paths(cases, num_cases);
    test_locscale_gaussian_is_diag();
    test_locscale_families();
    test_locscale_unknown_family();
    test_tril();
    test_tril_many();
    test_gamma();
    test_names_and_version();
    ref_free(cases, num_cases);
    return support_summary("C suite");
}
