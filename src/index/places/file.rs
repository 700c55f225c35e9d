//! The bytes of `places.bin`: its header and sections, written at ingest and checked when the
//! file is mapped, with bounds-checked readers for the rest of `index::places`.
//!
//! Layout (all little-endian): the magic `ADRPLC06`; the place count (u64); the count of
//! municipalities among them (u64); then, for each of the [`SECTIONS`] sections in the order of
//! [`Section`], its offset and byte length (u64, u64). Sections start on 64-byte boundaries
//! (the word hashes are read in place as `&[u64]`, and a word card must not straddle two cache
//! lines) and the last one ends the file.
//!
//! - `Records`: one [`RECORD_LEN`]-byte record per place (see `view.rs`).
//! - `Rank`: importance, lon, lat of each place as f32: what `DocInfo` copies at open, so that
//!   opening reads 12 bytes a place rather than every record.
//! - `Lists`: string refs, which the list fields of records (postcodes…) are ranges of.
//! - `Strings`: UTF-8 text; a string ref is (offset u32, length u32) into it, length
//!   `u32::MAX` for an absent value. City, context, postcodes and the like are stored once
//!   and shared by every place of the commune.
//! - `TextNames`: the string ref of each place's normalised name (its search text).
//! - `NameStarts`, `NameWords`: each place's name-word hashes (see `word_ids.rs`).
//! - `PlaceTextOf`, `PlaceStarts`, `PlaceWords`, `PlaceTexts`: the distinct place-field texts
//!   (city, postcodes…), their word hashes, and which one each place has.
//! - `Suffixes`: string refs of the housenumber suffixes; `IdExceptions`: (housenumber
//!   position u32, string ref) sorted by position.
//! - `Vocabulary`: string refs of every distinct word of the names and place-field texts,
//!   sorted; `NameCards`: a word card per place; `PlaceCards`: one per place-field text (see
//!   `word_cards.rs`).
//! - `ListWords`, `ListEntries`: the places of the name words held by thousands, each with its
//!   facts and a copy of its card (see `word_lists.rs`).
//!
//! Opening checks every section length against the counts and the `Strings` section is
//! valid UTF-8, but reads no record: every later read is bounds-checked, so a damaged file
//! can give wrong values, never a panic or an out-of-bounds read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::OnceLock;

use memmap2::Mmap;
use zerocopy::FromBytes;

use crate::error::{Error, Result};
use crate::index::resident;
use crate::index::word_cards::CARD_LEN;
use crate::index::word_lists::{ENTRY_LEN, LIST_WORD_LEN};

const MAGIC: &[u8; 8] = b"ADRPLC06";
pub const RECORD_LEN: usize = 160;
/// importance, lon, lat as f32.
pub const RANK_LEN: usize = 12;
/// (offset u32, length u32) into `Strings`.
pub const STR_REF_LEN: usize = 8;
pub const ID_EXCEPTION_LEN: usize = 4 + STR_REF_LEN;
/// The length of an absent string.
pub const ABSENT: u32 = u32::MAX;

/// The sections, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Records,
    Rank,
    Lists,
    Strings,
    TextNames,
    NameStarts,
    NameWords,
    PlaceTextOf,
    PlaceStarts,
    PlaceWords,
    PlaceTexts,
    Suffixes,
    IdExceptions,
    Vocabulary,
    NameCards,
    PlaceCards,
    ListWords,
    ListEntries,
}

pub const SECTIONS: usize = 18;

/// The sections that searches read by the thousand, scattered, and that `copy_hot_sections`
/// copies onto huge pages: the word cards and the word lists (`word_cards.rs`,
/// `word_lists.rs`). Copying the records and rank facts too, and the housenumber store
/// (1.25 GB more on France), took only 2–3% more off the mean request, measured side by side
/// (BENCHMARKS.md, "Hot sections on huge pages").
pub(super) const HOT_SECTIONS: [Section; 3] = [
    Section::NameCards,
    Section::PlaceCards,
    Section::ListEntries,
];

