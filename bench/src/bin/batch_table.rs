//! The batch calls against loops of single calls, as a Markdown table:
//!
//! ```text
//! cargo run --release -p mixgrad-bench --bin batch_table [-- --quick]
//! cargo run --release -p mixgrad-bench --bin batch_table --features rayon
//! ```
//!
//! For f32 and f64, K ∈ {1, 8, 32}, D ∈ {1, 4, 32, 128}, n ∈ {1, 64, 1024}
//! and the operations `sample_quantile+vjp` (a training step), `vjp`,
//! `log_prob` and `cdf`, the nanoseconds per sample (per row) of
//!
//! * **loop**: `n` single calls on one view, as a Rust caller holding the
//!   view makes them (for the summed gradient, the caller's own adding of
//!   each single `vjp` into the totals: the work `vjp_many` does);
//! * **loop+new**: the same with `DiagMixtureRef::new` (validation) before
//!   every single call, which is what each call of the C ABI does;
//! * **many**: one `*_many` call for the `n` points of that mixture
//!   (`sample_quantile_many` then `vjp_many`, summed);
//! * the same three for `n` *different* mixtures of one `K` and `D`, one
//!   point each: a loop over `n` views (outputs per mixture), that loop
//!   with `new` before every call, and one call of `DiagBatchRef`
//!   (`sample_quantile` then the per-mixture `vjp`);
//!
//! and the ratios loop / many and loop / batch, all measured in the same
//! run, interleaved round by round (best of 5 rounds of at least 10 ms
//! each; 3 rounds when one call takes longer than 100 ms).
//!
//! The clock: on one thread (the `rayon` feature off), the thread's CPU
//! time, so that other processes on a shared machine do not count (`--wall`
//! for the wall clock instead); with `rayon`, the wall clock, the only one
//! that sees the work of several threads (so that table needs a quiet
//! machine).
//!
//! Options: `--quick` (a small grid, short timings: a smoke run), `--wall`;
//! filters
//! `--prec f32,f64`, `--op sample_quantile+vjp,vjp,log_prob,cdf`,
//! `--k 1,8,32`, `--d 1,4,32,128`, `--n 1,64,1024` to re-measure a part.
//!
//! Every timed loop is checked to allocate nothing (a counting global
//! allocator). With the `rayon` feature the `many` and `batch` calls run
//! on rayon's threads and may allocate (their buffers and rayon's jobs):
//! their allocations per call are reported instead; the loops stay on one
//! thread and are still checked.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use mixgrad_bench::clock::Clock;

use mixgrad::{DiagBatchRef, DiagMixtureRef, Float, SeedableRng, Xoshiro256PlusPlus};

use mixgrad_bench::counting_alloc::{allocations, Counting};
use mixgrad_bench::problem::{batch_problem, x_bar};
use mixgrad_bench::report;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    SampleVjp,
    Vjp,
    LogProb,
    Cdf,
}

impl Op {
    const ALL: [Op; 4] = [Op::SampleVjp, Op::Vjp, Op::LogProb, Op::Cdf];

    fn name(self) -> &'static str {
        match self {
            Op::SampleVjp => "sample_quantile+vjp",
            Op::Vjp => "vjp",
            Op::LogProb => "log_prob",
            Op::Cdf => "cdf",
        }
    }

    /// What the three forms of the operation call.
    fn calls(self) -> &'static str {
        match self {
            Op::SampleVjp => {
                "loop: `sample_quantile` then `vjp` per row, the caller adding each \
                 gradient into the totals; many: `sample_quantile_many` then `vjp_many` \
                 (summed); batch: `DiagBatchRef::sample_quantile` then `DiagBatchRef::vjp` \
                 (per mixture)"
            }
            Op::Vjp => {
                "loop: `vjp` per row, the caller adding each gradient into the totals; \
                 many: `vjp_many` (summed); batch: `DiagBatchRef::vjp` (per mixture)"
            }
            Op::LogProb => {
                "loop: `log_prob` per row; many: `log_prob_many`; batch: `DiagBatchRef::log_prob`"
            }
            Op::Cdf => "loop: `cdf` per row; many: `cdf_many`; batch: `DiagBatchRef::cdf`",
        }
    }
}

