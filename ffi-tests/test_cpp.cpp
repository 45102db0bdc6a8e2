// The C++17 suite: the header used from inside a namespace with std::array
// data, both precisions through one template, the vjp against central
// differences of the quantile map (an independent check of the gradient),
// reproducible sampling, refusals that write nothing, and every batch
// function (docs/math.md §8) against the single calls, bit for bit; the
// location-scale families (docs/math.md §9) against the diag surface; the
// full-covariance mixtures (docs/math.md §10).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

// The C header inside a namespace: its declarations keep C linkage, so the
// symbols still resolve, and nothing leaks into the global namespace.
namespace mg {
#include "mixgrad.h"
}

#include "support.h"

namespace {

constexpr std::size_t K = 3, D = 4, KD = K * D, P = K + 2 * KD;

// One set of names per precision, so every test below is written once.
template <typename T> struct api;

template <> struct api<double> {
    using mixture = mg::mixgrad_diag_f64;
    static constexpr auto cdf = mg::mixgrad_diag_cdf_f64;
    static constexpr auto quantile = mg::mixgrad_diag_quantile_f64;
    static constexpr auto log_prob = mg::mixgrad_diag_log_prob_f64;
    static constexpr auto log_prob_grad = mg::mixgrad_diag_log_prob_grad_f64;
    static constexpr auto vjp = mg::mixgrad_diag_vjp_f64;
    static constexpr auto jacobian = mg::mixgrad_diag_jacobian_f64;
    static constexpr auto sample_quantile = mg::mixgrad_diag_sample_quantile_f64;
    static constexpr auto sample_ancestral = mg::mixgrad_diag_sample_ancestral_f64;
    static constexpr auto log_prob_work = mg::mixgrad_diag_log_prob_work_f64;
    static constexpr auto log_prob_grad_work = mg::mixgrad_diag_log_prob_grad_work_f64;
    static constexpr auto cdf_work = mg::mixgrad_diag_cdf_work_f64;
    static constexpr auto quantile_work = mg::mixgrad_diag_quantile_work_f64;
    static constexpr auto vjp_work = mg::mixgrad_diag_vjp_work_f64;
    static constexpr auto jacobian_work = mg::mixgrad_diag_jacobian_work_f64;
    static constexpr auto sample_quantile_work = mg::mixgrad_diag_sample_quantile_work_f64;
    static constexpr auto sample_ancestral_work = mg::mixgrad_diag_sample_ancestral_work_f64;
    static constexpr double fd_step = 1e-6, fd_tol = 1e-6;
    static constexpr const char *name = "f64";
};

template <> struct api<float> {
    using mixture = mg::mixgrad_diag_f32;
    static constexpr auto cdf = mg::mixgrad_diag_cdf_f32;
    static constexpr auto quantile = mg::mixgrad_diag_quantile_f32;
    static constexpr auto log_prob = mg::mixgrad_diag_log_prob_f32;
    static constexpr auto log_prob_grad = mg::mixgrad_diag_log_prob_grad_f32;
    static constexpr auto vjp = mg::mixgrad_diag_vjp_f32;
    static constexpr auto jacobian = mg::mixgrad_diag_jacobian_f32;
    static constexpr auto sample_quantile = mg::mixgrad_diag_sample_quantile_f32;
    static constexpr auto sample_ancestral = mg::mixgrad_diag_sample_ancestral_f32;
    static constexpr auto log_prob_work = mg::mixgrad_diag_log_prob_work_f32;
    static constexpr auto log_prob_grad_work = mg::mixgrad_diag_log_prob_grad_work_f32;
    static constexpr auto cdf_work = mg::mixgrad_diag_cdf_work_f32;
    static constexpr auto quantile_work = mg::mixgrad_diag_quantile_work_f32;
    static constexpr auto vjp_work = mg::mixgrad_diag_vjp_work_f32;
    static constexpr auto jacobian_work = mg::mixgrad_diag_jacobian_work_f32;
    static constexpr auto sample_quantile_work = mg::mixgrad_diag_sample_quantile_work_f32;
    static constexpr auto sample_ancestral_work = mg::mixgrad_diag_sample_ancestral_work_f32;
    // f32 gradients are held to ~1e-3 (docs/math.md §6); the finite differences of
    // an f32 quantile map need a large step.
    static constexpr double fd_step = 2e-2, fd_tol = 2e-2;
    static constexpr const char *name = "f32";
};

template <typename T> struct params {
    std::array<T, K> logits{T(0.1), T(-0.5), T(0.6)};
    std::array<T, KD> means{T(-1.5), T(0.0), T(0.5), T(2.0),  //
                            T(0.5), T(-1.0), T(1.5), T(0.0),   //
                            T(2.0), T(1.0), T(-0.5), T(-2.0)};
    std::array<T, KD> scales{T(0.8), T(1.1), T(0.6), T(0.9),  //
                             T(0.5), T(1.3), T(0.7), T(1.0),  //
                             T(1.2), T(0.4), T(0.9), T(0.6)};

    typename api<T>::mixture view() const {
        return {std::uint32_t(K), std::uint32_t(D), logits.data(), means.data(), scales.data()};
    }
};

// All parameters in one vector (logits, means, scales) and back, for the
// finite differences.
template <typename T> std::array<T, P> flatten(const params<T> &p) {
    std::array<T, P> v{};
    for (std::size_t i = 0; i < K; i++) v[i] = p.logits[i];
    for (std::size_t i = 0; i < KD; i++) v[K + i] = p.means[i];
    for (std::size_t i = 0; i < KD; i++) v[K + KD + i] = p.scales[i];
    return v;
}

template <typename T> params<T> unflatten(const std::array<T, P> &v) {
    params<T> p;
    for (std::size_t i = 0; i < K; i++) p.logits[i] = v[i];
    for (std::size_t i = 0; i < KD; i++) p.means[i] = v[K + i];
    for (std::size_t i = 0; i < KD; i++) p.scales[i] = v[K + KD + i];
    return p;
}

// vjp against central differences of x(u; theta) = quantile(u; theta).
template <typename T> void test_vjp_against_differences() {
    using A = api<T>;
    const params<T> p;
    const auto m = p.view();
    const std::array<T, D> u{T(0.3), T(0.8), T(0.55), T(0.1)};
    const std::array<T, D> xbar{T(1.0), T(-0.5), T(0.25), T(2.0)};
    std::array<T, D> x{};
    CHECK(A::quantile(&m, u.data(), x.data()) == mg::MIXGRAD_OK, "%s quantile", A::name);
    std::array<T, P> g{};
    CHECK(A::vjp(&m, x.data(), xbar.data(), g.data(), g.data() + K, g.data() + K + KD) == mg::MIXGRAD_OK,
          "%s vjp", A::name);

    const auto theta = flatten(p);
    std::array<double, P> fd{}, got{};
    for (std::size_t j = 0; j < P; j++) {
        double h = A::fd_step * (j >= K + KD ? double(theta[j]) : 1.0);
        double side[2] = {0.0, 0.0};
        for (int s = 0; s < 2; s++) {
            auto shifted = theta;
            shifted[j] = T(double(theta[j]) + (s == 0 ? h : -h));
            const auto q = unflatten(shifted);
            const auto mq = q.view();
            std::array<T, D> xs{};
            A::quantile(&mq, u.data(), xs.data());
            for (std::size_t d = 0; d < D; d++) side[s] += double(xbar[d]) * double(xs[d]);
        }
        fd[j] = (side[0] - side[1]) / (2 * h);
        got[j] = double(g[j]);
    }
    const double err = ref_grad_error(got.data(), fd.data(), P);
    CHECK(err <= A::fd_tol, "%s vjp vs central differences: %g", A::name, err);

    // The Jacobian's rows, weighted by x_bar, are the vjp.
    std::array<T, D * P> jac{};
    CHECK(A::jacobian(&m, x.data(), jac.data()) == mg::MIXGRAD_OK, "%s jacobian", A::name);
    std::array<double, P> row_sum{};
    for (std::size_t d = 0; d < D; d++)
        for (std::size_t j = 0; j < P; j++) row_sum[j] += double(xbar[d]) * double(jac[d * P + j]);
    const double jerr = ref_grad_error(row_sum.data(), got.data(), P);
    CHECK(jerr <= (sizeof(T) == 8 ? 1e-12 : 1e-4), "%s xbar^T J vs vjp: %g", A::name, jerr);

    // Round trip and log-density gradient consistency.
    std::array<T, D> back{};
    CHECK(A::cdf(&m, x.data(), back.data()) == mg::MIXGRAD_OK, "%s cdf", A::name);
    for (std::size_t d = 0; d < D; d++)
        CHECK(std::fabs(double(back[d]) - double(u[d])) <= (sizeof(T) == 8 ? 1e-13 : 1e-5),
              "%s cdf(quantile(u)) d=%zu", A::name, d);
    T lp = 0, lp2 = 0;
    std::array<T, D> gx{};
    CHECK(A::log_prob(&m, x.data(), &lp) == mg::MIXGRAD_OK, "%s log_prob", A::name);
    CHECK(A::log_prob_grad(&m, x.data(), &lp2, gx.data(), nullptr, nullptr, nullptr) == mg::MIXGRAD_OK &&
              lp == lp2 && std::isfinite(double(gx[0])),
          "%s log_prob_grad with optional outputs skipped", A::name);
    CHECK(A::log_prob_grad(&m, x.data(), nullptr, nullptr, nullptr, nullptr, nullptr) == mg::MIXGRAD_OK,
          "%s log_prob_grad with every output skipped", A::name);
}

template <typename T> void test_sampling_and_refusals() {
    using A = api<T>;
    params<T> p;
    auto m = p.view();

    mg::mixgrad_rng a{}, b{};
    mg::mixgrad_rng_seed(&a, 123);
    mg::mixgrad_rng_seed(&b, 123);
    for (int i = 0; i < 100; i++) {
        std::array<T, D> x1{}, x2{}, u1{};
        std::uint32_t k1 = 0, k2 = 1;
        CHECK(A::sample_quantile(&m, &a, x1.data(), u1.data()) == mg::MIXGRAD_OK, "%s sample", A::name);
        A::sample_quantile(&m, &b, x2.data(), nullptr);
        CHECK(x1 == x2, "%s quantile sample %d reproduces", A::name, i);
        for (T ud : u1) CHECK(ud > T(0) && ud < T(1), "%s u inside (0,1)", A::name);
        A::sample_ancestral(&m, &a, x1.data(), &k1);
        A::sample_ancestral(&m, &b, x2.data(), &k2);
        CHECK(x1 == x2 && k1 == k2 && k1 < K, "%s ancestral sample %d reproduces", A::name, i);
    }

    // A refused call writes nothing and leaves the generator where it was.
    const T poison = std::numeric_limits<T>::quiet_NaN();
    auto refuses = [&](mg::mixgrad_status want, const char *what) {
        std::array<T, D> x{}, u{};
        x.fill(poison);
        u.fill(poison);
        std::uint32_t k = 77;
        const mg::mixgrad_rng before = a;
        auto s1 = A::sample_quantile(&m, &a, x.data(), u.data());
        auto s2 = A::sample_ancestral(&m, &a, x.data(), &k);
        std::array<T, K> ga{};
        std::array<T, KD> gm{}, gs{};
        ga.fill(poison);
        gm.fill(poison);
        gs.fill(poison);
        const std::array<T, D> x0{}, xb{T(1), T(1), T(1), T(1)};
        auto s3 = A::vjp(&m, x0.data(), xb.data(), ga.data(), gm.data(), gs.data());
        CHECK(s1 == want && s2 == want && s3 == want, "%s %s: %s %s %s", A::name, what, mg::mixgrad_status_str(s1),
              mg::mixgrad_status_str(s2), mg::mixgrad_status_str(s3));
        bool untouched = k == 77 && std::memcmp(&before, &a, sizeof a) == 0;
        for (std::size_t d = 0; d < D; d++) untouched = untouched && std::isnan(x[d]) && std::isnan(u[d]);
        for (T v : ga) untouched = untouched && std::isnan(v);
        for (T v : gm) untouched = untouched && std::isnan(v);
        for (T v : gs) untouched = untouched && std::isnan(v);
        CHECK(untouched, "%s %s: something was written", A::name, what);
    };
    p.scales[5] = T(-1);
    refuses(mg::MIXGRAD_ERR_NONPOSITIVE_SCALE, "negative scale");
    p = params<T>();
    p.logits[2] = std::numeric_limits<T>::infinity();
    refuses(mg::MIXGRAD_ERR_INFINITE_LOGIT, "+inf logit");
    p = params<T>();
    p.means[0] = std::numeric_limits<T>::quiet_NaN();
    refuses(mg::MIXGRAD_ERR_NONFINITE_MEAN, "NaN mean");
    p = params<T>();
    m.num_components = MIXGRAD_MAX_COMPONENTS + 1;  // a macro: no namespace
    refuses(mg::MIXGRAD_ERR_TOO_MANY_COMPONENTS, "K too large");
    m = p.view();
    m.scales = nullptr;
    refuses(mg::MIXGRAD_ERR_NULL_POINTER, "NULL scales");
    m = p.view();

    // A value-initialised generator was never seeded: refused, untouched.
    {
        mg::mixgrad_rng zero{};
        std::array<T, D> x{};
        x.fill(poison);
        std::uint32_t k = 77;
        CHECK(A::sample_quantile(&m, &zero, x.data(), nullptr) == mg::MIXGRAD_ERR_UNSEEDED_RNG &&
                  A::sample_ancestral(&m, &zero, x.data(), &k) == mg::MIXGRAD_ERR_UNSEEDED_RNG,
              "%s unseeded rng refused", A::name);
        bool untouched = k == 77 && zero.state[0] == 0 && zero.state[1] == 0 && zero.state[2] == 0 &&
                         zero.state[3] == 0;
        for (T v : x) untouched = untouched && std::isnan(v);
        CHECK(untouched, "%s unseeded rng: something was written", A::name);
    }

    std::array<T, D> x{};
    x.fill(poison);
    const std::array<T, D> u_bad{T(0.5), T(0), T(0.5), T(0.5)};
    CHECK(A::quantile(&m, u_bad.data(), x.data()) == mg::MIXGRAD_ERR_U_OUT_OF_RANGE && std::isnan(x[0]),
          "%s u = 0 refused", A::name);
    CHECK(A::quantile(&m, u_bad.data(), nullptr) == mg::MIXGRAD_ERR_NULL_POINTER, "%s NULL x", A::name);
}

// The _work forms: each against its stack form (same status, same bits),
// a workspace one value short refused with nothing written, and K = 100
// (beyond MIXGRAD_MAX_COMPONENTS) accepted on a workspace only.
template <typename T> void test_workspace() {
    using A = api<T>;
    const params<T> p;
    const auto m = p.view();
    const std::size_t need = mg::mixgrad_diag_work_len(K);
    CHECK(need == 9 * K, "work_len(%zu) = %zu", K, need);
    std::array<T, 9 * K> work{};
    const std::array<T, D> x{T(0.2), T(-0.7), T(1.1), T(0.0)}, u{T(0.6), T(0.1), T(0.95), T(0.4)};
    using out = std::array<T, 1 + D + P + D * P>;
    // Runs `call(outputs, rng, component, work_len)` with work_len 0 meaning
    // the stack form.
    auto agree = [&](const char *what, auto call) {
        out o[3];
        mg::mixgrad_rng r[3];
        std::uint32_t c[3] = {7, 7, 7};
        mg::mixgrad_status s[3];
        const std::size_t lens[3] = {0, need, need - 1};
        for (int v = 0; v < 3; v++) {
            o[v].fill(T(-3));
            mg::mixgrad_rng_seed(&r[v], 17);
            s[v] = call(o[v].data(), &r[v], &c[v], lens[v]);
        }
        CHECK(s[0] == mg::MIXGRAD_OK && s[1] == mg::MIXGRAD_OK, "%s %s: %s / %s", A::name, what,
              mg::mixgrad_status_str(s[0]), mg::mixgrad_status_str(s[1]));
        CHECK(std::memcmp(&o[0], &o[1], sizeof(out)) == 0 && std::memcmp(&r[0], &r[1], sizeof r[0]) == 0 &&
                  c[0] == c[1],
              "%s %s: the work form differs from the stack form", A::name, what);
        mg::mixgrad_rng fresh;
        mg::mixgrad_rng_seed(&fresh, 17);
        bool untouched = c[2] == 7 && std::memcmp(&r[2], &fresh, sizeof fresh) == 0;
        for (T v : o[2]) untouched = untouched && v == T(-3);
        CHECK(s[2] == mg::MIXGRAD_ERR_SHORT_WORKSPACE && untouched, "%s %s, short workspace: %s", A::name, what,
              mg::mixgrad_status_str(s[2]));
    };
    T *w = work.data();
    agree("log_prob", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        return n ? A::log_prob_work(&m, x.data(), o, w, n) : A::log_prob(&m, x.data(), o);
    });
    agree("log_prob_grad", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        T *g = o + 1 + D;
        return n ? A::log_prob_grad_work(&m, x.data(), o, o + 1, g, g + K, g + K + KD, w, n)
                 : A::log_prob_grad(&m, x.data(), o, o + 1, g, g + K, g + K + KD);
    });
    agree("cdf", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        return n ? A::cdf_work(&m, x.data(), o, w, n) : A::cdf(&m, x.data(), o);
    });
    agree("quantile", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        return n ? A::quantile_work(&m, u.data(), o, w, n) : A::quantile(&m, u.data(), o);
    });
    agree("vjp", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        return n ? A::vjp_work(&m, x.data(), u.data(), o, o + K, o + K + KD, w, n)
                 : A::vjp(&m, x.data(), u.data(), o, o + K, o + K + KD);
    });
    agree("jacobian", [&](T *o, mg::mixgrad_rng *, std::uint32_t *, std::size_t n) {
        return n ? A::jacobian_work(&m, x.data(), o, w, n) : A::jacobian(&m, x.data(), o);
    });
    agree("sample_quantile", [&](T *o, mg::mixgrad_rng *r, std::uint32_t *, std::size_t n) {
        return n ? A::sample_quantile_work(&m, r, o, o + D, w, n) : A::sample_quantile(&m, r, o, o + D);
    });
    agree("sample_ancestral", [&](T *o, mg::mixgrad_rng *r, std::uint32_t *c, std::size_t n) {
        return n ? A::sample_ancestral_work(&m, r, o, c, w, n) : A::sample_ancestral(&m, r, o, c);
    });
    std::array<T, D> xo{};
    CHECK(A::cdf_work(&m, x.data(), xo.data(), nullptr, need) == mg::MIXGRAD_ERR_NULL_POINTER, "%s NULL work",
          A::name);
    CHECK(A::cdf_work(&m, x.data(), w + 1, w, need) == mg::MIXGRAD_ERR_OVERLAPPING_BUFFERS, "%s u over work",
          A::name);

    // K = 100: a mixture of 25 copies of the 4-component mixture below.
    constexpr std::size_t BK = 100, BD = 2;
    std::array<T, BK> logits{};
    std::array<T, BK * BD> means{}, scales{};
    for (std::size_t i = 0; i < BK; i++) {
        logits[i] = T(0.25 * double(i % 4));
        for (std::size_t d = 0; d < BD; d++) {
            means[i * BD + d] = T(double(i % 4) - 1.5 + 0.5 * double(d));
            scales[i * BD + d] = T(0.5 + 0.25 * double((i + d) % 4));
        }
    }
    const typename A::mixture big{std::uint32_t(BK), std::uint32_t(BD), logits.data(), means.data(),
                                  scales.data()};
    std::vector<T> bw(mg::mixgrad_diag_work_len(BK));
    std::array<T, BD> bx{}, bu{}, back{};
    mg::mixgrad_rng r;
    mg::mixgrad_rng_seed(&r, 3);
    CHECK(A::sample_quantile(&big, &r, bx.data(), bu.data()) == mg::MIXGRAD_ERR_TOO_MANY_COMPONENTS,
          "%s K = 100 on the stack", A::name);
    CHECK(A::sample_quantile_work(&big, &r, bx.data(), bu.data(), bw.data(), bw.size()) == mg::MIXGRAD_OK &&
              A::cdf_work(&big, bx.data(), back.data(), bw.data(), bw.size()) == mg::MIXGRAD_OK,
          "%s K = 100 on a workspace", A::name);
    for (std::size_t d = 0; d < BD; d++)
        CHECK(std::fabs(double(back[d]) - double(bu[d])) <= (sizeof(T) == 8 ? 1e-13 : 1e-5),
              "%s K = 100: cdf(sample) = u", A::name);
    CHECK(A::cdf_work(&big, bx.data(), back.data(), bw.data(), bw.size() - 1) == mg::MIXGRAD_ERR_SHORT_WORKSPACE,
          "%s K = 100 short workspace", A::name);
}


