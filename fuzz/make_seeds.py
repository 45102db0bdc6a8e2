#!/usr/bin/env python3
"""Writes the committed seed corpus (fuzz/seeds/<target>/) for both targets.

Each seed is one problem in the byte layout documented in fuzz/src/lib.rs:
flags, K, D, then tagged values, the sampler seed and, for the families other
than the Gaussian, the family byte. The seeds cover the valid domain, its
extremes and every error path, so that fuzzing starts from inputs that
already reach every branch the decoder can name. Run from anywhere:
    python3 fuzz/make_seeds.py
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent

# Special-value tags (fuzz/src/lib.rs, Real::SPECIAL).
ZERO, NEG_ZERO, INF, NEG_INF, NAN, MIN_POS, SUBNORMAL = 0, 1, 2, 3, 4, 5, 6
BIG, NEG_BIG, TINY, TINIER, HALF, ONE_MINUS, EPS_HALF = 9, 10, 11, 12, 13, 14, 15
ONE, NEG_ONE, TWO = 16, 17, 18

F32, REPAIR_PARAMS, REPAIR_INPUTS = 1, 2, 4

# The family byte (docs/math.md §9): the MIXGRAD_FAMILY_* codes, and one no
# family has (the C target expects MIXGRAD_ERR_UNKNOWN_FAMILY; the Rust
# target reads it mod 4).
FAMILIES = {"logistic": 1, "laplace": 2, "cauchy": 3}
UNKNOWN_FAMILY = 255


def small(v):
    """A multiple of 1/16 in [-8, 8)."""
    return bytes([32, int(round(v * 16)) & 0xFF])


def special(tag):
    return bytes([tag])


def raw(v, f32):
    return bytes([255]) + (struct.pack("<f", v) if f32 else struct.pack("<d", v))


def problem(flags, k, d, logits, means, scales, u, x, x_bar, seed=7, family=None):
    f32 = bool(flags & F32)

    def enc(v):
        if isinstance(v, bytes):
            return v
        return raw(v, f32)

    out = bytes([flags, k, d])
    for group in (logits, means, scales, u, x, x_bar):
        out += b"".join(enc(v) for v in group)
    out += struct.pack("<Q", seed)
    # An input that ends before the family byte is Gaussian.
    return out if family is None else out + bytes([family])


def seeds():
    s = {}
    base = dict(
        k=2, d=2,
        logits=[small(-1.0), small(0.5)],
        means=[small(-1.0), small(0.0), small(2.0), small(1.0)],
        scales=[small(0.5), small(1.0), small(1.0), small(0.25)],
        u=[small(0.25), small(0.75)],
        x=[small(0.5), small(-0.5)],
        x_bar=[small(1.0), small(-2.0)],
    )
    for prec, name in ((0, "f64"), (F32, "f32")):
        s[f"valid_2x2_{name}"] = problem(prec, **base)
        # Extremes of the valid domain: weights 1e-300..1, scales 1e-150 and
        # 1e150, means at ±1e150, u at the contract's ends and exactly 1/2.
        s[f"extreme_{name}"] = problem(
            prec | REPAIR_PARAMS, 3, 2,
            [raw(-690.0, prec), small(0.0), special(NEG_INF)],
            [special(BIG), special(NEG_BIG), small(0.0), small(1.0), special(ZERO), special(NEG_ZERO)],
            [special(TINY), special(BIG), small(1.0), special(TINY), small(2.0), small(0.5)],
            [special(TINIER), special(ONE_MINUS)],
            [raw(1e6, prec), raw(-1e6, prec)],
            [small(1.0), small(1.0)],
        )
        s[f"subnormal_u_{name}"] = problem(
            prec, 2, 1, [small(0.0), small(0.0)], [small(-3.0), small(3.0)],
            [small(1.0), small(1.0)], [special(SUBNORMAL)], [special(MIN_POS)], [special(ONE)])
        s[f"half_u_duplicates_{name}"] = problem(
            prec, 3, 1, [small(0.0)] * 3, [small(1.0)] * 3, [small(2.0)] * 3,
            [special(HALF)], [small(1.0)], [small(1.0)])
        # Error paths, one per rule.
        bad = {
            "nan_logit": dict(base, logits=[special(NAN), small(0.0)]),
            "inf_logit": dict(base, logits=[small(0.0), special(INF)]),
            "no_active": dict(base, logits=[special(NEG_INF), special(NEG_INF)]),
            "inf_mean": dict(base, means=[small(0.0), special(INF), small(0.0), small(0.0)]),
            "nan_scale": dict(base, scales=[small(1.0), small(1.0), special(NAN), small(1.0)]),
            "zero_scale": dict(base, scales=[small(1.0), special(ZERO), small(1.0), small(1.0)]),
            "negative_scale": dict(base, scales=[small(1.0), small(1.0), small(1.0), small(-1.0)]),
            "u_zero": dict(base, u=[special(ZERO), small(0.5)]),
            "u_one": dict(base, u=[small(0.5), special(ONE)]),
            "x_nan": dict(base, x=[special(NAN), small(0.0)]),
            "x_bar_inf": dict(base, x_bar=[small(0.0), special(NEG_INF)]),
            "zero_k": dict(base, k=0),
            "zero_d": dict(base, d=0),
        }
        for case, args in bad.items():
            s[f"{case}_{name}"] = problem(prec, **args)
        s[f"k65_{name}"] = problem(prec, **dict(base, k=255))
        s[f"k64_{name}"] = problem(prec | REPAIR_PARAMS | REPAIR_INPUTS, 254, 4, [], [], [], [], [], [])
        # Deep in a gap between two narrow, far-apart components.
        s[f"gap_{name}"] = problem(
            prec, 2, 1, [small(0.0), small(0.0)], [small(-8.0), small(7.0)],
            [raw(0.01, prec), raw(0.01, prec)], [small(0.5)], [small(0.0)], [small(1.0)])
    # C faults: NULL pointers (selector 16..23) and aliased outputs (24..31).
    for n in range(8):
        s[f"null_{n}"] = problem((16 + n) << 3, **base)
    s["alias"] = problem(24 << 3, **base)
    s["alias_f32"] = problem((24 << 3) | F32, **base)
    return s


def rows(top, optional_off=0):
    """The sampler seed 7 with the row choices for the batch forms (Rows::new
    in fuzz_targets/c_abi.rs, row_choice in fuzz_targets/rust_api.rs): the
    last byte picks the number of rows (by its value mod 8), nudged rows
    (bit 3), NULL arrays for n = 0 (bit 4, C only) and the Rust *_many forms
    on a view with ln sigma stored (bit 5, Rust only); the byte before it,
    inverted, the optional outputs (bit j set here: output j is not asked
    for)."""
    return 7 | (optional_off << 48) | (top << 56)


def batch_seeds():
    """The batch forms' shapes, for both targets (the other seeds give two
    rotated rows with every output)."""
    s = {}
    base = dict(
        k=2, d=2,
        logits=[small(-1.0), small(0.5)],
        means=[small(-1.0), small(0.0), small(2.0), small(1.0)],
        scales=[small(0.5), small(1.0), small(1.0), small(0.25)],
        u=[small(0.25), small(0.75)],
        x=[small(0.5), small(-0.5)],
        x_bar=[small(1.0), small(-2.0)],
    )
    gap = dict(
        k=2, d=1, logits=[small(0.0), small(0.0)], means=[small(-8.0), small(7.0)],
        scales=[0.01, 0.01], u=[small(0.5)], x=[small(0.0)], x_bar=[small(1.0)],
    )
    for prec, name in ((0, "f64"), (F32, "f32")):
        p = lambda seed, **args: problem(prec, seed=seed, **args)  # noqa: E731
        g = dict(gap, scales=[raw(0.01, prec), raw(0.01, prec)])
        s[f"batch_n0_{name}"] = p(rows(5), **base)
        s[f"batch_n0_null_{name}"] = p(rows(5 | 16), **base)
        s[f"batch_n0_nan_logit_{name}"] = p(rows(5 | 16), **dict(base, logits=[special(NAN), small(0.0)]))
        s[f"batch_n0_k65_{name}"] = p(rows(5), **dict(base, k=255))
        s[f"batch_n1_{name}"] = p(rows(1), **base)
        s[f"batch_n3_rotated_{name}"] = p(rows(2), **base)
        s[f"batch_n3_nudged_{name}"] = p(rows(2 | 8), **base)
        s[f"batch_n65_{name}"] = p(rows(6), **base)
        s[f"batch_optional_outputs_{name}"] = p(rows(3 | 8, 0b1010), **base)
        s[f"batch_no_optional_outputs_{name}"] = p(rows(3 | 8, 0b1111), **base)
        # Row 0 deep in the gap, rows 1 and 2 not: the locator names row 0.
        s[f"batch_gap_rows_{name}"] = p(rows(2), **g)
        # Rows x = 7, 0.5, -8: the middle one in the gap.
        s[f"batch_gap_middle_row_{name}"] = p(rows(2), **dict(g, x=[small(7.0)], x_bar=[small(-8.0)]))
        # Means and scales at the smallest subnormal, x 27 of them below:
        # |x - mu|/Z rounds to within one scale there, so only the exact
        # zero-density test may judge the rows (the screen stays off).
        tiny = 2.0**-149 if prec else 2.0**-1074
        s[f"batch_subnormal_scales_{name}"] = p(
            rows(2 | 8), k=3, d=1, logits=[small(0.0)] * 3, means=[special(SUBNORMAL)] * 3,
            scales=[special(SUBNORMAL)] * 3, u=[small(0.5)], x=[raw(-27 * tiny, prec)],
            x_bar=[small(1.0)])
        s[f"batch_x_bar_inf_{name}"] = p(rows(2), **dict(base, x_bar=[small(0.0), special(NEG_INF)]))
    return s


def rust_batch_seeds():
    """rust_api only: the *_many forms on a view with ln sigma stored."""
    s = {}
    for name, data in batch_seeds().items():
        if name.startswith(("batch_n3_rotated", "batch_n65_")):
            stored = data[:-1] + bytes([data[-1] | 32])
            s[name.replace("batch_", "batch_stored_log_scales_", 1)] = stored
    return s


def family_seeds():
    """The other families, for both targets: each Gaussian seed of the valid
    domain, its extremes, a gap, a half-u and a subnormal u, and the error
    paths of a bad scale and an out-of-range u, with the family byte
    appended; and an unknown family code."""
    s = {}
    kept = ("valid_2x2_", "extreme_", "subnormal_u_", "half_u_duplicates_", "gap_",
            "zero_scale_", "u_zero_", "x_nan_", "x_bar_inf_")
    for name, data in seeds().items():
        if not name.startswith(kept):
            continue
        for family, code in FAMILIES.items():
            s[f"{family}_{name}"] = data + bytes([code])
        if name.startswith("valid_2x2_"):
            s[f"unknown_family_{name}"] = data + bytes([UNKNOWN_FAMILY])
    return s


def tril_seeds():
    """rust_api only: full-covariance problems (docs/math.md §10; the
    tail after the family byte, TrilProblem in fuzz/src/lib.rs): the
    control byte (the workspace kind), then the entries below the
    diagonals, then those above. Valid factors with correlations, extreme
    and NaN entries above the diagonals, each refusal of a factor, and the
    per-call refusals on a full-covariance mixture."""
    s = {}
    gauss = 0  # the family byte: the diagonal checks run on the Gaussian
    base = dict(
        k=2, d=3,
        logits=[small(-1.0), small(0.5)],
        means=[small(-1.0), small(0.0), small(2.0), small(1.0), small(0.5), small(-3.0)],
        scales=[small(0.5), small(1.0), small(2.0), small(1.0), small(0.25), small(0.75)],
        u=[small(0.25), small(0.75), small(0.5)],
        x=[small(0.5), small(-0.5), small(1.0)],
        x_bar=[small(1.0), small(-2.0), small(0.5)],
    )
    lower = [small(0.5), small(-1.0), small(0.25), small(2.0), small(0.0), small(-0.5)]
    upper = [small(3.0)] * 6
    nan_upper = [special(NAN)] * 6
    for prec, name in ((0, "f64"), (F32, "f32")):
        enc = lambda vals: b"".join(v if isinstance(v, bytes) else raw(v, prec) for v in vals)  # noqa: E731

        def t(control, low, up, flags=0, **args):
            data = problem(prec | flags, **dict(base, **args), family=gauss)
            return data + bytes([control]) + enc(low) + enc(up)

        for control, kind in ((0, "stack"), (1, "slice"), (2, "longer_slice")):
            s[f"tril_valid_{kind}_{name}"] = t(control, lower, upper)
        s[f"tril_nan_above_{name}"] = t(0, lower, nan_upper)
        s[f"tril_inf_above_{name}"] = t(1, lower, [special(INF), special(NEG_INF)] * 3)
        # Extreme lower entries and scales: the repair flag keeps them finite.
        extreme = [special(BIG), special(NEG_BIG), special(TINY), raw(1e6, prec),
                   special(SUBNORMAL), raw(-1e6, prec)]
        s[f"tril_extreme_{name}"] = t(
            0, extreme, nan_upper, flags=REPAIR_PARAMS | REPAIR_INPUTS,
            scales=[special(TINY), special(BIG), small(1.0), special(MIN_POS), small(2.0),
                    special(SUBNORMAL)],
            u=[special(TINIER), special(ONE_MINUS), special(HALF)])
        # One component, K = D = 4: x = mu + L Phi^-1(u).
        s[f"tril_k1_d4_{name}"] = t(
            1, [small(0.5), small(-0.25), small(1.0), small(0.125), small(-2.0), small(0.75)],
            nan_upper, k=1, d=4, logits=[small(0.0)],
            means=[small(1.0), small(-1.0), small(0.0), small(2.0)],
            scales=[small(1.0), small(0.5), small(2.0), small(0.25)],
            u=[small(0.125), small(0.5), small(0.875), special(ONE_MINUS)],
            x=[small(1.0), small(1.0), small(-1.0), small(0.0)],
            x_bar=[small(1.0)] * 4)
        s[f"tril_k4_d4_{name}"] = t(
            2, [small(((i * 7) % 11 - 5) / 4) for i in range(24)], [small(1.0)] * 24,
            k=4, d=4, logits=[small(0.0), small(-1.0), small(1.0), small(0.5)],
            means=[small(((i * 5) % 9 - 4) / 2) for i in range(16)],
            scales=[small(0.25 + (i % 5) / 4) for i in range(16)],
            u=[small(0.125), small(0.5), small(0.875), small(0.25)],
            x=[small(1.0), small(0.5), small(-1.0), small(0.0)],
            x_bar=[small(1.0), small(-1.0), small(0.5), small(2.0)])
        # A narrow-gap mixture, correlated: the flat-gap solve.
        s[f"tril_gap_{name}"] = t(
            0, [small(4.0), small(-4.0)], [special(NAN)] * 2, k=2, d=2,
            logits=[small(0.0), small(0.0)],
            means=[small(-8.0), small(0.0), small(7.0), small(0.0)],
            scales=[raw(0.01, prec), small(1.0), raw(0.01, prec), small(0.5)],
            u=[small(0.5), small(0.5)], x=[small(0.0), small(0.0)], x_bar=[small(1.0)] * 2)
        # Refusals of a factor, in the order they are checked.
        s[f"tril_nan_lower_{name}"] = t(0, [small(0.5), special(NAN)] + lower[2:], upper)
        s[f"tril_inf_lower_{name}"] = t(1, lower[:5] + [special(NEG_INF)], upper)
        s[f"tril_zero_diagonal_{name}"] = t(
            0, lower, upper, scales=base["scales"][:4] + [special(ZERO)] + base["scales"][5:])
        s[f"tril_negative_diagonal_{name}"] = t(
            0, lower, upper, scales=[small(-0.5)] + base["scales"][1:])
        # Per-call refusals.
        s[f"tril_x_nan_{name}"] = t(0, lower, upper, x=[small(0.0), special(NAN), small(0.0)])
        s[f"tril_x_bar_inf_{name}"] = t(1, lower, upper, x_bar=[small(0.0)] * 2 + [special(INF)])
        s[f"tril_u_zero_{name}"] = t(2, lower, upper, u=[special(ZERO), small(0.5), small(0.5)])
        s[f"tril_u_one_{name}"] = t(0, lower, upper, u=[small(0.5), small(0.5), special(ONE)])
        s[f"tril_zero_k_{name}"] = t(0, [], [], k=0)
        s[f"tril_zero_d_{name}"] = t(0, [], [], d=0)
    return s


def main():
    for target in ("rust_api", "c_abi"):
        out = HERE / "seeds" / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in seeds().items():
            (out / name).write_bytes(data)
        for name, data in batch_seeds().items():
            (out / name).write_bytes(data)
        for name, data in family_seeds().items():
            (out / name).write_bytes(data)
    for name, data in rust_batch_seeds().items():
        (HERE / "seeds" / "rust_api" / name).write_bytes(data)
    for name, data in tril_seeds().items():
        (HERE / "seeds" / "rust_api" / name).write_bytes(data)


if __name__ == "__main__":
    main()