/// What to measure and how long.
struct Settings {
    quick: bool,
    precisions: Vec<String>,
    ops: Vec<Op>,
    ks: Vec<usize>,
    ds: Vec<usize>,
    ns: Vec<usize>,
    /// Seconds each timed round of a variant lasts at least.
    round_seconds: f64,
    /// Rounds (the best is kept).
    rounds: usize,
    clock: Clock,
    /// Whether to print the cost of the zero-density pre-pass.
    prepass: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: batch_table [--quick] [--wall] [--prec f32,f64] [--op sample_quantile+vjp,vjp,log_prob,cdf,prepass] \
         [--k 1,8,32] [--d 1,4,32,128] [--n 1,64,1024]"
    );
    std::process::exit(2);
}

fn list<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    text.split(',')
        .map(|t| parse(t.trim()).unwrap_or_else(|| usage()))
        .collect()
}

fn settings() -> Settings {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let wall = cfg!(feature = "rayon") || args.iter().any(|a| a == "--wall");
    let mut s = Settings {
        quick,
        precisions: vec!["f32".into(), "f64".into()],
        ops: Op::ALL.to_vec(),
        ks: if quick { vec![1, 8] } else { vec![1, 8, 32] },
        ds: if quick {
            vec![1, 32]
        } else {
            vec![1, 4, 32, 128]
        },
        ns: if quick {
            vec![1, 64]
        } else {
            vec![1, 64, 1024]
        },
        round_seconds: if quick { 0.001 } else { 0.010 },
        rounds: if quick { 2 } else { 5 },
        clock: if wall {
            Clock::Wall
        } else {
            Clock::thread_cpu_or_wall()
        },
        prepass: true,
    };
    let mut it = args.iter().filter(|a| *a != "--quick" && *a != "--wall");
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let num = |t: &str| t.parse::<usize>().ok().filter(|&v| v > 0);
        match flag.as_str() {
            "--prec" => {
                s.precisions = list(value, |t| {
                    ["f32", "f64"].contains(&t).then(|| t.to_string())
                })
            }
            "--op" => {
                let names: Vec<&str> = value.split(',').map(str::trim).collect();
                s.prepass = names.contains(&"prepass");
                let ops = names.into_iter().filter(|&t| t != "prepass");
                s.ops = ops
                    .map(|t| Op::ALL.into_iter().find(|op| op.name() == t))
                    .collect::<Option<Vec<_>>>()
                    .unwrap_or_else(|| usage());
            }
            "--k" => s.ks = list(value, num),
            "--d" => s.ds = list(value, num),
            "--n" => s.ns = list(value, num),
            _ => usage(),
        }
    }
    s
}

/// One timed form of an operation: `run` does the `n` rows once.
struct Variant<'a> {
    run: Box<dyn FnMut() + 'a>,
    /// A batch call, which may run on rayon's threads.
    batch_call: bool,
}

/// The allocations seen in the batch calls with the `rayon` feature.
#[derive(Default)]
struct AllocNote {
    max_per_call: f64,
}

