//! How much of the machine's CPU went to processes other than the measured ones during a
//! measure, from `/proc/stat` and `/proc/PID/stat` (Linux; `None` elsewhere). Reported next to
//! each figure, so that a run disturbed by other work on a shared machine can be told apart.
//! The counters tick 100 times a second per CPU: a window shorter than a second says nothing,
//! and gives `None`.

/// CPU counters at one instant, in clock ticks summed over all CPUs.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    busy: u64,
    total: u64,
    watched: u64,
    cpus: u64,
}

/// The counters now; `watched` is the CPU time of `pids` (0 means this process), all threads.
pub fn sample(pids: &[u32]) -> Option<CpuSample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpus = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count() as u64;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
    let mut watched = 0;
    for &pid in pids {
        watched += process_ticks(pid)?;
    }
    Some(CpuSample {
        busy: total - idle,
        total,
        watched,
        cpus: cpus.max(1),
    })
}

fn process_ticks(pid: u32) -> Option<u64> {
    let path = if pid == 0 {
        "/proc/self/stat".to_string()
    } else {
        format!("/proc/{pid}/stat")
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

impl CpuSample {
    /// Percentage of the machine's CPU capacity (all CPUs) used between `self` and `later` by
    /// processes other than the watched ones; `None` for a window under about a second.
    pub fn others_percent(&self, later: &CpuSample) -> Option<f64> {
        let total = later.total.saturating_sub(self.total);
        if total < 100 * self.cpus {
            return None;
        }
        let busy = later.busy.saturating_sub(self.busy) as f64;
        let watched = later.watched.saturating_sub(self.watched) as f64;
        Some((100.0 * (busy - watched) / total as f64).max(0.0))
    }
}
