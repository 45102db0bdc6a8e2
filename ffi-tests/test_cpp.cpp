// The C++17 suite: the header used from inside a namespace with std::array
// data, both precisions through one template, the vjp against central
// differences of the quantile map (an independent check of the gradient),
// reproducible sampling, and refusals that write nothing.
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

}  // namespace

int main() {
    static_assert(std::is_same<decltype(mg::mixgrad_diag_f64::logits), const double *>::value, "layout");
    static_assert(sizeof(mg::mixgrad_rng) == 32, "rng is 4 x uint64_t");
    CHECK(mg::MIXGRAD_OK == 0, "MIXGRAD_OK is 0");
    test_vjp_against_differences<double>();
    test_vjp_against_differences<float>();
    test_sampling_and_refusals<double>();
    test_sampling_and_refusals<float>();
    test_workspace<double>();
    test_workspace<float>();
    return support_summary("C++ suite");
}
