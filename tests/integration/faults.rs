//! Hard days for the index on disk, with the real `adresse` binary: an ingest killed with
//! SIGKILL at random points, an ingest that runs out of disk (a file-size limit on the child,
//! `RLIMIT_FSIZE`, stands in for a full disk: a tmpfs cannot be mounted here), and index
//! directories that are corrupted or not ours. The previous generation must keep being served,
//! a restart must find a consistent index, and a bad directory must be refused at start with a
//! clear message — never a panic.

use crate::common;
use crate::net;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use adresse::index::layout::current_generation;
use adresse::search::{Filters, SearchRequest};
use adresse::Geocoder;
use common::{data_dir, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_adresse");

/// The id of the first answer to `q`.
fn answer(geocoder: &Geocoder, q: &str) -> String {
    let request = SearchRequest {
        q: q.into(),
        limit: 1,
        autocomplete: false,
        near: None,
        filters: Filters::default(),
    };
    let hit = geocoder
        .search(&request)
        .unwrap()
        .into_iter()
        .next()
        .expect("no answer");
    hit.housenumber
        .map(|h| h.id)
        .unwrap_or_else(|| format!("{:?}", hit.place))
}

/// Generation directories and leftovers in an index root.
fn generations(root: &Path) -> (Vec<String>, Vec<String>) {
    let mut complete = Vec::new();
    let mut partial = Vec::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            partial.push(name);
        } else if name.starts_with("gen-") {
            complete.push(name);
        }
    }
    (complete, partial)
}

/// A folder holding the first `rows` real addresses of Hautes-Alpes (enough for an ingest to
/// take a while, small enough for the test budget).
fn real_subset(name: &str, rows: usize) -> PathBuf {
    let source = temp_dir(name);
    let gz = std::fs::File::open(data_dir().join("ban/adresses-05.csv.gz")).unwrap();
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(gz));
    let mut out = std::fs::File::create(source.join("adresses-05.csv")).unwrap();
    for line in reader.lines().take(rows + 1) {
        writeln!(out, "{}", line.unwrap()).unwrap();
    }
    source
}

/// A real address of the subset, as people write it, to ask before and after each fault.
fn probe(source: &Path) -> String {
    let mut rows = Vec::new();
    adresse::ingest::ban_csv::read_file(&source.join("adresses-05.csv"), |r| rows.push(r), |_| {})
        .unwrap();
    let row = &rows[rows.len() / 2];
    format!("{} {} {}", row.numero, row.nom_voie, row.nom_commune)
}

fn ingest_command(root: &Path, source: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("ingest")
        .arg("--index")
        .arg(root)
        .arg("--ref")
        .arg(data_dir().join("ref"))
        .arg(source)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// SIGKILL at several random points of an ingest over a served index: the server keeps
/// answering from the old generation throughout, a fresh open finds the old generation whole,
/// and the next ingest completes and cleans up.
#[test]
fn kill_9_during_ingest() {
    let source = real_subset("faults-kill9-src", 20_000);
    let question = probe(&source);
    let root = temp_dir("faults-kill9");
    let files = adresse::ingest::source_files(std::slice::from_ref(&source)).unwrap();
    // How long an ingest takes here, to spread the kills over it.
    let started = Instant::now();
    adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
    let whole = started.elapsed();
    let (mut old_dir, mut old_manifest) = current_generation(&root).unwrap();
    let geocoder = Geocoder::open(&root).unwrap();
    let expected = answer(&geocoder, &question);
    let server = net::TestServer::start(geocoder, net::test_config());
    let path = format!(
        "/search/?autocomplete=0&q={}",
        form_urlencoded::byte_serialize(question.as_bytes()).collect::<String>()
    );
    let canary = || {
        let reply = server.get(&path);
        assert_eq!(reply.status, 200);
        reply.json()["features"][0]["properties"]["id"].clone()
    };
    let served_before = canary();
    assert!(served_before.is_string());

    let seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("ingest takes {whole:?}; kill points from seed {seed}");
    let mut state = seed | 1;
    for round in 0..3 {
        // xorshift: a different spread of kill points on every run, reproducible from the seed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = whole.mul_f64((state % 1000) as f64 / 1000.0);
        let mut child = ingest_command(&root, &source).spawn().unwrap();
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        eprintln!("round {round}: killed at {at:?} ({status})");

        assert_eq!(
            canary(),
            served_before,
            "the running server changed its answer"
        );
        let (dir, manifest) = current_generation(&root).unwrap();
        if status.success() {
            // The kill came after the end: the new generation is whole.
            assert_ne!(dir, old_dir);
        }
        if dir == old_dir {
            assert_eq!(manifest.built_at, old_manifest.built_at);
        } else {
            // Published: either the ingest ended, or the kill landed between the swap of
            // `current` and the exit. Either way the generation must be whole, not partial.
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".partial"),
                "current moved to an unfinished generation {name}"
            );
            assert_ne!(manifest.built_at, old_manifest.built_at);
            (old_dir, old_manifest) = (dir, manifest);
        }
        let reopened = Geocoder::open(&root).expect("the index does not open after a crash");
        assert_eq!(answer(&reopened, &question), expected);
    }

    // Restart: the next ingest removes what the killed ones left and publishes a whole index.
    let output = ingest_command(&root, &source).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (complete, partial) = generations(&root);
    assert!(partial.is_empty(), "leftovers: {partial:?}");
    assert_eq!(complete.len(), 1, "{complete:?}");
    let (_, manifest) = current_generation(&root).unwrap();
    assert_eq!(manifest.housenumbers, old_manifest.housenumbers);
    assert_eq!(manifest.streets, old_manifest.streets);
    let reopened = Geocoder::open(&root).unwrap();
    assert_eq!(answer(&reopened, &question), expected);
    assert_eq!(canary(), served_before);
}

