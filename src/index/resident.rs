//! Copies of the index's hottest bytes in memory backed by huge pages, when the kernel offers
//! them.
//!
//! A France-scale search reads thousands of word cards and facts scattered over hundreds of
//! megabytes of mapped files: each read lands on its own 4 KiB page, so besides the cache miss
//! it misses the TLB, and on a virtual machine a page walk costs dozens of memory reads.
//! Prefetching hides the cache miss, not the page walk. The mapped index files get 4 KiB
//! pages (on this machine's ext4, a France server under load had 4 MB of its 2.1 GB mapped
//! in 2 MiB pages: `FilePmdMapped` in `/proc/PID/smaps_rollup`), but anonymous memory can
//! ask for huge ones: the same bytes read into an anonymous mapping marked `MADV_HUGEPAGE`
//! are covered by 512 times fewer TLB entries. Timed side by side (`replay
//! --compare-huge-pages`), France keystrokes took 7% less on average and 15% less at the 99th
//! percentile (BENCHMARKS.md, "Hot sections on huge pages").
//!
//! Only when transparent huge pages are enabled (`always` or `madvise`) is anything copied:
//! otherwise the copy would cost memory and start-up time for nothing. `ADRESSE_HUGE_PAGES=0`
//! turns the copies off (to compare, or to save the memory).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use memmap2::{Advice, Mmap, MmapMut};

/// Where the kernel says whether anonymous memory may use transparent huge pages.
const THP_ENABLED: &str = "/sys/kernel/mm/transparent_hugepage/enabled";

/// Whether copies are made: the kernel offers transparent huge pages to memory that asks for
/// them, and `ADRESSE_HUGE_PAGES` is not `0`.
pub fn enabled() -> bool {
    if std::env::var("ADRESSE_HUGE_PAGES").is_ok_and(|v| v == "0") {
        return false;
    }
    // The selected mode is the bracketed one: "always [madvise] never".
    std::fs::read_to_string(THP_ENABLED)
        .is_ok_and(|modes| modes.contains("[always]") || modes.contains("[madvise]"))
}

/// `len` bytes of `file` from `offset`, read into anonymous memory that asks for huge pages,
/// then made read-only. Read with `pread`, so the file's pages are never mapped into this
/// process (they would count in its memory besides the copy).
pub fn copy(file: &File, offset: u64, len: usize) -> io::Result<Mmap> {
    let mut memory = MmapMut::map_anon(len.max(1))?;
    // Before the first write: the pages are then allocated huge from the start.
    memory.advise(Advice::HugePage)?;
    file.read_exact_at(&mut memory[..len], offset)?;
    memory.make_read_only()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_copy_holds_the_bytes_of_its_range() {
        let mut file = tempfile::tempfile().unwrap();
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        file.write_all(&bytes).unwrap();
        let copied = copy(&file, 1_000, 5_000).unwrap();
        assert_eq!(&copied[..5_000], &bytes[1_000..6_000]);
    }

    #[test]
    fn a_range_beyond_the_file_is_an_error_not_short_bytes() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[1, 2, 3]).unwrap();
        assert!(copy(&file, 2, 10).is_err());
    }
}