// ---- batches (docs/math.md §8): every _many and packed function ----------

template <typename T> struct batch_api;

template <> struct batch_api<double> {
    using batch = mg::mixgrad_diag_batch_f64;
    static constexpr auto log_prob_many = mg::mixgrad_diag_log_prob_many_f64;
    static constexpr auto log_prob_grad_many = mg::mixgrad_diag_log_prob_grad_many_f64;
    static constexpr auto cdf_many = mg::mixgrad_diag_cdf_many_f64;
    static constexpr auto quantile_many = mg::mixgrad_diag_quantile_many_f64;
    static constexpr auto vjp_many = mg::mixgrad_diag_vjp_many_f64;
    static constexpr auto first_zero_density_many = mg::mixgrad_diag_first_zero_density_many_f64;
    static constexpr auto sample_quantile_many = mg::mixgrad_diag_sample_quantile_many_f64;
    static constexpr auto sample_ancestral_many = mg::mixgrad_diag_sample_ancestral_many_f64;
    static constexpr auto validate = mg::mixgrad_diag_batch_validate_f64;
    static constexpr auto log_prob = mg::mixgrad_diag_batch_log_prob_f64;
    static constexpr auto log_prob_grad = mg::mixgrad_diag_batch_log_prob_grad_f64;
    static constexpr auto cdf = mg::mixgrad_diag_batch_cdf_f64;
    static constexpr auto quantile = mg::mixgrad_diag_batch_quantile_f64;
    static constexpr auto vjp = mg::mixgrad_diag_batch_vjp_f64;
    static constexpr auto first_zero_density = mg::mixgrad_diag_batch_first_zero_density_f64;
    static constexpr auto sample_quantile = mg::mixgrad_diag_batch_sample_quantile_f64;
    static constexpr auto sample_ancestral = mg::mixgrad_diag_batch_sample_ancestral_f64;
    static double poison() {
        const std::uint64_t bits = 0x7ff8deadbeef0001u;
        double v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
};

template <> struct batch_api<float> {
    using batch = mg::mixgrad_diag_batch_f32;
    static constexpr auto log_prob_many = mg::mixgrad_diag_log_prob_many_f32;
    static constexpr auto log_prob_grad_many = mg::mixgrad_diag_log_prob_grad_many_f32;
    static constexpr auto cdf_many = mg::mixgrad_diag_cdf_many_f32;
    static constexpr auto quantile_many = mg::mixgrad_diag_quantile_many_f32;
    static constexpr auto vjp_many = mg::mixgrad_diag_vjp_many_f32;
    static constexpr auto first_zero_density_many = mg::mixgrad_diag_first_zero_density_many_f32;
    static constexpr auto sample_quantile_many = mg::mixgrad_diag_sample_quantile_many_f32;
    static constexpr auto sample_ancestral_many = mg::mixgrad_diag_sample_ancestral_many_f32;
    static constexpr auto validate = mg::mixgrad_diag_batch_validate_f32;
    static constexpr auto log_prob = mg::mixgrad_diag_batch_log_prob_f32;
    static constexpr auto log_prob_grad = mg::mixgrad_diag_batch_log_prob_grad_f32;
    static constexpr auto cdf = mg::mixgrad_diag_batch_cdf_f32;
    static constexpr auto quantile = mg::mixgrad_diag_batch_quantile_f32;
    static constexpr auto vjp = mg::mixgrad_diag_batch_vjp_f32;
    static constexpr auto first_zero_density = mg::mixgrad_diag_batch_first_zero_density_f32;
    static constexpr auto sample_quantile = mg::mixgrad_diag_batch_sample_quantile_f32;
    static constexpr auto sample_ancestral = mg::mixgrad_diag_batch_sample_ancestral_f32;
    static float poison() {
        const std::uint32_t bits = 0x7fc0deadu;
        float v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
};

template <typename T> bool same_bits(const std::vector<T> &a, const std::vector<T> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <typename T> std::vector<T> poisoned(std::size_t n) { return std::vector<T>(n, batch_api<T>::poison()); }

// n points of one mixture (the params above), and n different mixtures
// packed (mixture i: the params with scales stretched by 1 + i/8 and the
// logits shifted), against the single calls, bit for bit.
template <typename T> void test_batches_against_single_calls() {
    using A = api<T>;
    using B = batch_api<T>;
    const params<T> p;
    const auto m = p.view();
    // 66 rows: past the 64-row blocks of the uint32_t components.
    constexpr std::size_t N = 66;
    std::vector<T> u(N * D), x(N * D, T(0)), xb(N * D);
    for (std::size_t i = 0; i < N * D; i++) {
        u[i] = T(0.02 + 0.96 * double((i * 37) % (N * D)) / double(N * D));
        xb[i] = T(1.0 - 0.1 * double(i % 7));
    }
    CHECK(B::quantile_many(&m, N, u.data(), x.data()) == mg::MIXGRAD_OK, "%s quantile_many", A::name);
    std::vector<T> one(1 + 2 * D + P), want(N * D);
    // quantile and cdf, row by row.
    std::vector<T> back = poisoned<T>(N * D), back1 = poisoned<T>(N * D);
    CHECK(B::cdf_many(&m, N, x.data(), back.data()) == mg::MIXGRAD_OK, "%s cdf_many", A::name);
    for (std::size_t i = 0; i < N; i++) {
        A::quantile(&m, u.data() + i * D, want.data() + i * D);
        A::cdf(&m, x.data() + i * D, back1.data() + i * D);
    }
    CHECK(same_bits(x, want) && same_bits(back, back1), "%s quantile_many / cdf_many are the single calls", A::name);
    // log q and its gradients: per row, and summed in row order from +0.
    std::vector<T> lp = poisoned<T>(N), lp1(N), gx = poisoned<T>(N * D), gx1(N * D);
    std::vector<T> g = poisoned<T>(P), sum(P, T(0)), gs(P);
    CHECK(B::log_prob_grad_many(&m, N, x.data(), lp.data(), gx.data(), g.data(), g.data() + K, g.data() + K + KD) ==
              mg::MIXGRAD_OK,
          "%s log_prob_grad_many", A::name);
    for (std::size_t i = 0; i < N; i++) {
        A::log_prob_grad(&m, x.data() + i * D, &lp1[i], gx1.data() + i * D, gs.data(), gs.data() + K,
                         gs.data() + K + KD);
        for (std::size_t j = 0; j < P; j++) sum[j] += gs[j];
    }
    CHECK(same_bits(lp, lp1) && same_bits(gx, gx1) && same_bits(g, sum), "%s log_prob_grad_many rows and sum",
          A::name);
    std::vector<T> lp_only = poisoned<T>(N);
    CHECK(B::log_prob_many(&m, N, x.data(), lp_only.data()) == mg::MIXGRAD_OK && same_bits(lp_only, lp1),
          "%s log_prob_many", A::name);
    // vjp summed over the rows.
    std::fill(sum.begin(), sum.end(), T(0));
    g = poisoned<T>(P);
    CHECK(B::vjp_many(&m, N, x.data(), xb.data(), g.data(), g.data() + K, g.data() + K + KD) == mg::MIXGRAD_OK,
          "%s vjp_many", A::name);
    for (std::size_t i = 0; i < N; i++) {
        A::vjp(&m, x.data() + i * D, xb.data() + i * D, gs.data(), gs.data() + K, gs.data() + K + KD);
        for (std::size_t j = 0; j < P; j++) sum[j] += gs[j];
    }
    CHECK(same_bits(g, sum), "%s vjp_many is the row-order sum of the single vjps", A::name);
    std::size_t row = 12345;
    CHECK(B::first_zero_density_many(&m, N, x.data(), &row) == mg::MIXGRAD_OK && row == N,
          "%s first_zero_density_many: none", A::name);

    // Samplers, with and without the optional outputs.
    for (int opt = 0; opt < 2; opt++) {
        mg::mixgrad_rng a{}, s{};
        mg::mixgrad_rng_seed(&a, 41);
        mg::mixgrad_rng_seed(&s, 41);
        std::vector<T> xs = poisoned<T>(N * D), us = poisoned<T>(N * D), x1(N * D), u1(N * D);
        std::vector<std::uint32_t> ks(N, 0xdeadbeefu), k1(N);
        CHECK(B::sample_quantile_many(&m, &a, N, xs.data(), opt ? us.data() : nullptr) == mg::MIXGRAD_OK,
              "%s sample_quantile_many", A::name);
        CHECK(B::sample_ancestral_many(&m, &a, N, x.data(), opt ? ks.data() : nullptr) == mg::MIXGRAD_OK,
              "%s sample_ancestral_many", A::name);
        std::vector<T> xa1(N * D);
        for (std::size_t i = 0; i < N; i++) A::sample_quantile(&m, &s, x1.data() + i * D, u1.data() + i * D);
        for (std::size_t i = 0; i < N; i++) A::sample_ancestral(&m, &s, xa1.data() + i * D, &k1[i]);
        bool comps = true;
        for (std::size_t i = 0; i < N; i++) comps = comps && ks[i] == (opt ? k1[i] : 0xdeadbeefu);
        CHECK(same_bits(xs, x1) && (opt ? same_bits(us, u1) : same_bits(us, poisoned<T>(N * D))) &&
                  same_bits(x, xa1) && comps && std::memcmp(&a, &s, sizeof a) == 0,
              "%s many samplers (optional outputs %d): the single draws", A::name, opt);
    }

    // The packed form: N different mixtures.
    std::vector<T> bl(N * K), bm(N * KD), bs(N * KD);
    for (std::size_t i = 0; i < N; i++) {
        for (std::size_t k = 0; k < K; k++) bl[i * K + k] = T(double(p.logits[k]) - 0.01 * double(i * k));
        for (std::size_t j = 0; j < KD; j++) {
            bm[i * KD + j] = p.means[j];
            bs[i * KD + j] = T(double(p.scales[j]) * (1.0 + double(i % 8) / 8.0));
        }
    }
    const typename B::batch b{N, std::uint32_t(K), std::uint32_t(D), bl.data(), bm.data(), bs.data()};
    auto mixture = [&](std::size_t i) {
        return typename A::mixture{std::uint32_t(K), std::uint32_t(D), bl.data() + i * K, bm.data() + i * KD,
                                   bs.data() + i * KD};
    };
    CHECK(B::validate(&b) == mg::MIXGRAD_OK, "%s batch validate", A::name);
    std::vector<T> bx = poisoned<T>(N * D), bx1(N * D), bu = poisoned<T>(N * D), bu1(N * D);
    CHECK(B::quantile(&b, u.data(), bx.data()) == mg::MIXGRAD_OK && B::cdf(&b, bx.data(), bu.data()) == mg::MIXGRAD_OK,
          "%s batch quantile / cdf", A::name);
    std::vector<T> blp = poisoned<T>(N), blp_only = poisoned<T>(N), blp1(N), bgx = poisoned<T>(N * D), bgx1(N * D);
    std::vector<T> bg = poisoned<T>(N * P), bg1(N * P), bv = poisoned<T>(N * P), bv1(N * P);
    T *ga = bg.data(), *gm = ga + N * K, *gsg = gm + N * KD, *va = bv.data(), *vm = va + N * K, *vs = vm + N * KD;
    CHECK(B::log_prob_grad(&b, bx.data(), blp.data(), bgx.data(), ga, gm, gsg) == mg::MIXGRAD_OK &&
              B::log_prob(&b, bx.data(), blp_only.data()) == mg::MIXGRAD_OK &&
              B::vjp(&b, bx.data(), xb.data(), va, vm, vs) == mg::MIXGRAD_OK,
          "%s batch log_prob_grad / log_prob / vjp", A::name);
    T *ga1 = bg1.data(), *gm1 = ga1 + N * K, *gs1 = gm1 + N * KD, *va1 = bv1.data(), *vm1 = va1 + N * K,
      *vs1 = vm1 + N * KD;
    for (std::size_t i = 0; i < N; i++) {
        const auto mi = mixture(i);
        A::quantile(&mi, u.data() + i * D, bx1.data() + i * D);
        A::cdf(&mi, bx.data() + i * D, bu1.data() + i * D);
        A::log_prob_grad(&mi, bx.data() + i * D, &blp1[i], bgx1.data() + i * D, ga1 + i * K, gm1 + i * KD,
                         gs1 + i * KD);
        A::vjp(&mi, bx.data() + i * D, xb.data() + i * D, va1 + i * K, vm1 + i * KD, vs1 + i * KD);
    }
    CHECK(same_bits(bx, bx1) && same_bits(bu, bu1), "%s batch quantile / cdf are the single calls", A::name);
    CHECK(same_bits(blp, blp1) && same_bits(blp_only, blp1) && same_bits(bgx, bgx1) && same_bits(bg, bg1),
          "%s batch log_prob_grad rows are the single calls", A::name);
    CHECK(same_bits(bv, bv1), "%s batch vjp rows are the single vjps", A::name);
    row = 12345;
    CHECK(B::first_zero_density(&b, bx.data(), &row) == mg::MIXGRAD_OK && row == N, "%s batch locator: none",
          A::name);
    for (int opt = 0; opt < 2; opt++) {
        mg::mixgrad_rng a{}, s{};
        mg::mixgrad_rng_seed(&a, 43);
        mg::mixgrad_rng_seed(&s, 43);
        std::vector<T> xs = poisoned<T>(N * D), us = poisoned<T>(N * D), x1(N * D), u1(N * D), xa = poisoned<T>(N * D),
                       xa1(N * D);
        std::vector<std::uint32_t> ks(N, 0xdeadbeefu), k1(N);
        CHECK(B::sample_quantile(&b, &a, xs.data(), opt ? us.data() : nullptr) == mg::MIXGRAD_OK &&
                  B::sample_ancestral(&b, &a, xa.data(), opt ? ks.data() : nullptr) == mg::MIXGRAD_OK,
              "%s batch samplers", A::name);
        for (std::size_t i = 0; i < N; i++) {
            const auto mi = mixture(i);
            A::sample_quantile(&mi, &s, x1.data() + i * D, u1.data() + i * D);
        }
        for (std::size_t i = 0; i < N; i++) {
            const auto mi = mixture(i);
            A::sample_ancestral(&mi, &s, xa1.data() + i * D, &k1[i]);
        }
        bool comps = true;
        for (std::size_t i = 0; i < N; i++) comps = comps && ks[i] == (opt ? k1[i] : 0xdeadbeefu);
        CHECK(same_bits(xs, x1) && (opt ? same_bits(us, u1) : same_bits(us, poisoned<T>(N * D))) &&
                  same_bits(xa, xa1) && comps && std::memcmp(&a, &s, sizeof a) == 0,
              "%s batch samplers (optional outputs %d): the single draws", A::name, opt);
    }
}

// n = 0, NULL, a bad row, overlap, n*D overflow and zero density: statuses,
// with every output (poisoned by bits) and the generator untouched.
template <typename T> void test_batch_refusals() {
    using A = api<T>;
    using B = batch_api<T>;
    const params<T> p;
    const auto m = p.view();
    constexpr std::size_t N = 3;
    const std::vector<T> x{T(0.1), T(-0.4), T(1.2), T(0.3),  T(-2.0), T(0.8),
                           T(0.0), T(0.5),  T(1.0), T(-1.0), T(0.2),  T(0.6)};
    std::vector<T> out = poisoned<T>(N * P + N * D + N);
    const std::vector<T> untouched = out;
    T *o = out.data();
    mg::mixgrad_rng rng{}, rng0{};
    mg::mixgrad_rng_seed(&rng0, 9);
    rng = rng0;
    std::uint32_t comp[N] = {7, 7, 7};
    auto refused = [&](mg::mixgrad_status got, mg::mixgrad_status want, const char *what) {
        CHECK(got == want, "%s %s: %s, want %s", A::name, what, mg::mixgrad_status_str(got),
              mg::mixgrad_status_str(want));
        CHECK(same_bits(out, untouched) && std::memcmp(&rng, &rng0, sizeof rng) == 0 && comp[0] == 7 &&
                  comp[2] == 7,
              "%s %s: something was written", A::name, what);
    };

    // n = 0: the row arrays may be NULL; the summed gradients are +0.
    std::vector<T> sum = poisoned<T>(P);
    CHECK(B::vjp_many(&m, 0, nullptr, nullptr, sum.data(), sum.data() + K, sum.data() + K + KD) == mg::MIXGRAD_OK,
          "%s n = 0 vjp_many", A::name);
    bool zeros = true;
    for (T v : sum) zeros = zeros && v == T(0) && !std::signbit(v);
    CHECK(zeros, "%s n = 0: the empty sum is +0", A::name);
    sum = poisoned<T>(P);
    CHECK(B::log_prob_grad_many(&m, 0, nullptr, nullptr, nullptr, sum.data(), nullptr, nullptr) == mg::MIXGRAD_OK &&
              sum[0] == T(0) && sum[K - 1] == T(0),
          "%s n = 0 log_prob_grad_many", A::name);
    std::size_t row = 99;
    const typename B::batch none{0, std::uint32_t(K), std::uint32_t(D), nullptr, nullptr, nullptr};
    CHECK(B::log_prob_many(&m, 0, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::cdf_many(&m, 0, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::quantile_many(&m, 0, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::sample_quantile_many(&m, &rng, 0, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::sample_ancestral_many(&m, &rng, 0, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::first_zero_density_many(&m, 0, nullptr, &row) == mg::MIXGRAD_OK && row == 0,
          "%s n = 0, many forms", A::name);
    row = 99;
    CHECK(B::validate(&none) == mg::MIXGRAD_OK && B::log_prob(&none, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::log_prob_grad(&none, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::cdf(&none, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::quantile(&none, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::vjp(&none, nullptr, nullptr, nullptr, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::sample_quantile(&none, &rng, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::sample_ancestral(&none, &rng, nullptr, nullptr) == mg::MIXGRAD_OK &&
              B::first_zero_density(&none, nullptr, &row) == mg::MIXGRAD_OK && row == 0 &&
              std::memcmp(&rng, &rng0, sizeof rng) == 0,
          "%s n = 0, packed forms; the generator untouched", A::name);
    mg::mixgrad_rng zero{};
    CHECK(B::sample_quantile_many(&m, &zero, 0, nullptr, nullptr) == mg::MIXGRAD_ERR_UNSEEDED_RNG &&
              B::sample_ancestral(&none, &zero, nullptr, nullptr) == mg::MIXGRAD_ERR_UNSEEDED_RNG,
          "%s n = 0 still refuses an unseeded generator", A::name);

    // NULL row arrays with n > 0, the batch's arrays.
    T *lp = o, *rows = o + N, *g = o + N + N * D;
    refused(B::log_prob_many(&m, N, nullptr, lp), mg::MIXGRAD_ERR_NULL_POINTER, "NULL x");
    refused(B::vjp_many(&m, N, x.data(), nullptr, g, g + K, g + K + KD), mg::MIXGRAD_ERR_NULL_POINTER, "NULL x_bar");
    refused(B::sample_ancestral_many(&m, &rng, N, nullptr, comp), mg::MIXGRAD_ERR_NULL_POINTER, "NULL x (sampler)");
    refused(B::log_prob_grad_many(&m, N, x.data(), nullptr, rows, nullptr, nullptr, nullptr),
            mg::MIXGRAD_ERR_NULL_POINTER, "NULL log_prob");
    std::vector<T> bl(N * K), bm(N * KD), bs(N * KD);
    for (std::size_t i = 0; i < N; i++) {
        std::copy(p.logits.begin(), p.logits.end(), bl.begin() + i * K);
        std::copy(p.means.begin(), p.means.end(), bm.begin() + i * KD);
        std::copy(p.scales.begin(), p.scales.end(), bs.begin() + i * KD);
    }
    typename B::batch b{N, std::uint32_t(K), std::uint32_t(D), bl.data(), bm.data(), nullptr};
    refused(B::cdf(&b, x.data(), rows), mg::MIXGRAD_ERR_NULL_POINTER, "NULL b->scales");
    b.scales = bs.data();
    refused(B::first_zero_density(&b, x.data(), nullptr), mg::MIXGRAD_ERR_NULL_POINTER, "NULL row");

    // A bad row (the last point, or the middle mixture).
    std::vector<T> bad = x;
    bad[N * D - 1] = std::numeric_limits<T>::infinity();
    refused(B::cdf_many(&m, N, bad.data(), rows), mg::MIXGRAD_ERR_NONFINITE_X, "x in the last row");
    refused(B::log_prob(&b, bad.data(), lp), mg::MIXGRAD_ERR_NONFINITE_X, "batch: x in the last row");
    refused(B::vjp(&b, x.data(), bad.data(), g, g + N * K, g + N * (K + KD)), mg::MIXGRAD_ERR_NONFINITE_COTANGENT,
            "batch: x_bar in the last row");
    refused(B::quantile_many(&m, N, x.data(), rows), mg::MIXGRAD_ERR_U_OUT_OF_RANGE, "u outside (0,1)");
    bs[KD + 3] = T(0);
    refused(B::sample_ancestral(&b, &rng, rows, comp), mg::MIXGRAD_ERR_NONPOSITIVE_SCALE, "batch: zero scale");
    refused(B::validate(&b), mg::MIXGRAD_ERR_NONPOSITIVE_SCALE, "batch validate: zero scale");
    bs[KD + 3] = p.scales[3];

    // Overlap and n*D overflow.
    refused(B::cdf_many(&m, N, rows, rows + N * D - 1), mg::MIXGRAD_ERR_OVERLAPPING_BUFFERS, "u over x");
    refused(B::vjp(&b, x.data(), x.data(), g, g + N * K - 1, g + N * (K + KD)), mg::MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            "batch: means_bar over logits_bar");
    refused(B::sample_quantile(&b, &rng, rows, bm.data() + N * KD - 1), mg::MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            "batch: u over b->means");
    const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
    refused(B::log_prob_many(&m, huge, x.data(), lp), mg::MIXGRAD_ERR_SIZE_OVERFLOW, "n*D overflow");
    refused(B::sample_ancestral_many(&m, &rng, huge, rows, comp), mg::MIXGRAD_ERR_SIZE_OVERFLOW,
            "n*D overflow (sampler)");
    const typename B::batch hb{huge, std::uint32_t(K), std::uint32_t(D), bl.data(), bm.data(), bs.data()};
    refused(B::vjp(&hb, x.data(), x.data(), g, g, g), mg::MIXGRAD_ERR_SIZE_OVERFLOW, "batch n*K overflow");

    // Zero density: means -40 and 40, scale 1; x = 0 is deep in the gap.
    const std::array<T, 2> zl{T(0), T(0)}, zm{T(-40), T(40)}, zs{T(1), T(1)};
    const typename A::mixture gap{2, 1, zl.data(), zm.data(), zs.data()};
    const std::vector<T> zx{T(-40.5), T(0), T(39)}, ones(3, T(1));
    refused(B::vjp_many(&gap, 3, zx.data(), ones.data(), g, g + 2, g + 4), mg::MIXGRAD_ERR_ZERO_DENSITY,
            "zero density: vjp_many");
    row = 99;
    CHECK(B::first_zero_density_many(&gap, 3, zx.data(), &row) == mg::MIXGRAD_OK && row == 1,
          "%s the locator names row 1 (got %zu)", A::name, row);
    const std::array<T, 6> gl{}, gm2{T(-40), T(40), T(-40), T(40), T(-40), T(40)};
    const std::array<T, 6> gs2{T(1), T(1), T(1), T(1), T(1), T(1)};
    const typename B::batch gb{3, 2, 1, gl.data(), gm2.data(), gs2.data()};
    refused(B::vjp(&gb, zx.data(), ones.data(), g, g + 6, g + 12), mg::MIXGRAD_ERR_ZERO_DENSITY,
            "zero density: batch vjp");
    row = 99;
    CHECK(B::first_zero_density(&gb, zx.data(), &row) == mg::MIXGRAD_OK && row == 1,
          "%s the batch locator names mixture 1 (got %zu)", A::name, row);
}

// ---- location-scale families (docs/math.md §9) ---------------------------

template <typename T> struct ls_api;

template <> struct ls_api<double> {
    using mixture = mg::mixgrad_locscale_f64;
    static constexpr auto validate = mg::mixgrad_locscale_validate_f64;
    static constexpr auto cdf = mg::mixgrad_locscale_cdf_f64;
    static constexpr auto quantile = mg::mixgrad_locscale_quantile_f64;
    static constexpr auto log_prob = mg::mixgrad_locscale_log_prob_f64;
    static constexpr auto log_prob_grad = mg::mixgrad_locscale_log_prob_grad_f64;
    static constexpr auto vjp = mg::mixgrad_locscale_vjp_f64;
    static constexpr auto jacobian = mg::mixgrad_locscale_jacobian_f64;
    static constexpr auto sample_quantile = mg::mixgrad_locscale_sample_quantile_f64;
    static constexpr auto sample_ancestral = mg::mixgrad_locscale_sample_ancestral_f64;
    static constexpr auto diag_validate = mg::mixgrad_diag_validate_f64;
    static constexpr double round_trip = 1e-12;  // relative
};

template <> struct ls_api<float> {
    using mixture = mg::mixgrad_locscale_f32;
    static constexpr auto validate = mg::mixgrad_locscale_validate_f32;
    static constexpr auto cdf = mg::mixgrad_locscale_cdf_f32;
    static constexpr auto quantile = mg::mixgrad_locscale_quantile_f32;
    static constexpr auto log_prob = mg::mixgrad_locscale_log_prob_f32;
    static constexpr auto log_prob_grad = mg::mixgrad_locscale_log_prob_grad_f32;
    static constexpr auto vjp = mg::mixgrad_locscale_vjp_f32;
    static constexpr auto jacobian = mg::mixgrad_locscale_jacobian_f32;
    static constexpr auto sample_quantile = mg::mixgrad_locscale_sample_quantile_f32;
    static constexpr auto sample_ancestral = mg::mixgrad_locscale_sample_ancestral_f32;
    static constexpr auto diag_validate = mg::mixgrad_diag_validate_f32;
    static constexpr double round_trip = 1e-4;
};

template <typename T> typename ls_api<T>::mixture locscale_of(const params<T> &p, std::uint32_t family) {
    return {family, std::uint32_t(K), std::uint32_t(D), p.logits.data(), p.means.data(), p.scales.data()};
}

// Where each operation writes in one buffer, side by side: log q, then
// log_prob_grad's (log q, D + P gradients), cdf, quantile, vjp (P), the
// quantile sampler's x and u, the ancestral x, the Jacobian (D*P).
constexpr std::size_t LPG = 1, CDF = LPG + 1 + D + P, QUA = CDF + D, VJP = QUA + D, SMQ = VJP + P,
                      SMA = SMQ + 2 * D, JAC = SMA + D, ALL = JAC + D * P;

// Every output of one run, a generator and a component.
template <typename T> struct outputs {
    std::array<T, ALL> v;
    mg::mixgrad_rng rng;
    std::uint32_t component;
    void reset(T fill) {
        v.fill(fill);
        mg::mixgrad_rng_seed(&rng, 21);
        component = 77;
    }
    bool same(const outputs &o) const {
        return std::memcmp(v.data(), o.v.data(), sizeof v) == 0 && std::memcmp(&rng, &o.rng, sizeof rng) == 0 &&
               component == o.component;
    }
};

// Every operation of the surface `A` (api<T> or ls_api<T>) once on `m`,
// `validate` first, writing into `o`.
template <typename A, typename T, typename M, typename V>
std::array<mg::mixgrad_status, 9> run_ops(V validate, const M &m, outputs<T> &o) {
    const std::array<T, D> x{T(-0.4), T(0.3), T(1.1), T(-1.5)}, u{T(0.3), T(0.8), T(0.55), T(0.1)};
    T *w = o.v.data();
    const std::size_t G = LPG + 1;
    return {validate(&m),
            A::log_prob(&m, x.data(), w),
            A::log_prob_grad(&m, x.data(), w + LPG, w + G, w + G + D, w + G + D + K, w + G + D + K + KD),
            A::cdf(&m, x.data(), w + CDF),
            A::quantile(&m, u.data(), w + QUA),
            A::vjp(&m, x.data(), u.data(), w + VJP, w + VJP + K, w + VJP + K + KD),
            A::jacobian(&m, x.data(), w + JAC),
            A::sample_quantile(&m, &o.rng, w + SMQ, w + SMQ + D),
            A::sample_ancestral(&m, &o.rng, w + SMA, &o.component)};
}

// MIXGRAD_FAMILY_GAUSSIAN is the diag surface bit for bit (both samplers
// from the same seed); every family round-trips cdf(quantile(u)) and has a
// finite vjp; an unknown family is refused by every function, nothing
// written.
template <typename T> void test_locscale() {
    using L = ls_api<T>;
    const char *name = api<T>::name;
    const params<T> p;
    outputs<T> a, b;
    a.reset(T(-7));
    b.reset(T(-7));
    const auto sd = run_ops<api<T>>(L::diag_validate, p.view(), a);
    const auto sl = run_ops<L>(L::validate, locscale_of(p, MIXGRAD_FAMILY_GAUSSIAN), b);
    CHECK(sd == sl && std::all_of(sd.begin(), sd.end(), [](mg::mixgrad_status s) { return s == mg::MIXGRAD_OK; }),
          "%s gaussian statuses", name);
    CHECK(a.same(b), "%s gaussian: other bits than diag", name);

    const std::array<std::array<T, D>, 2> us{{{T(0.3), T(0.5), T(0.9), T(1e-3)}, {T(0.999), T(0.02), T(0.75), T(0.5)}}};
    const std::array<T, D> xbar{T(1.0), T(-0.5), T(0.25), T(2.0)};
    for (std::uint32_t family = 0; family < 4; family++) {
        const auto m = locscale_of(p, family);
        for (const auto &u : us) {
            std::array<T, D> x{}, back{};
            std::array<T, P> g{};
            CHECK(L::quantile(&m, u.data(), x.data()) == mg::MIXGRAD_OK &&
                      L::cdf(&m, x.data(), back.data()) == mg::MIXGRAD_OK,
                  "%s family %u: quantile, cdf", name, family);
            for (std::size_t d = 0; d < D; d++) {
                CHECK(std::fabs(double(back[d]) - double(u[d])) <= L::round_trip * double(u[d]),
                      "%s family %u d=%zu: cdf(quantile(%.9g)) = %.17g", name, family, d, double(u[d]),
                      double(back[d]));
            }
            CHECK(L::vjp(&m, x.data(), xbar.data(), g.data(), g.data() + K, g.data() + K + KD) == mg::MIXGRAD_OK &&
                      std::all_of(g.begin(), g.end(), [](T v) { return std::isfinite(double(v)); }),
                  "%s family %u: vjp finite", name, family);
        }
    }

    for (std::uint32_t family : {4u, 0xffffffffu}) {
        a.reset(std::numeric_limits<T>::quiet_NaN());
        b = a;
        const auto s = run_ops<L>(L::validate, locscale_of(p, family), a);
        CHECK(std::all_of(s.begin(), s.end(), [](mg::mixgrad_status v) { return v == mg::MIXGRAD_ERR_UNKNOWN_FAMILY; }),
              "%s family %u refused", name, family);
        CHECK(a.same(b), "%s family %u: something was written", name, family);
    }
}

// Full-covariance mixtures (docs/math.md §10), both precisions: K = 1 is
// x = mu + L Phi^-1(u), cdf(quantile(u)) = u for a correlated mixture, a
// diagonal L is the diagonal mixture, and a workspace one value short is
// MIXGRAD_ERR_SHORT_WORKSPACE from every function with nothing written.
template <typename T> struct tril_api;

template <> struct tril_api<double> {
    using mixture = mg::mixgrad_tril_f64;
    static constexpr auto validate = mg::mixgrad_tril_validate_f64;
    static constexpr auto log_prob = mg::mixgrad_tril_log_prob_f64;
    static constexpr auto log_prob_grad = mg::mixgrad_tril_log_prob_grad_f64;
    static constexpr auto cdf = mg::mixgrad_tril_cdf_f64;
    static constexpr auto quantile = mg::mixgrad_tril_quantile_f64;
    static constexpr auto vjp = mg::mixgrad_tril_vjp_f64;
    static constexpr auto jacobian = mg::mixgrad_tril_jacobian_f64;
    static constexpr auto sample_quantile = mg::mixgrad_tril_sample_quantile_f64;
    static constexpr auto sample_ancestral = mg::mixgrad_tril_sample_ancestral_f64;
    static constexpr double tol = 1e-12, diag_tol = 1e-13;
};

template <> struct tril_api<float> {
    using mixture = mg::mixgrad_tril_f32;
    static constexpr auto validate = mg::mixgrad_tril_validate_f32;
    static constexpr auto log_prob = mg::mixgrad_tril_log_prob_f32;
    static constexpr auto log_prob_grad = mg::mixgrad_tril_log_prob_grad_f32;
    static constexpr auto cdf = mg::mixgrad_tril_cdf_f32;
    static constexpr auto quantile = mg::mixgrad_tril_quantile_f32;
    static constexpr auto vjp = mg::mixgrad_tril_vjp_f32;
    static constexpr auto jacobian = mg::mixgrad_tril_jacobian_f32;
    static constexpr auto sample_quantile = mg::mixgrad_tril_sample_quantile_f32;
    static constexpr auto sample_ancestral = mg::mixgrad_tril_sample_ancestral_f32;
    static constexpr double tol = 2e-5, diag_tol = 1e-5;
};

template <typename T> void test_tril() {
    using A = tril_api<T>;
    const char *name = api<T>::name;
    constexpr std::size_t DD = D * D, KDD = K * DD, TP = K + KD + KDD;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    const std::size_t need = mg::mixgrad_tril_work_len(K, D);
    CHECK(need == K * (5 + 3 * D), "tril work_len %zu", need);
    std::vector<T> work(need + 1, T(-5));

    // K = 1: x = mu + L Phi^-1(u), entries above the diagonal never read.
    const std::array<T, 1> a1{T(0)};
    const std::array<T, D> mu1{T(0.5), T(-1), T(2), T(0.25)};
    std::array<T, DD> l1{};
    for (std::size_t i = 0; i < D; i++) {
        for (std::size_t j = 0; j < D; j++) l1[i * D + j] = j > i ? nan : (j == i ? T(0.5 + 0.3 * i) : T(0.2 - 0.15 * j));
    }
    const typename A::mixture one{1, std::uint32_t(D), a1.data(), mu1.data(), l1.data()};
    const std::array<T, D> u{T(0.3), T(0.8), T(0.55), T(0.1)};
    std::array<T, D> x{}, back{};
    CHECK(A::validate(&one) == mg::MIXGRAD_OK && A::quantile(&one, u.data(), x.data(), work.data(), need) == mg::MIXGRAD_OK,
          "%s tril K=1 quantile", name);
    for (std::size_t d = 0; d < D; d++) {
        double want = double(mu1[d]);
        for (std::size_t j = 0; j <= d; j++) want += double(l1[d * D + j]) * ref_probit(double(u[j]));
        CHECK(std::fabs(double(x[d]) - want) <= A::tol * (1 + std::fabs(want)), "%s tril K=1 d=%zu: %.17g vs %.17g",
              name, d, double(x[d]), want);
    }

    // K = 3, correlated: the round trip.
    const params<T> p;
    std::array<T, KDD> l{};
    for (std::size_t i = 0; i < KDD; i++) {
        const std::size_t row = i % DD / D, col = i % D;
        l[i] = col > row ? nan : (col == row ? p.scales[i / DD * D + row] : T(0.1 * double((i % 7)) - 0.3));
    }
    const typename A::mixture m{std::uint32_t(K), std::uint32_t(D), p.logits.data(), p.means.data(), l.data()};
    CHECK(A::validate(&m) == mg::MIXGRAD_OK, "%s tril valid", name);
    CHECK(A::quantile(&m, u.data(), x.data(), work.data(), need) == mg::MIXGRAD_OK &&
              A::cdf(&m, x.data(), back.data(), work.data(), need) == mg::MIXGRAD_OK,
          "%s tril quantile, cdf", name);
    for (std::size_t d = 0; d < D; d++) {
        CHECK(std::fabs(double(back[d]) - double(u[d])) <= 10 * A::tol, "%s tril d=%zu: cdf(quantile(%g)) = %.17g",
              name, d, double(u[d]), double(back[d]));
    }

    // A diagonal L is the diagonal mixture.
    std::array<T, KDD> dl{};
    for (std::size_t i = 0; i < KDD; i++) {
        const std::size_t row = i % DD / D, col = i % D;
        dl[i] = col > row ? nan : (col == row ? p.scales[i / DD * D + row] : T(0));
    }
    const typename A::mixture md{std::uint32_t(K), std::uint32_t(D), p.logits.data(), p.means.data(), dl.data()};
    const auto diag = p.view();
    std::array<T, D> qt{}, qd{};
    T lt = 0, ld = 0;
    std::array<T, TP> gt{};
    std::array<T, P> gd{};
    CHECK(A::quantile(&md, u.data(), qt.data(), work.data(), need) == mg::MIXGRAD_OK &&
              api<T>::quantile(&diag, u.data(), qd.data()) == mg::MIXGRAD_OK &&
              A::log_prob(&md, qd.data(), &lt, work.data(), need) == mg::MIXGRAD_OK &&
              api<T>::log_prob(&diag, qd.data(), &ld) == mg::MIXGRAD_OK &&
              A::vjp(&md, qd.data(), u.data(), gt.data(), gt.data() + K, gt.data() + K + KD, work.data(), need) ==
                  mg::MIXGRAD_OK &&
              api<T>::vjp(&diag, qd.data(), u.data(), gd.data(), gd.data() + K, gd.data() + K + KD) == mg::MIXGRAD_OK,
          "%s diagonal L: statuses", name);
    bool same = std::fabs(double(lt) - double(ld)) <= A::diag_tol * (1 + std::fabs(double(ld)));
    for (std::size_t d = 0; d < D; d++) {
        same = same && std::fabs(double(qt[d]) - double(qd[d])) <= A::diag_tol * (1 + std::fabs(double(qd[d])));
    }
    for (std::size_t i = 0; i < K + KD; i++) {
        same = same && std::fabs(double(gt[i]) - double(gd[i])) <= A::diag_tol * (1 + std::fabs(double(gd[i])));
    }
    for (std::size_t kd = 0; kd < KD; kd++) {
        const double t = double(gt[K + KD + kd / D * DD + kd % D * (D + 1)]), s = double(gd[K + KD + kd]);
        same = same && std::fabs(t - s) <= A::diag_tol * (1 + std::fabs(s));
    }
    CHECK(same, "%s diagonal L: other results than the diagonal mixture", name);

    // One value short: refused by every function, nothing written.
    std::vector<T> o(2 + 6 * D + 2 * TP + D * TP, T(-3));
    const std::vector<T> before = o;
    const std::vector<T> work_before = work;
    mg::mixgrad_rng rng, fresh;
    mg::mixgrad_rng_seed(&rng, 4);
    fresh = rng;
    std::uint32_t c = 9;
    T *w = work.data(), *g = o.data() + 2, *cd = g + D + TP, *q = cd + D, *bars = q + D, *jac = bars + TP,
      *smp = jac + D * TP;
    const std::size_t n = need - 1;
    const std::array<mg::mixgrad_status, 8> s{
        A::log_prob(&m, x.data(), o.data(), w, n),
        A::log_prob_grad(&m, x.data(), o.data() + 1, g, g + D, g + D + K, g + D + K + KD, w, n),
        A::cdf(&m, x.data(), cd, w, n),
        A::quantile(&m, u.data(), q, w, n),
        A::vjp(&m, x.data(), u.data(), bars, bars + K, bars + K + KD, w, n),
        A::jacobian(&m, x.data(), jac, w, n),
        A::sample_quantile(&m, &rng, smp, smp + D, w, n),
        A::sample_ancestral(&m, &rng, smp + 2 * D, &c, w, n)};
    CHECK(std::all_of(s.begin(), s.end(), [](mg::mixgrad_status v) { return v == mg::MIXGRAD_ERR_SHORT_WORKSPACE; }),
          "%s tril short workspace refused", name);
    CHECK(std::memcmp(o.data(), before.data(), o.size() * sizeof(T)) == 0 &&
              std::memcmp(work.data(), work_before.data(), work.size() * sizeof(T)) == 0 &&
              std::memcmp(&rng, &fresh, sizeof rng) == 0 && c == 9,
          "%s tril short workspace: something was written", name);
}

}  // namespace

int main() {
    static_assert(std::is_same<decltype(mg::mixgrad_diag_f64::logits), const double *>::value, "layout");
    static_assert(sizeof(mg::mixgrad_rng) == 32, "rng is 4 x uint64_t");
    // The packed batch's fields, in the documented order.
    static_assert(std::is_same<decltype(mg::mixgrad_diag_batch_f64::batch), std::size_t>::value, "batch is size_t");
    static_assert(offsetof(mg::mixgrad_diag_batch_f64, num_components) == sizeof(std::size_t), "layout");
    static_assert(offsetof(mg::mixgrad_diag_batch_f64, num_dims) == sizeof(std::size_t) + 4, "layout");
    static_assert(offsetof(mg::mixgrad_diag_batch_f64, logits) < offsetof(mg::mixgrad_diag_batch_f64, means) &&
                      offsetof(mg::mixgrad_diag_batch_f64, means) < offsetof(mg::mixgrad_diag_batch_f64, scales),
                  "layout");
    static_assert(std::is_same<decltype(mg::mixgrad_diag_batch_f32::scales), const float *>::value, "layout");
    static_assert(offsetof(mg::mixgrad_locscale_f64, family) == 0 && offsetof(mg::mixgrad_locscale_f64, num_dims) == 8,
                  "layout");
    static_assert(MIXGRAD_FAMILY_GAUSSIAN == 0 && MIXGRAD_FAMILY_CAUCHY == 3, "family codes");
    CHECK(mg::MIXGRAD_OK == 0, "MIXGRAD_OK is 0");
    test_vjp_against_differences<double>();
    test_vjp_against_differences<float>();
    test_sampling_and_refusals<double>();
    test_sampling_and_refusals<float>();
    test_workspace<double>();
    test_workspace<float>();
    test_batches_against_single_calls<double>();
    test_batches_against_single_calls<float>();
    test_batch_refusals<double>();
    test_batch_refusals<float>();
    test_locscale<double>();
    test_locscale<float>();
    test_tril<double>();
    test_tril<float>();
    return support_summary("C++ suite");
}
