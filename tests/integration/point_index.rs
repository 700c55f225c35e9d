//! The point index of reverse geocoding (`points.bin`) on the real data: the nearest points it
//! finds are those a scan of every point finds, and a damaged or truncated file is refused
//! with advice (or, when only its contents are damaged, answers without panicking).

use crate::common;

use std::path::{Path, PathBuf};

use adresse::index::layout::current_generation;
use adresse::index::points::PointSet;
use adresse::index::spatial::{unit_vector, Positions, Target};
use adresse::index::{Index, POINTS_FILE};
use adresse::model::Kind;
use adresse::Error;
use common::{fixture_index, temp_dir};

/// The `limit` nearest targets within `radius_m` by a scan of `targets`, in the order the
/// index must give them: squared chord of the unit vectors, then target.
fn scan(
    index: &Index,
    targets: &[Target],
    (lon, lat): (f64, f64),
    radius_m: f64,
    limit: usize,
) -> Vec<Target> {
    let q = unit_vector(lon, lat);
    let max_chord = 2.0 * (radius_m / (2.0 * 6_371_008.8)).sin();
    let positions = index.positions();
    let mut all: Vec<(f64, Target)> = targets
        .iter()
        .map(|&t| {
            let (plon, plat) = positions.position(t).unwrap();
            let p = unit_vector(plon, plat);
            let d2: f64 = (0..3).map(|d| (q[d] - p[d]).powi(2)).sum();
            (d2, t)
        })
        .filter(|(d2, _)| *d2 <= max_chord * max_chord)
        .collect();
    all.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then((a.1.place, a.1.housenumber).cmp(&(b.1.place, b.1.housenumber)))
    });
    all.into_iter().take(limit).map(|(_, t)| t).collect()
}

fn nearest(index: &Index, set: PointSet, at: (f64, f64), radius_m: f64) -> Vec<Target> {
    index
        .points
        .tree(set)
        .nearest(at.0, at.1, radius_m, 10, &index.positions(), |_| true)
        .into_iter()
        .map(|f| f.target)
        .collect()
}

#[test]
fn nearest_points_match_a_scan_of_the_real_data() {
    let index = Index::open(fixture_index()).unwrap();
    let places = &index.table.places;
    let mut housenumbers = Vec::new();
    let (mut streets, mut municipalities) = (Vec::new(), Vec::new());
    for (ord, place) in places.iter().enumerate() {
        let own = Target {
            place: ord as u32,
            housenumber: u32::MAX,
        };
        match place.kind {
            Kind::Municipality => municipalities.push(own),
            _ => streets.push(own),
        }
        let start = place.housenumbers_start;
        housenumbers.extend((start..start + place.housenumbers_len).map(|i| Target {
            place: ord as u32,
            housenumber: i,
        }));
    }
    assert_eq!(housenumbers.len(), index.numbers.len());
    assert!(housenumbers.len() > 200_000, "the real data is not there");
    // Queries near real housenumbers (a few tens of metres off), and far from any.
    let mut queries: Vec<(f64, f64)> = (0..index.numbers.len())
        .step_by(6_007)
        .map(|i| {
            let r = index.numbers.get(i).unwrap();
            (r.lon() + 0.0004, r.lat() - 0.0003)
        })
        .collect();
    queries.extend([
        (4.0, 46.5),
        (6.0794, 44.5594),
        (2.3499, 48.853),
        (-61.5, 16.2),
    ]);
    for &at in &queries {
        for (set, targets, radius_m) in [
            (PointSet::Housenumbers, &housenumbers, 10_000.0),
            (PointSet::Streets, &streets, 2_000.0),
            (PointSet::Municipalities, &municipalities, 100_000.0),
        ] {
            let found = nearest(&index, set, at, radius_m);
            assert_eq!(
                found,
                scan(&index, targets, at, radius_m, 10),
                "{set:?} near {at:?}"
            );
        }
    }
    // A query a few metres from an address finds it first, and something was found at all.
    let r = index.numbers.get(1234).unwrap();
    let found = nearest(&index, PointSet::Housenumbers, (r.lon(), r.lat()), 50.0);
    assert_eq!(found.first().map(|t| t.housenumber), Some(1234));
}

/// A copy of the fixture's generation under a new index directory, to damage.
fn copy_of_fixture(name: &str) -> (PathBuf, PathBuf) {
    let (generation, _) = current_generation(fixture_index()).unwrap();
    let root = temp_dir(name);
    let copy = root.join(generation.file_name().unwrap());
    copy_dir(&generation, &copy);
    std::os::unix::fs::symlink(copy.file_name().unwrap(), root.join("current")).unwrap();
    (root, copy)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn refusal(root: &Path) -> String {
    match Index::open(root) {
        Err(Error::Index(message)) => message,
        Err(other) => panic!("not an index error: {other}"),
        Ok(_) => panic!("a damaged point index was accepted"),
    }
}

#[test]
fn a_truncated_or_corrupted_point_index_is_refused_with_advice() {
    let (root, generation) = copy_of_fixture("points-damaged");
    let path = generation.join(POINTS_FILE);
    let good = std::fs::read(&path).unwrap();
    assert!(Index::open(&root).is_ok());

    let damaged: [(&str, Vec<u8>); 6] = [
        ("one byte short", good[..good.len() - 1].to_vec()),
        ("only the header's start", good[..12].to_vec()),
        ("empty", Vec::new()),
        ("one byte too many", [&good[..], &[0]].concat()),
        ("another magic", [&b"ADRPTS00"[..], &good[8..]].concat()),
        ("a count not matching the length", {
            let mut b = good.clone();
            b[16] ^= 1;
            b
        }),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&path, bytes).unwrap();
        let message = refusal(&root);
        assert!(
            message.contains("points.bin") && message.contains("re-run `adresse ingest`"),
            "{what}: {message}"
        );
    }

    // A well-formed file of another index (fewer points than the stores beside it).
    let mut other = good[..16].to_vec();
    other.extend([0u8; 24]);
    std::fs::write(&path, other).unwrap();
    let message = refusal(&root);
    assert!(message.contains("re-run `adresse ingest`"), "{message}");

    std::fs::remove_file(&path).unwrap();
    let message = refusal(&root);
    assert!(message.contains("missing"), "{message}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn damaged_point_contents_answer_without_panicking() {
    let (root, generation) = copy_of_fixture("points-scrambled");
    let path = generation.join(POINTS_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    // Scramble items and boxes past the header (a deterministic pattern of 1 byte in 7),
    // keeping the length: the header still checks out, the contents are nonsense.
    for (i, b) in bytes.iter_mut().enumerate().skip(40) {
        if i % 7 == 3 {
            *b = b.wrapping_mul(31).wrapping_add(i as u8);
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let index = Index::open(&root).unwrap();
    for set in [
        PointSet::Housenumbers,
        PointSet::Streets,
        PointSet::Municipalities,
    ] {
        for at in [(2.35, 48.85), (6.08, 44.56), (0.0, 0.0)] {
            assert!(nearest(&index, set, at, 100_000.0).len() <= 10);
        }
    }
    drop(index);
    std::fs::remove_dir_all(&root).unwrap();
}
