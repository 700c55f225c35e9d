//! The fuzz smoke every `cargo test` runs: each libFuzzer target's body (`fuzz/src/targets.rs`,
//! included here as is) replays the committed seeds and corpora (`fuzz/seeds/T`,
//! `fuzz/corpus/T`), then a few hundred seeded mutations of them. It is no substitute for
//! coverage-guided runs (`fuzz/run.sh`, figures in RELIABILITY.md), whose instrumented build
//! takes too long for CI; it makes sure that what fuzzing once found stays fixed and that
//! the targets still build and hold on the current code.
//!
//! `ADRESSE_FUZZ_SMOKE_RUNS` (default 300) sets the mutations per target and
//! `ADRESSE_FUZZ_SMOKE_SEED` their seed. A failing input is written to
//! `target/fuzz-smoke-failures/`, ready for `fuzz/run.sh`'s binaries to replay.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod adresse_fuzz;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use adresse_fuzz::targets;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every committed input of a target, seeds first, in a stable order.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    for kind in ["seeds", "corpus"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            all.push((path, bytes));
        }
    }
    all
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: a few lines, deterministic everywhere, enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four of libFuzzer's simplest mutations: flip a bit, set a byte to a value parsers
/// care about, insert, delete or duplicate a run, splice in a piece of another input.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b"\0\n\r\";,\t|'\\\xff\xc3\xa9-0 9";
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 if at < data.len() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            4 if at < data.len() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                let run = data[at..end].to_vec();
                data.splice(at..at, run);
            }
            _ if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => {}
        }
    }
    data
}

/// Runs `body` on `bytes`; on a panic, keeps the input and fails naming it.
fn check(target: &str, what: &str, bytes: &[u8], body: fn(&[u8])) {
    if catch_unwind(AssertUnwindSafe(|| body(bytes))).is_ok() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-smoke-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let kept = dir.join(format!("{target}-{}", what.replace('/', "_")));
    std::fs::write(&kept, bytes).unwrap();
    panic!(
        "fuzz target {target} failed on {what}; input kept in {}",
        kept.display()
    );
}

fn smoke(target: &str, body: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no seeds for fuzz target {target}");
    for (path, bytes) in &inputs {
        let name = path.strip_prefix(fuzz_dir()).unwrap_or(path);
        check(target, &name.display().to_string(), bytes, body);
    }
    let runs = env_number("ADRESSE_FUZZ_SMOKE_RUNS", 300);
    let seed = env_number("ADRESSE_FUZZ_SMOKE_SEED", 0x5eed);
    let mut rng = Rng(seed.max(1) ^ target.len() as u64);
    for run in 0..runs {
        let input = &inputs[rng.below(inputs.len())].1;
        let other = &inputs[rng.below(inputs.len())].1;
        let mutated = mutate(&mut rng, input, other);
        check(target, &format!("mutation-{seed}-{run}"), &mutated, body);
    }
    eprintln!(
        "fuzz smoke {target}: {} committed inputs and {runs} mutations passed",
        inputs.len()
    );
}

#[test]
fn query_target_holds_on_its_corpus() {
    smoke("query", targets::query);
}

#[test]
fn ban_csv_target_holds_on_its_corpus() {
    smoke("ban_csv", targets::ban_csv);
}

#[test]
fn batch_csv_target_holds_on_its_corpus() {
    smoke("batch_csv", targets::batch_csv);
}

#[test]
fn index_open_target_holds_on_its_corpus() {
    smoke("index_open", targets::index_open);
}

#[test]
fn bal_target_holds_on_its_corpus() {
    smoke("bal", targets::bal);
}

#[test]
fn a_panicking_body_fails_the_smoke_and_keeps_its_input() {
    let failed = catch_unwind(|| {
        check("selftest", "selftest-input", b"any", |_| {
            panic!("a finding")
        })
    });
    let message = *failed
        .expect_err("a panicking body must fail the smoke")
        .downcast::<String>()
        .unwrap();
    assert!(
        message.starts_with("fuzz target selftest failed on selftest-input"),
        "{message}"
    );
    let kept = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz-smoke-failures/selftest-selftest-input");
    assert_eq!(std::fs::read(&kept).unwrap(), b"any");
    std::fs::remove_file(kept).unwrap();
}