/// Best nanoseconds per row of each variant, measured round by round in
/// turn, so that a change of load hits every variant of the row alike.
fn measure(vs: &mut [Variant<'_>], n: usize, s: &Settings, note: &mut AllocNote) -> Vec<f64> {
    let mut reps = Vec::with_capacity(vs.len());
    let mut rounds = s.rounds;
    for v in vs.iter_mut() {
        (v.run)(); // warm up (and rayon's pool on first use)
        let mut r = 1usize;
        loop {
            let start = s.clock.now();
            for _ in 0..r {
                (v.run)();
            }
            let t = s.clock.seconds_since(start);
            if t >= s.round_seconds || r >= 1 << 24 {
                if t / r as f64 > 0.1 {
                    rounds = rounds.min(3);
                }
                break;
            }
            // Aim a little past the round's length from what one call took.
            let per_call = (t / r as f64).max(1e-9);
            r = ((1.2 * s.round_seconds / per_call).ceil() as usize).clamp(r + 1, r * 100);
        }
        reps.push(r);
    }
    let mut best = vec![f64::INFINITY; vs.len()];
    for _ in 0..rounds {
        for ((v, &r), b) in vs.iter_mut().zip(&reps).zip(&mut best) {
            let before = allocations();
            let start = s.clock.now();
            for _ in 0..r {
                (v.run)();
            }
            let t = s.clock.seconds_since(start);
            let allocated = allocations() - before;
            if cfg!(feature = "rayon") && v.batch_call {
                note.max_per_call = note.max_per_call.max(allocated as f64 / r as f64);
            } else {
                assert_eq!(allocated, 0, "a timed loop allocated");
            }
            *b = b.min(t * 1e9 / (r * n) as f64);
        }
    }
    best
}

/// The inputs of one cell of the grid.
struct Data<F> {
    k: usize,
    d: usize,
    n: usize,
    /// The one mixture of the `many` forms.
    one: (Vec<F>, Vec<F>, Vec<F>),
    /// `n` mixtures, packed: the `batch` forms.
    packed: (Vec<F>, Vec<F>, Vec<F>),
    /// `n` points of the one mixture (`n·D`).
    x_one: Vec<F>,
    /// Row `i` a point of mixture `i` (`n·D`).
    x_each: Vec<F>,
    /// `n` cotangents (`n·D`).
    x_bar: Vec<F>,
}

impl<F: Float> Data<F> {
    fn new(k: usize, d: usize, n: usize) -> Self {
        let packed = batch_problem::<F>(k, d, n);
        let one = (
            packed.0[..k].to_vec(),
            packed.1[..k * d].to_vec(),
            packed.2[..k * d].to_vec(),
        );
        let mut data = Data {
            k,
            d,
            n,
            one,
            packed,
            x_one: vec![F::ZERO; n * d],
            x_each: vec![F::ZERO; n * d],
            x_bar: x_bar(d, n),
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut x = vec![F::ZERO; n * d];
        data.many_view()
            .sample_quantile_many(&mut rng, &mut x, None)
            .unwrap();
        data.x_one = x.clone();
        data.batch_view()
            .sample_quantile(&mut rng, &mut x, None)
            .unwrap();
        data.x_each = x;
        data
    }

    fn many_view(&self) -> DiagMixtureRef<'_, F> {
        DiagMixtureRef::new(&self.one.0, &self.one.1, &self.one.2, self.d).unwrap()
    }

    fn batch_view(&self) -> DiagBatchRef<'_, F> {
        let (l, m, s) = &self.packed;
        DiagBatchRef::new(l, m, s, self.k, self.d).unwrap()
    }

    /// The parameter slices of mixture `i` of the packed batch.
    fn part(&self, i: usize) -> (&[F], &[F], &[F]) {
        let (k, kd) = (self.k, self.k * self.d);
        let (l, m, s) = &self.packed;
        (&l[i * k..][..k], &m[i * kd..][..kd], &s[i * kd..][..kd])
    }
}

/// `total += g`, entry by entry: the caller's summing of single gradients.
fn add_into<F: Float>(total: &mut [F], g: &[F]) {
    for (t, &v) in total.iter_mut().zip(g) {
        *t += v;
    }
}

/// The summed gradient's outputs: totals and one row's scratch.
struct SumOut<F> {
    totals: (Vec<F>, Vec<F>, Vec<F>),
    row: (Vec<F>, Vec<F>, Vec<F>),
}

impl<F: Float> SumOut<F> {
    fn new(k: usize, kd: usize) -> Self {
        let z = |len| vec![F::ZERO; len];
        SumOut {
            totals: (z(k), z(kd), z(kd)),
            row: (z(k), z(kd), z(kd)),
        }
    }

    fn zero(&mut self) {
        for t in [&mut self.totals.0, &mut self.totals.1, &mut self.totals.2] {
            t.fill(F::ZERO);
        }
    }

    /// One single `vjp` on `mix`, added into the totals.
    fn add_vjp(&mut self, mix: &DiagMixtureRef<'_, F>, x: &[F], xb: &[F]) {
        let (l, m, s) = &mut self.row;
        mix.vjp(x, xb, l, m, s).unwrap();
        add_into(&mut self.totals.0, l);
        add_into(&mut self.totals.1, m);
        add_into(&mut self.totals.2, s);
    }
}

/// Per-mixture gradient outputs: `n·K`, `n·K·D`, `n·K·D`.
struct RowsOut<F> {
    logits: Vec<F>,
    means: Vec<F>,
    scales: Vec<F>,
}

