#include "support.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int support_failures = 0;
int support_checks = 0;

void support_check(int ok, const char *file, int line, const char *fmt, ...) {
    support_checks++;
    if (ok) {
        return;
    }
    support_failures++;
    if (support_failures <= 50) {
        va_list args;
        va_start(args, fmt);
        fprintf(stderr, "FAIL %s:%d: ", file, line);
        vfprintf(stderr, fmt, args);
        fputc('\n', stderr);
        va_end(args);
    }
}

int support_summary(const char *suite) {
    printf("%s: %d checks, %d failed\n", suite, support_checks, support_failures);
    return support_failures == 0 && support_checks > 0 ? 0 : 1;
}

/* Parses whitespace-separated doubles of `rest` into a new array. */
static double *numbers(const char *rest, size_t *count) {
    size_t cap = 16, n = 0;
    double *v = (double *)malloc(cap * sizeof(double));
    const char *s = rest;
    char *end;
    for (;;) {
        double value = strtod(s, &end);
        if (end == s) {
            break;
        }
        if (n == cap) {
            cap *= 2;
            v = (double *)realloc(v, cap * sizeof(double));
        }
        v[n++] = value;
        s = end;
    }
    if (count) {
        *count = n;
    }
    return v;
}

size_t ref_load(const char *path, ref_case **out) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    size_t cap = 32, n = 0;
    ref_case *cases = (ref_case *)calloc(cap, sizeof(ref_case));
    ref_case *c = NULL;
    static char line[1 << 16];
    while (fgets(line, sizeof line, f)) {
        char key[16];
        int used = 0;
        if (line[0] == '#' || sscanf(line, "%15s %n", key, &used) < 1) {
            continue;
        }
        const char *rest = line + used;
        if (strcmp(key, "case") == 0) {
            if (n == cap) {
                cap *= 2;
                cases = (ref_case *)realloc(cases, cap * sizeof(ref_case));
            }
            c = &cases[n++];
            memset(c, 0, sizeof *c);
            sscanf(rest, "%63s", c->name);
        } else if (!c) {
            continue;
        } else if (strcmp(key, "dims") == 0) {
            sscanf(rest, "%u %u", &c->k, &c->d);
        } else if (strcmp(key, "logits") == 0) {
            c->logits = numbers(rest, NULL);
        } else if (strcmp(key, "means") == 0) {
            c->means = numbers(rest, NULL);
        } else if (strcmp(key, "scales") == 0) {
            c->scales = numbers(rest, NULL);
        } else if (strcmp(key, "u") == 0) {
            c->points = (ref_point *)realloc(c->points, (c->num_points + 1) * sizeof(ref_point));
            ref_point *p = &c->points[c->num_points++];
            memset(p, 0, sizeof *p);
            p->u = numbers(rest, NULL);
        } else if (strcmp(key, "end") == 0) {
            c = NULL;
        } else if (c->num_points > 0) {
            ref_point *p = &c->points[c->num_points - 1];
            if (strcmp(key, "xq") == 0) p->xq = numbers(rest, NULL);
            else if (strcmp(key, "fq") == 0) p->fq = numbers(rest, NULL);
            else if (strcmp(key, "x") == 0) p->x = numbers(rest, NULL);
            else if (strcmp(key, "cdf") == 0) p->cdf = numbers(rest, NULL);
            else if (strcmp(key, "ccdf") == 0) p->ccdf = numbers(rest, NULL);
            else if (strcmp(key, "pdf") == 0) p->pdf = numbers(rest, NULL);
            else if (strcmp(key, "xbar") == 0) p->xbar = numbers(rest, NULL);
            else if (strcmp(key, "vjp") == 0) p->vjp = numbers(rest, NULL);
            else if (strcmp(key, "jac") == 0) p->jac = numbers(rest, NULL);
            else if (strcmp(key, "logq") == 0) p->logq = strtod(rest, NULL);
            else if (strcmp(key, "check") == 0) p->backward_only = strncmp(rest, "backward", 8) == 0;
            else fprintf(stderr, "unknown key %s\n", key);
        }
    }
    fclose(f);
    *out = cases;
    return n;
}

void ref_free(ref_case *cases, size_t count) {
    for (size_t i = 0; i < count; i++) {
        ref_case *c = &cases[i];
        for (size_t j = 0; j < c->num_points; j++) {
            ref_point *p = &c->points[j];
            double *arrays[] = {p->u, p->xq, p->fq, p->x, p->cdf, p->ccdf, p->pdf, p->xbar, p->vjp, p->jac};
            for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
                free(arrays[a]);
            }
        }
        free(c->points);
        free(c->logits);
        free(c->means);
        free(c->scales);
    }
    free(cases);
}

double ref_probit(double p) {
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < p) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return 0.5 * (lo + hi);
}

double ref_ulp(double x) {
    x = fabs(x);
    return nextafter(x, INFINITY) - x;
}

double ref_grad_error(const double *got, const double *want, size_t n) {
    double scale = 1.0, worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, 1.0 + fabs(want[i]));
        worst = fmax(worst, fabs(got[i] - want[i]));
    }
    return worst / scale;
}

int ref_well_conditioned(const ref_case *c, const ref_point *p) {
    double smax = 0.0;
    for (size_t i = 0; i < (size_t)c->k * c->d; i++) {
        smax = fmax(smax, c->scales[i]);
    }
    for (uint32_t d = 0; d < c->d; d++) {
        if (p->pdf[d] * smax < 1e-6) {
            return 0;
        }
    }
    return 1;
}