const HEADER_LEN: usize = 8 + 8 + 8 + SECTIONS * 16;
/// Where sections start: a cache line.
const SECTION_ALIGN: u64 = 64;

/// The sections of a file being written, filled by `places::PlaceTableBuilder`.
#[derive(Default)]
pub struct SectionsWriter {
    pub count: u64,
    pub municipalities: u64,
    sections: [Vec<u8>; SECTIONS],
    strings: StringsWriter,
}

impl SectionsWriter {
    pub fn new(count: u64, municipalities: u64) -> SectionsWriter {
        SectionsWriter {
            count,
            municipalities,
            ..SectionsWriter::default()
        }
    }

    pub fn out(&mut self, section: Section) -> &mut Vec<u8> {
        &mut self.sections[section as usize]
    }

    pub fn strings(&mut self) -> &mut StringsWriter {
        &mut self.strings
    }

    /// Writes the header and the sections, each at a 64-byte boundary.
    pub fn write(mut self, path: &Path) -> Result<()> {
        self.sections[Section::Strings as usize] = std::mem::take(&mut self.strings.data);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&self.count.to_le_bytes());
        header.extend_from_slice(&self.municipalities.to_le_bytes());
        let mut offset = HEADER_LEN as u64;
        let mut paddings = [0usize; SECTIONS];
        for (section, padding) in self.sections.iter().zip(&mut paddings) {
            *padding = (offset.next_multiple_of(SECTION_ALIGN) - offset) as usize;
            offset += *padding as u64;
            header.extend_from_slice(&offset.to_le_bytes());
            header.extend_from_slice(&(section.len() as u64).to_le_bytes());
            offset += section.len() as u64;
        }
        let io = |e| Error::io(path, e);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
        out.write_all(&header).map_err(io)?;
        for (section, padding) in self.sections.iter().zip(paddings) {
            out.write_all(&[0u8; SECTION_ALIGN as usize][..padding])
                .map_err(io)?;
            out.write_all(section).map_err(io)?;
        }
        out.into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?
            .sync_all()
            .map_err(io)
    }
}

/// The `Strings` section being written: strings appended, or shared when they repeat.
#[derive(Default)]
pub struct StringsWriter {
    data: Vec<u8>,
    shared: std::collections::HashMap<String, [u8; STR_REF_LEN]>,
}

impl StringsWriter {
    /// A string stored as is (names and ids, which rarely repeat).
    pub fn add(&mut self, s: &str) -> Result<[u8; STR_REF_LEN]> {
        let offset = u32::try_from(self.data.len())
            .ok()
            .filter(|&o| o.checked_add(s.len() as u32).is_some() && s.len() < ABSENT as usize)
            .ok_or_else(|| Error::Input("the place table's text passes 4 GB".into()))?;
        self.data.extend_from_slice(s.as_bytes());
        Ok(str_ref(offset, s.len() as u32))
    }

    /// A string stored once however many places have it (cities, contexts, postcodes…).
    pub fn shared(&mut self, s: &str) -> Result<[u8; STR_REF_LEN]> {
        if let Some(r) = self.shared.get(s) {
            return Ok(*r);
        }
        let r = self.add(s)?;
        self.shared.insert(s.to_string(), r);
        Ok(r)
    }

    pub fn shared_opt(&mut self, s: Option<&str>) -> Result<[u8; STR_REF_LEN]> {
        match s {
            Some(s) => self.shared(s),
            None => Ok(str_ref(0, ABSENT)),
        }
    }
}

/// The string at (offset, len) of `strings`: `None` when absent (len `ABSENT`), `Some("")`
/// when it does not lie inside or cuts a character (a damaged file).
pub fn str_in(strings: &str, offset: u32, len: u32) -> Option<&str> {
    if len == ABSENT {
        return None;
    }
    let start = offset as usize;
    Some(strings.get(start..start + len as usize).unwrap_or_default())
}

