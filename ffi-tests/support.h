/* Test support shared by the C and C++ suites: a failure counter, the
 * reference-vector reader (tests/data/reference.txt, written by
 * tools/gen_reference.py with mpmath at 60 digits) and the docs/math.md §6
 * tolerance helpers. */
#ifndef MIXGRAD_FFI_TESTS_SUPPORT_H
#define MIXGRAD_FFI_TESTS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

extern int support_failures;
extern int support_checks;

/* Records one check; prints the message (printf-style) when it fails. */
void support_check(int ok, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define CHECK(ok, ...) support_check((ok) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* Prints the tally; returns the process exit code (0 iff nothing failed). */
int support_summary(const char *suite);

typedef struct ref_point {
    double *u, *xq, *fq, *x, *cdf, *ccdf, *pdf, *xbar, *vjp, *jac; /* jac may be NULL */
    double logq;
    int backward_only;
} ref_point;

typedef struct ref_case {
    char name[64];
    uint32_t k, d;
    double *logits, *means, *scales;
    ref_point *points;
    size_t num_points;
} ref_case;

/* Reads every case; returns the count (0 on error, with a message). */
size_t ref_load(const char *path, ref_case **cases);
void ref_free(ref_case *cases, size_t count);

/* Phi^-1(p) by bisection on erfc (independent of the library). */
double ref_probit(double p);
/* Distance to the next double away from zero. */
double ref_ulp(double x);
/* max|g - g*| / (1 + max|g*|), the docs/math.md §6 gradient error measure. */
double ref_grad_error(const double *got, const double *want, size_t n);
/* docs/math.md §6: gradients are held to 1e-10 where no conditional density is
 * tiny relative to the mixture's scale. */
int ref_well_conditioned(const ref_case *c, const ref_point *p);

#ifdef __cplusplus
}
#endif

#endif
