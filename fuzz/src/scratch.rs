//! Scratch directories of test and fuzz processes that do not pile up on disk.
//!
//! Each directory is named `{name}-{pid}` under one parent folder. It is removed when its
//! process exits, unless something in the process panicked (a failing test): then it stays for
//! the failure to be read, until the next process that makes a scratch directory there finds its
//! owner gone and removes it, as it removes those of killed or crashed processes.
//!
//! Without this, every test process left its copy of the real index behind: under nextest, one
//! process per test, a day's runs filled 36 GB and a CI run on the same disk failed for space.
//! Shared by the fuzz crate and, through `#[path]`, the main crate's integration tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

static MADE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static PANICKED: AtomicBool = AtomicBool::new(false);
static SET_UP: Once = Once::new();

/// A new, empty `parent/{name}-{pid}`, removed when the process exits without a panic.
pub fn fresh_dir(parent: &Path, name: &str) -> PathBuf {
    SET_UP.call_once(|| {
        remove_dirs_of_gone_processes(parent);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            previous(info)
        }));
        // SAFETY: `remove_made_dirs` is a plain `extern "C" fn` that neither unwinds nor
        // relies on anything torn down before C's exit handlers run.
        unsafe { libc::atexit(remove_made_dirs) };
    });
    let dir = parent.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    MADE.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(dir.clone());
    dir
}

/// Run by C's `exit`, which both a test harness's normal end and `std::process::exit` reach.
extern "C" fn remove_made_dirs() {
    if PANICKED.load(Ordering::SeqCst) || std::env::var_os("ADRESSE_KEEP_TEST_DIRS").is_some() {
        return;
    }
    // `try_lock`: a thread still running at exit may hold the lock; its directories then stay
    // for the next run to remove.
    if let Ok(mut made) = MADE.try_lock() {
        for dir in made.drain(..) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Removes the `*-{pid}` directories under `parent` whose process no longer exists (without
/// `/proc`, none can be told gone: everything stays).
fn remove_dirs_of_gone_processes(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.rsplit_once('-'))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let is_dir = entry.file_type().map(|kind| kind.is_dir()).unwrap_or(false);
        if is_dir && !adresse::index::overlay::process_is_running(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
