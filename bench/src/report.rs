//! The facts a benchmark report's header states: the date, the machine,
//! the compiler, the load.

use std::process::Command;

/// The compiler that built the benchmarks (`rustc -V` at build time).
pub const RUSTC: &str = env!("MIXGRAD_BENCH_RUSTC");

/// The output of a command, trimmed (`None` if it failed).
fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status.success().then(|| text.trim().to_string())
}

/// The date and time, UTC (`date -u`).
pub fn date() -> String {
    run("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"]).unwrap_or_else(|| "unknown date".into())
}

/// `uname -m` (the target's architecture if `uname` is missing).
pub fn machine() -> String {
    run("uname", &["-m"]).unwrap_or_else(|| std::env::consts::ARCH.into())
}

/// The CPU's model name and the number of CPUs the process may use.
pub fn cpu() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} CPUs")
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}
