//! Runs background work (rebuilding the corrections overlay) on a thread the kernel schedules
//! after the server's searches, so a publish costs searches as little latency as possible.
//!
//! On Linux the nice value belongs to a thread and the threads it starts inherit it, so the
//! indexing threads tantivy spawns for the build are lowered too. Elsewhere the work simply
//! runs on its own thread at normal priority.

/// How far below normal the work runs: the lowest priority. A nice-19 thread weighs 15 against
/// a normal thread's 1024 in the Linux scheduler, so it runs in the gaps searches leave; at
/// nice 10 (weight 110) it still took slices of a few milliseconds from busy search threads
/// (p99 3.3× normal, BENCHMARKS.md). Under full search load a publish advances slowly (up to
/// ~1 s measured instead of 80 ms); with an idle core it runs at full speed.
const BACKGROUND_NICE: i32 = 19;

/// Runs `work` to completion on a new, lower-priority thread and returns what it returned;
/// an error if no thread could be started. A panic in `work` goes on in the caller.
pub fn run<T: Send>(name: &str, work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn_scoped(scope, || {
                lower_this_thread();
                work()
            })?;
        Ok(handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

#[cfg(target_os = "linux")]
fn lower_this_thread() {
    // SAFETY: setpriority only reads its integer arguments; `who` = 0 names the calling
    // thread on Linux. A failure (a sandbox refusing it) leaves the thread at normal
    // priority, which is still correct, only less kind to searches.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_thread() {}

#[cfg(test)]
mod tests {
    #[test]
    fn returns_what_the_work_returned() {
        let answer = super::run("test-low", || 6 * 7).unwrap();
        assert_eq!(answer, 42);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn lowers_only_the_worker_thread() {
        // SAFETY: getpriority reads the calling thread's nice value.
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let before = nice();
        let inside = super::run("test-low", nice).unwrap();
        assert_eq!(inside, (before + super::BACKGROUND_NICE).min(19));
        assert_eq!(nice(), before, "the caller's priority must not change");
    }
}