fn str_ref(offset: u32, len: u32) -> [u8; STR_REF_LEN] {
    let mut out = [0u8; STR_REF_LEN];
    out[..4].copy_from_slice(&offset.to_le_bytes());
    out[4..].copy_from_slice(&len.to_le_bytes());
    out
}

/// A mapped `places.bin`, its sections checked.
pub struct PlaceFile {
    map: Mmap,
    count: usize,
    municipalities: usize,
    sections: [(usize, usize); SECTIONS],
    /// The open file, for `copy_hot_sections` to read from.
    handle: File,
    /// Copies of the hot sections on huge pages (`index::resident`), read instead of `map`
    /// once made.
    resident: [OnceLock<Mmap>; SECTIONS],
}

impl PlaceFile {
    pub fn open(path: &Path) -> Result<PlaceFile> {
        let damaged = |what: &str| {
            Error::Index(format!(
                "{}: {what}; the index is damaged, re-run `adresse ingest`",
                path.display()
            ))
        };
        if cfg!(target_endian = "big") {
            return Err(Error::Index(format!(
                "{}: the place table is read in place, as little-endian: this machine is big-endian",
                path.display()
            )));
        }
        let handle = File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: the index generation directory is never modified once published (new data
        // goes to a new generation), so the mapped bytes cannot change under us.
        let map = unsafe { Mmap::map(&handle) }.map_err(|e| Error::io(path, e))?;
        if map.len() < HEADER_LEN || &map[..8] != MAGIC {
            return Err(Error::Index(format!(
                "{}: not a place table of this version; re-run `adresse ingest`",
                path.display()
            )));
        }
        let u64_at = |i: usize| {
            map.get(i..i + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .and_then(|v| usize::try_from(v).ok())
                .unwrap_or(usize::MAX)
        };
        let (count, municipalities) = (u64_at(8), u64_at(16));
        if municipalities > count || count > u32::MAX as usize {
            return Err(damaged("impossible place counts"));
        }
        let mut sections = [(0, 0); SECTIONS];
        let mut end = HEADER_LEN;
        for (i, slot) in sections.iter_mut().enumerate() {
            let (offset, len) = (u64_at(24 + 16 * i), u64_at(32 + 16 * i));
            if offset < end || offset % 8 != 0 || offset.checked_add(len).is_none() {
                return Err(damaged("sections out of order"));
            }
            end = offset + len;
            *slot = (offset, len);
        }
        if end != map.len() {
            return Err(damaged(&format!(
                "the sections end at byte {end} but the file holds {} (half-written?)",
                map.len()
            )));
        }
        let file = PlaceFile {
            map,
            count,
            municipalities,
            sections,
            handle,
            resident: std::array::from_fn(|_| OnceLock::new()),
        };
        let len = |s: Section| file.sections[s as usize].1;
        let place_texts = len(Section::PlaceTexts) / STR_REF_LEN;
        let expected = [
            (Section::Records, count * RECORD_LEN),
            (Section::Rank, count * RANK_LEN),
            (Section::TextNames, count * STR_REF_LEN),
            (Section::NameStarts, (count + 1) * 4),
            (Section::PlaceTextOf, count * 4),
            (Section::PlaceStarts, (place_texts + 1) * 4),
            (Section::NameCards, count * CARD_LEN),
            (Section::PlaceCards, place_texts * CARD_LEN),
        ];
        for (section, bytes) in expected {
            if len(section) != bytes {
                return Err(damaged(&format!(
                    "{section:?} holds {} bytes, not {bytes}",
                    len(section)
                )));
            }
        }
        for (section, unit) in [
            (Section::Lists, STR_REF_LEN),
            (Section::NameWords, 8),
            (Section::PlaceWords, 8),
            (Section::PlaceTexts, STR_REF_LEN),
            (Section::Suffixes, STR_REF_LEN),
            (Section::IdExceptions, ID_EXCEPTION_LEN),
            (Section::Vocabulary, STR_REF_LEN),
            (Section::ListWords, LIST_WORD_LEN),
            (Section::ListEntries, ENTRY_LEN),
        ] {
            if len(section) % unit != 0 {
                return Err(damaged(&format!("{section:?} is cut short")));
            }
        }
        // The one pass over a whole section at open: every string is then sliced from it with
        // `str::get`, checked in constant time, instead of being validated at each read.
        if std::str::from_utf8(file.bytes(Section::Strings)).is_err() {
            return Err(damaged("its text is not UTF-8"));
        }
        Ok(file)
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Copies the hot sections onto huge pages (`index::resident`), one after the other;
    /// each is read from its copy as soon as that is made. Meant for a background thread
    /// started after `open`: searches read the mapped file meanwhile, so start-up does not
    /// wait for the ~600 MB of a France index. An error leaves the section mapped.
    pub fn copy_hot_sections(&self) -> std::io::Result<()> {
        for section in HOT_SECTIONS {
            let (offset, len) = self.sections[section as usize];
            let copy = resident::copy(&self.handle, offset as u64, len)?;
            // Only this function sets the copies; a second call keeps the first ones.
            let _ = self.resident[section as usize].set(copy);
        }
        Ok(())
    }

    pub fn municipalities(&self) -> usize {
        self.municipalities
    }

    pub fn bytes(&self, section: Section) -> &[u8] {
        let (offset, len) = self.sections[section as usize];
        match self.resident[section as usize].get() {
            Some(copy) => copy.get(..len).unwrap_or_default(),
            None => self.map.get(offset..offset + len).unwrap_or_default(),
        }
    }

    /// Whether `section` is read from its copy on huge pages rather than from the mapped file.
    #[cfg(test)]
    pub fn reads_copy(&self, section: Section) -> bool {
        self.resident[section as usize].get().is_some()
    }

    /// The `i`-th `size`-byte item of a section.
    pub fn item(&self, section: Section, size: usize, i: usize) -> Option<&[u8]> {
        let start = i.checked_mul(size)?;
        self.bytes(section).get(start..start.checked_add(size)?)
    }

    pub fn u32_at(&self, section: Section, i: usize) -> Option<u32> {
        Some(u32::from_le_bytes(
            self.item(section, 4, i)?.try_into().ok()?,
        ))
    }

    /// Items `start..end` of a section of u64, in place; empty if out of bounds.
    pub fn u64s(&self, section: Section, start: u32, end: u32) -> &[u64] {
        let (start, end) = (start as usize * 8, end as usize * 8);
        self.bytes(section)
            .get(start..end)
            .and_then(|b| <[u64]>::ref_from_bytes(b).ok())
            .unwrap_or_default()
    }

    /// The whole `Strings` section, which string refs point into.
    pub fn strings(&self) -> &str {
        let bytes = self.bytes(Section::Strings);
        // SAFETY: `open` refused the file unless these bytes were valid UTF-8, and the mapping
        // cannot change (see `open`).
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The string a string ref points to: `None` when absent; `Some("")` when the ref does not
    /// point inside the text or cuts a character (a damaged file).
    pub fn str_opt(&self, r: &[u8]) -> Option<&str> {
        let field = |i: usize| {
            r.get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes) as usize
        };
        str_in(self.strings(), field(0) as u32, field(4) as u32)
    }

    pub fn str(&self, r: &[u8]) -> &str {
        self.str_opt(r).unwrap_or_default()
    }

    /// Asks the processor to bring in the start of the string a string ref points to.
    pub fn prefetch_str(&self, r: &[u8]) {
        if let Some(offset) = r.get(..4).and_then(|b| b.try_into().ok()) {
            let offset = u32::from_le_bytes(offset) as usize;
            crate::index::word_ids::prefetch(self.strings().as_bytes().get(offset));
        }
    }
}
