//! The clocks a benchmark can read: the wall clock, and the CPU time of the
//! calling thread, which leaves out the time other processes held the CPU
//! (on a shared two-core machine, the difference between a figure and
//! noise).

use std::time::Instant;

/// A point in time on one of the clocks.
#[derive(Clone, Copy)]
pub enum Mark {
    Wall(Instant),
    Cpu(u64),
}

/// Which clock a timing reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Clock {
    /// Elapsed real time: what a caller waits, including other processes'
    /// turns on the CPU and the work of other threads.
    Wall,
    /// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): only its
    /// own work, whatever else runs. Meaningless for work on other threads.
    ThreadCpu,
}

impl Clock {
    /// The thread CPU clock where the platform has it, else the wall clock.
    pub fn thread_cpu_or_wall() -> Clock {
        if thread_cpu_ns().is_some() {
            Clock::ThreadCpu
        } else {
            Clock::Wall
        }
    }

    /// Now, on this clock.
    #[inline]
    pub fn now(self) -> Mark {
        match self {
            Clock::Wall => Mark::Wall(Instant::now()),
            Clock::ThreadCpu => Mark::Cpu(thread_cpu_ns().unwrap_or(0)),
        }
    }

    /// Seconds on this clock since `start`.
    #[inline]
    pub fn seconds_since(self, start: Mark) -> f64 {
        match start {
            Mark::Wall(t) => t.elapsed().as_secs_f64(),
            Mark::Cpu(ns) => thread_cpu_ns().unwrap_or(0).saturating_sub(ns) as f64 * 1e-9,
        }
    }

    /// How a report names the clock.
    pub fn describe(self) -> &'static str {
        match self {
            Clock::Wall => "wall clock",
            Clock::ThreadCpu => {
                "the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: other processes' turns on \
                 the CPU do not count)"
            }
        }
    }
}

/// The calling thread's CPU time in ns.
#[cfg(unix)]
pub fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// The calling thread's CPU time in ns (not available here).
#[cfg(not(unix))]
pub fn thread_cpu_ns() -> Option<u64> {
    None
}