impl<F: Float> RowsOut<F> {
    fn new(n: usize, k: usize, kd: usize) -> Self {
        RowsOut {
            logits: vec![F::ZERO; n * k],
            means: vec![F::ZERO; n * kd],
            scales: vec![F::ZERO; n * kd],
        }
    }

    /// One single `vjp` on `mix` into row `i`.
    fn vjp_row(&mut self, mix: &DiagMixtureRef<'_, F>, i: usize, x: &[F], xb: &[F]) {
        let (k, kd) = (mix.num_components(), mix.means().len());
        let l = &mut self.logits[i * k..][..k];
        let m = &mut self.means[i * kd..][..kd];
        let s = &mut self.scales[i * kd..][..kd];
        mix.vjp(x, xb, l, m, s).unwrap();
    }
}

/// The six timed forms of `op` on `data`: loop, loop+new, many, then the
/// same over `n` mixtures with the batch call.
fn variants<'a, F: Float>(
    op: Op,
    data: &'a Data<F>,
    views: &'a [DiagMixtureRef<'a, F>],
) -> Vec<Variant<'a>> {
    let (k, d, n) = (data.k, data.d, data.n);
    let kd = k * d;
    let mix = data.many_view();
    let batch = data.batch_view();
    let (ol, om, os) = (&data.one.0[..], &data.one.1[..], &data.one.2[..]);
    let new_one = move || DiagMixtureRef::new(ol, om, os, d).unwrap();
    let new_each = move |i: usize| {
        let (l, m, s) = data.part(i);
        DiagMixtureRef::new(l, m, s, d).unwrap()
    };
    let rows = move |v: &'a [F]| v.chunks_exact(d);
    let xb = &data.x_bar[..];
    let seed = 11;
    let rng = move || Xoshiro256PlusPlus::seed_from_u64(seed);
    let plain = |run: Box<dyn FnMut() + 'a>| Variant {
        run,
        batch_call: false,
    };
    let batched = |run: Box<dyn FnMut() + 'a>| Variant {
        run,
        batch_call: true,
    };
    match op {
        Op::SampleVjp => {
            // `loop` and `loop+new` per row: draw, then the vjp of that draw.
            let loop_one = |validate: bool| {
                let (mut g, mut r, mut x) = (SumOut::new(k, kd), rng(), vec![F::ZERO; d]);
                Box::new(move || {
                    g.zero();
                    for xbi in rows(xb) {
                        let m = if validate { new_one() } else { mix };
                        m.sample_quantile(&mut r, &mut x, None).unwrap();
                        let m = if validate { new_one() } else { mix };
                        g.add_vjp(&m, &x, xbi);
                    }
                    black_box(&g.totals);
                }) as Box<dyn FnMut() + 'a>
            };
            let loop_each = |validate: bool| {
                let (mut g, mut r, mut x) = (RowsOut::new(n, k, kd), rng(), vec![F::ZERO; d]);
                Box::new(move || {
                    for (i, xbi) in rows(xb).enumerate() {
                        let m = if validate { new_each(i) } else { views[i] };
                        m.sample_quantile(&mut r, &mut x, None).unwrap();
                        let m = if validate { new_each(i) } else { views[i] };
                        g.vjp_row(&m, i, &x, xbi);
                    }
                    black_box(&g.scales);
                }) as Box<dyn FnMut() + 'a>
            };
            let many = {
                let (mut g, mut r, mut x) = (SumOut::new(k, kd), rng(), vec![F::ZERO; n * d]);
                Box::new(move || {
                    mix.sample_quantile_many(&mut r, &mut x, None).unwrap();
                    let (l, m, s) = &mut g.totals;
                    mix.vjp_many(&x, xb, l, m, s).unwrap();
                    black_box(&g.totals);
                })
            };
            let batch_call = {
                let (mut g, mut r, mut x) = (RowsOut::new(n, k, kd), rng(), vec![F::ZERO; n * d]);
                Box::new(move || {
                    batch.sample_quantile(&mut r, &mut x, None).unwrap();
                    batch
                        .vjp(&x, xb, &mut g.logits, &mut g.means, &mut g.scales)
                        .unwrap();
                    black_box(&g.scales);
                })
            };
            vec![
                plain(loop_one(false)),
                plain(loop_one(true)),
                batched(many),
                plain(loop_each(false)),
                plain(loop_each(true)),
                batched(batch_call),
            ]
        }
        Op::Vjp => {
            let (x1, xe) = (&data.x_one[..], &data.x_each[..]);
            let loop_one = |validate: bool| {
                let mut g = SumOut::new(k, kd);
                Box::new(move || {
                    g.zero();
                    for (xi, xbi) in rows(x1).zip(rows(xb)) {
                        let m = if validate { new_one() } else { mix };
                        g.add_vjp(&m, black_box(xi), xbi);
                    }
                    black_box(&g.totals);
                }) as Box<dyn FnMut() + 'a>
            };
            let loop_each = |validate: bool| {
                let mut g = RowsOut::new(n, k, kd);
                Box::new(move || {
                    for (i, (xi, xbi)) in rows(xe).zip(rows(xb)).enumerate() {
                        let m = if validate { new_each(i) } else { views[i] };
                        g.vjp_row(&m, i, black_box(xi), xbi);
                    }
                    black_box(&g.scales);
                }) as Box<dyn FnMut() + 'a>
            };
            let many = {
                let mut g = SumOut::new(k, kd);
                Box::new(move || {
                    let (l, m, s) = &mut g.totals;
                    mix.vjp_many(black_box(x1), xb, l, m, s).unwrap();
                    black_box(&g.totals);
                })
            };
            let batch_call = {
                let mut g = RowsOut::new(n, k, kd);
                Box::new(move || {
                    batch
                        .vjp(
                            black_box(xe),
                            xb,
                            &mut g.logits,
                            &mut g.means,
                            &mut g.scales,
                        )
                        .unwrap();
                    black_box(&g.scales);
                })
            };
            vec![
                plain(loop_one(false)),
                plain(loop_one(true)),
                batched(many),
                plain(loop_each(false)),
                plain(loop_each(true)),
                batched(batch_call),
            ]
        }
        Op::LogProb => {
            let (x1, xe) = (&data.x_one[..], &data.x_each[..]);
            let loop_one = |validate: bool| {
                let mut lp = vec![F::ZERO; n];
                Box::new(move || {
                    for (xi, out) in rows(x1).zip(lp.iter_mut()) {
                        let m = if validate { new_one() } else { mix };
                        *out = m.log_prob(black_box(xi)).unwrap();
                    }
                    black_box(&lp);
                }) as Box<dyn FnMut() + 'a>
            };
            let loop_each = |validate: bool| {
                let mut lp = vec![F::ZERO; n];
                Box::new(move || {
                    for (i, (xi, out)) in rows(xe).zip(lp.iter_mut()).enumerate() {
                        let m = if validate { new_each(i) } else { views[i] };
                        *out = m.log_prob(black_box(xi)).unwrap();
                    }
                    black_box(&lp);
                }) as Box<dyn FnMut() + 'a>
            };
            let many = {
                let mut lp = vec![F::ZERO; n];
                Box::new(move || {
                    mix.log_prob_many(black_box(x1), &mut lp).unwrap();
                    black_box(&lp);
                })
            };
            let batch_call = {
                let mut lp = vec![F::ZERO; n];
                Box::new(move || {
                    batch.log_prob(black_box(xe), &mut lp).unwrap();
                    black_box(&lp);
                })
            };
            vec![
                plain(loop_one(false)),
                plain(loop_one(true)),
                batched(many),
                plain(loop_each(false)),
                plain(loop_each(true)),
                batched(batch_call),
            ]
        }
        Op::Cdf => {
            let (x1, xe) = (&data.x_one[..], &data.x_each[..]);
            let loop_one = |validate: bool| {
                let mut u = vec![F::ZERO; n * d];
                Box::new(move || {
                    for (xi, ui) in rows(x1).zip(u.chunks_exact_mut(d)) {
                        let m = if validate { new_one() } else { mix };
                        m.cdf(black_box(xi), ui).unwrap();
                    }
                    black_box(&u);
                }) as Box<dyn FnMut() + 'a>
            };
            let loop_each = |validate: bool| {
                let mut u = vec![F::ZERO; n * d];
                Box::new(move || {
                    for (i, (xi, ui)) in rows(xe).zip(u.chunks_exact_mut(d)).enumerate() {
                        let m = if validate { new_each(i) } else { views[i] };
                        m.cdf(black_box(xi), ui).unwrap();
                    }
                    black_box(&u);
                }) as Box<dyn FnMut() + 'a>
            };
            let many = {
                let mut u = vec![F::ZERO; n * d];
                Box::new(move || {
                    mix.cdf_many(black_box(x1), &mut u).unwrap();
                    black_box(&u);
                })
            };
            let batch_call = {
                let mut u = vec![F::ZERO; n * d];
                Box::new(move || {
                    batch.cdf(black_box(xe), &mut u).unwrap();
                    black_box(&u);
                })
            };
            vec![
                plain(loop_one(false)),
                plain(loop_one(true)),
                batched(many),
                plain(loop_each(false)),
                plain(loop_each(true)),
                batched(batch_call),
            ]
        }
    }
}

