//! The threads `/search` runs on: as many as the machine has cores, fed by a queue.
//!
//! A search takes about half a millisecond of CPU, too long to run on the async workers that
//! also accept connections and stream batch files. tokio's blocking pool was the first home,
//! but it grows one thread per waiting search (up to 512): at 64 connections, 64 threads
//! fought over 2 cores. With one thread per core, the same load ran at higher throughput and
//! half the p99 (BENCHMARKS.md, "Where searches run"). The queue stays bounded by the in-flight
//! limit of `limits.rs`, which sheds what exceeds it with 503.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// The pool, or `None` if its threads could not be started (then searches go to tokio's
/// blocking pool, as before).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("search-{i}"))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot start the search threads"))
            .ok()
    })
    .as_ref()
}

/// Runs `work` on a search thread and returns its result, or `None` if it panicked (the
/// panic is reported by the default hook; the thread goes on serving).
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let Some(pool) = pool() else {
        return tokio::task::spawn_blocking(work).await.ok();
    };
    let (answer, answered) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        // rayon aborts the process on a panic in a spawned job: catch it here.
        let _ = answer.send(catch_unwind(AssertUnwindSafe(work)).ok());
    });
    answered.await.ok().flatten()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn returns_the_result_and_survives_a_panic() {
        assert_eq!(super::run(|| 6 * 7).await, Some(42));
        let panicked: Option<u32> = super::run(|| panic!("a bug in a search")).await;
        assert_eq!(panicked, None);
        assert_eq!(super::run(|| "still serving").await, Some("still serving"));
    }
}