/// Runs an ingest with its files capped at `limit_kb` KiB; `ignore_signal` makes writes past
/// the cap fail with EFBIG ("File too large"), as on a full disk, instead of SIGXFSZ killing
/// the process.
fn ingest_with_file_limit(
    root: &Path,
    source: &Path,
    limit_kb: u64,
    ignore_signal: bool,
) -> std::process::Output {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    // `ulimit -f` counts 512-byte blocks in dash (sh) and POSIX mode, 1 KiB blocks in bash:
    // ask in bash for a known unit.
    let script = format!(
        "{trap}ulimit -f {limit_kb} && exec \"$0\" ingest --index \"$1\" --ref \"$2\" \"$3\""
    );
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .arg(root)
        .arg(data_dir().join("ref"))
        .arg(source)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn disk_full_during_ingest() {
    let source = real_subset("faults-disk-full-src", 20_000);
    let question = probe(&source);
    let root = temp_dir("faults-disk-full");
    let files = adresse::ingest::source_files(std::slice::from_ref(&source)).unwrap();
    adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
    let (old_dir, _) = current_generation(&root).unwrap();
    let expected = answer(&Geocoder::open(&root).unwrap(), &question);

    // Writes fail with EFBIG: a clean failure, with the reason, and nothing left behind.
    for limit_kb in [16, 256] {
        let output = ingest_with_file_limit(&root, &source, limit_kb, true);
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("limit {limit_kb} KiB: {} {stderr}", output.status);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("error:"), "{stderr}");
        assert!(stderr.contains("File too large"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let (dir, _) = current_generation(&root).unwrap();
        assert_eq!(dir, old_dir);
        let (_, partial) = generations(&root);
        assert!(partial.is_empty(), "a failed ingest left {partial:?}");
        assert_eq!(answer(&Geocoder::open(&root).unwrap(), &question), expected);
    }

    // The default action of SIGXFSZ kills the process mid-write, like a crash.
    let output = ingest_with_file_limit(&root, &source, 256, false);
    assert!(!output.status.success());
    assert_eq!(current_generation(&root).unwrap().0, old_dir);
    assert_eq!(answer(&Geocoder::open(&root).unwrap(), &question), expected);

    // Room again: the next ingest succeeds and cleans up.
    let output = ingest_command(&root, &source).output().unwrap();
    assert!(output.status.success());
    let (complete, partial) = generations(&root);
    assert!(
        partial.is_empty() && complete.len() == 1,
        "{complete:?} {partial:?}"
    );
    assert_eq!(answer(&Geocoder::open(&root).unwrap(), &question), expected);
}

/// A small real index (the first 3,000 addresses of Hautes-Alpes), to damage.
fn small_index(name: &str) -> PathBuf {
    let source = real_subset(&format!("{name}-src"), 3_000);
    let root = temp_dir(name).join("index");
    let files = adresse::ingest::source_files(&[source]).unwrap();
    adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
    root
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Pseudo-random bytes, the same on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Each damage to a copy of a good index must make `open` fail with a message naming the
/// problem, and `adresse serve` exit with status 1 and that message: no panic, no half-start.
#[test]
fn corrupted_or_foreign_index_directories_are_refused() {
    let good = small_index("faults-corrupt");
    assert!(Geocoder::open(&good).is_ok());
    let gen_name = std::fs::read_link(good.join("current")).unwrap();
    let base = good.parent().unwrap().join("cases");

    type Damage = fn(&Path, &Path);
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "an empty directory",
            |root, _| {
                std::fs::remove_dir_all(root).unwrap();
                std::fs::create_dir_all(root).unwrap();
            },
            "no index in",
        ),
        (
            "a file instead of a directory",
            |root, _| {
                std::fs::remove_dir_all(root).unwrap();
                std::fs::write(root, b"not a directory").unwrap();
            },
            "no index in",
        ),
        (
            "current pointing nowhere",
            |root, _| {
                std::fs::remove_file(root.join("current")).unwrap();
                std::os::unix::fs::symlink("gen-missing", root.join("current")).unwrap();
            },
            "no index in",
        ),
        (
            "no manifest",
            |_, gen| {
                std::fs::remove_file(gen.join("manifest.json")).unwrap();
            },
            "no manifest",
        ),
        (
            "a manifest of random bytes",
            |_, gen| {
                std::fs::write(gen.join("manifest.json"), noise(500)).unwrap();
            },
            "unreadable manifest",
        ),
        (
            "another program's index",
            |_, gen| {
                std::fs::write(
                    gen.join("manifest.json"),
                    br#"{"format": "addok-redis", "version": 1}"#,
                )
                .unwrap();
            },
            "unreadable manifest",
        ),
        (
            "another format",
            |_, gen| {
                let text = std::fs::read_to_string(gen.join("manifest.json")).unwrap();
                std::fs::write(
                    gen.join("manifest.json"),
                    text.replacen("adresse-index", "other-index", 1),
                )
                .unwrap();
            },
            "index format other-index",
        ),
        (
            "a future version",
            |_, gen| {
                let text = std::fs::read_to_string(gen.join("manifest.json")).unwrap();
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                let mut json = json;
                json["version"] = 99.into();
                std::fs::write(gen.join("manifest.json"), json.to_string()).unwrap();
            },
            "v99",
        ),
        (
            "no tantivy directory",
            |_, gen| {
                std::fs::remove_dir_all(gen.join("tantivy")).unwrap();
            },
            "full-text index",
        ),
        (
            "a tantivy meta.json of random bytes",
            |_, gen| {
                std::fs::write(gen.join("tantivy/meta.json"), noise(300)).unwrap();
            },
            "full-text index",
        ),
        (
            "places.bin missing",
            |_, gen| {
                std::fs::remove_file(gen.join("places.bin")).unwrap();
            },
            "places.bin",
        ),
        (
            "places.bin truncated",
            |_, gen| {
                let bytes = std::fs::read(gen.join("places.bin")).unwrap();
                std::fs::write(gen.join("places.bin"), &bytes[..bytes.len() / 2]).unwrap();
            },
            "places.bin",
        ),
        (
            "places.bin of random bytes",
            |_, gen| {
                let len = std::fs::metadata(gen.join("places.bin")).unwrap().len() as usize;
                std::fs::write(gen.join("places.bin"), noise(len)).unwrap();
            },
            "places.bin",
        ),
        (
            "numbers.bin truncated mid-record",
            |_, gen| {
                let bytes = std::fs::read(gen.join("numbers.bin")).unwrap();
                std::fs::write(gen.join("numbers.bin"), &bytes[..bytes.len() - 7]).unwrap();
            },
            "numbers.bin",
        ),
        (
            "numbers.bin of random bytes",
            |_, gen| {
                let len = std::fs::metadata(gen.join("numbers.bin")).unwrap().len() as usize;
                std::fs::write(gen.join("numbers.bin"), noise(len)).unwrap();
            },
            "numbers.bin",
        ),
        (
            "numbers.bin from another index",
            |_, gen| {
                let bytes = std::fs::read(gen.join("numbers.bin")).unwrap();
                let mut shorter = bytes[..16].to_vec();
                let count = (bytes.len() as u64 - 16) / 24 - 1;
                shorter[8..16].copy_from_slice(&count.to_le_bytes());
                shorter.extend_from_slice(&bytes[16..16 + count as usize * 24]);
                std::fs::write(gen.join("numbers.bin"), shorter).unwrap();
            },
            "re-run `adresse ingest`",
        ),
    ];
    for (i, (name, damage, mentions)) in cases.iter().enumerate() {
        let root = base.join(format!("case-{i}"));
        copy_dir(&good, &root);
        damage(&root, &root.join(&gen_name));
        let error = match Geocoder::open(&root) {
            Ok(_) => panic!("{name}: the damaged index opened"),
            Err(e) => e.to_string(),
        };
        eprintln!("{name}: {error}");
        assert!(
            error.contains(mentions),
            "{name}: {error:?} does not mention {mentions:?}"
        );

        let output = Command::new(BIN)
            .arg("serve")
            .arg("--index")
            .arg(&root)
            .arg("--addr")
            .arg("127.0.0.1:7839")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(mentions), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!stderr.contains("serving on"), "{name}: {stderr}");
    }
}