/// A time in ns with about three significant digits.
fn ns(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// The 1-minute load average alone.
fn load_1min() -> String {
    report::load_average()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

/// The tables of one precision: every operation over the grid. Returns the
/// largest allocation count per batch call seen (rayon only).
fn precision<F: Float>(name: &str, s: &Settings) -> f64 {
    let mut note = AllocNote::default();
    let mut tables: Vec<(Op, Vec<String>)> = s.ops.iter().map(|&op| (op, Vec::new())).collect();
    for &k in &s.ks {
        for &d in &s.ds {
            for &n in &s.ns {
                let data = Data::<F>::new(k, d, n);
                let views: Vec<DiagMixtureRef<'_, F>> = (0..n)
                    .map(|i| {
                        let (l, m, sc) = data.part(i);
                        DiagMixtureRef::new(l, m, sc, d).unwrap()
                    })
                    .collect();
                for (op, rows) in &mut tables {
                    eprint!("\r{name} K={k} D={d} n={n} {:<22}", op.name());
                    let _ = std::io::stderr().flush();
                    let mut vs = variants(*op, &data, &views);
                    let t = measure(&mut vs, n, s, &mut note);
                    drop(vs);
                    rows.push(format!(
                        "| {k} | {d} | {n} | {} | {} | {} | {:.2} | {} | {} | {} | {:.2} | {} |",
                        ns(t[0]),
                        ns(t[1]),
                        ns(t[2]),
                        t[0] / t[2],
                        ns(t[3]),
                        ns(t[4]),
                        ns(t[5]),
                        t[3] / t[5],
                        load_1min(),
                    ));
                }
            }
        }
    }
    let prepass = if s.prepass {
        prepass_rows::<F>(name, s, &mut note)
    } else {
        Vec::new()
    };
    eprint!("\r{:60}\r", "");
    for (op, rows) in tables {
        println!("\n### {name}, {}\n", op.name());
        println!("{}.\n", op.calls());
        println!(
            "| K | D | n | loop | loop+new | many | loop/many | loop (n mixtures) | \
             loop+new (n mixtures) | batch | loop/batch | load |"
        );
        println!("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for row in rows {
            println!("{row}");
        }
    }
    if s.prepass {
        println!("\n### {name}, the zero-density pre-pass\n");
        println!(
            "What the contract that nothing is written before every row is known to have \
             a gradient costs: the pre-pass alone (`first_zero_density_many`, \
             `DiagBatchRef::first_zero_density`: the rows' `x` checks, the screen, the exact \
             test where the screen cannot clear a row) against the whole gradient call, \
             which runs it first; the points are drawn from the mixtures (the screen clears \
             them).\n"
        );
        println!(
            "| K | D | n | vjp_many | its pre-pass | share | batch vjp | its pre-pass | share | load |"
        );
        println!("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for row in prepass {
            println!("{row}");
        }
    }
    note.max_per_call
}

/// The rows of the pre-pass table: for the largest `n` of the grid, the
/// summed and the per-mixture vjp against their pre-pass alone.
fn prepass_rows<F: Float>(name: &str, s: &Settings, note: &mut AllocNote) -> Vec<String> {
    let n = s.ns.iter().copied().max().unwrap_or(1);
    let mut rows = Vec::new();
    for &k in &s.ks {
        for &d in &s.ds {
            eprint!("\r{name} K={k} D={d} n={n} {:<22}", "prepass");
            let _ = std::io::stderr().flush();
            let data = Data::<F>::new(k, d, n);
            let (mix, batch) = (data.many_view(), data.batch_view());
            let (x1, xe, xb) = (&data.x_one[..], &data.x_each[..], &data.x_bar[..]);
            let (mut g, mut h) = (SumOut::<F>::new(k, k * d), RowsOut::<F>::new(n, k, k * d));
            let mut vs = [
                Variant {
                    run: Box::new(|| {
                        let (l, m, sc) = &mut g.totals;
                        mix.vjp_many(black_box(x1), xb, l, m, sc).unwrap();
                    }),
                    batch_call: true,
                },
                Variant {
                    run: Box::new(|| {
                        black_box(mix.first_zero_density_many(black_box(x1)).unwrap());
                    }),
                    batch_call: true,
                },
                Variant {
                    run: Box::new(|| {
                        let (l, m, sc) = (&mut h.logits, &mut h.means, &mut h.scales);
                        batch.vjp(black_box(xe), xb, l, m, sc).unwrap();
                    }),
                    batch_call: true,
                },
                Variant {
                    run: Box::new(|| {
                        black_box(batch.first_zero_density(black_box(xe)).unwrap());
                    }),
                    batch_call: true,
                },
            ];
            let t = measure(&mut vs, n, s, note);
            rows.push(format!(
                "| {k} | {d} | {n} | {} | {} | {:.1} % | {} | {} | {:.1} % | {} |",
                ns(t[0]),
                ns(t[1]),
                100.0 * t[1] / t[0],
                ns(t[2]),
                ns(t[3]),
                100.0 * t[3] / t[2],
                load_1min(),
            ));
        }
    }
    rows
}

fn main() {
    let s = settings();
    let started = Instant::now();
    let features = if cfg!(feature = "rayon") {
        " --features rayon"
    } else {
        ""
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = if args.is_empty() {
        String::new()
    } else {
        format!(" -- {}", args.join(" "))
    };
    println!("## Batch calls against loops of single calls\n");
    println!("* command: `cargo run --release -p mixgrad-bench --bin batch_table{features}{args}`");
    println!("* date: {}", report::date());
    println!(
        "* machine: `uname -m` = {}; {}",
        report::machine(),
        report::cpu()
    );
    println!("* compiler: {}", report::RUSTC);
    println!(
        "* load average at start (1, 5, 15 min): {}",
        report::load_average()
    );
    #[cfg(feature = "rayon")]
    println!(
        "* threading: `rayon` feature on, {} threads for the many and batch calls; \
         the loops are one thread",
        rayon::current_num_threads()
    );
    #[cfg(not(feature = "rayon"))]
    println!("* threading: one thread (`rayon` feature off)");
    println!("* clock: {}", s.clock.describe());
    println!(
        "* timing: best of {} rounds of at least {} ms per form, the forms of a row \
         interleaved; {}",
        s.rounds,
        s.round_seconds * 1e3,
        if s.quick {
            "`--quick`: a small grid, short rounds (a smoke run, not figures to quote)"
        } else {
            "3 rounds where one call takes over 100 ms"
        }
    );
    println!(
        "* ns per sample (per row); loop = `n` single calls on one view; loop+new = \
         `DiagMixtureRef::new` before every single call (each C call validates so); \
         the (n mixtures) columns loop over `n` different mixtures, one point each, \
         against one `DiagBatchRef` call; the load column is the 1-minute load average \
         when the row was done"
    );
    let mut allocs = 0.0f64;
    for p in &s.precisions {
        allocs = allocs.max(match p.as_str() {
            "f32" => precision::<f32>("f32", &s),
            _ => precision::<f64>("f64", &s),
        });
    }
    println!();
    if cfg!(feature = "rayon") {
        println!(
            "Allocations: none in the loops; at most {allocs:.1} per many/batch call \
             (rayon's jobs and the parallel forms' buffers)."
        );
    } else {
        println!("Allocations: none in any timed loop (counting allocator).");
    }
    println!(
        "Load average at end (1, 5, 15 min): {}; run time {:.0} s.",
        report::load_average(),
        started.elapsed().as_secs_f64()
    );
}
