//! The housenumber store (`numbers.bin`): every housenumber of every street as a fixed-size
//! record, grouped by street and sorted by number within it, memory-mapped at serve time.
//!
//! Layout: the magic `ADRNUM01`, the record count (u64 LE), then 24-byte records:
//! `number u32 | suffix u16 | reserved u16 | lon i32 | lat i32 | x i32 | y i32`, all LE, with
//! lon/lat in millionths of a degree (BAN's own precision, so nothing is lost) and x/y
//! (Lambert-93) in centimetres; `suffix` indexes the suffix table of the place store.
//! Fixed records keep France (26 M numbers) at ~620 MB, paged in on demand.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"ADRNUM01";
const HEADER_LEN: usize = 16;
pub const RECORD_LEN: usize = 24;
/// x/y of a row that had none.
const NO_PROJECTION: i32 = i32::MIN;

/// One housenumber as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberRecord {
    pub number: u32,
    pub suffix: u16,
    pub lon_e6: i32,
    pub lat_e6: i32,
    pub x_cm: i32,
    pub y_cm: i32,
}

impl NumberRecord {
    pub fn new(number: u32, suffix: u16, lon: f64, lat: f64, x: f64, y: f64) -> NumberRecord {
        let cm = |v: f64| {
            if v.is_finite() {
                (v * 100.0).round() as i32
            } else {
                NO_PROJECTION
            }
        };
        NumberRecord {
            number,
            suffix,
            lon_e6: (lon * 1e6).round() as i32,
            lat_e6: (lat * 1e6).round() as i32,
            x_cm: cm(x),
            y_cm: cm(y),
        }
    }

    pub fn lon(&self) -> f64 {
        self.lon_e6 as f64 / 1e6
    }

    pub fn lat(&self) -> f64 {
        self.lat_e6 as f64 / 1e6
    }

    /// Lambert-93 x and y in metres, when the row had them.
    pub fn xy(&self) -> Option<(f64, f64)> {
        (self.x_cm != NO_PROJECTION).then(|| (self.x_cm as f64 / 100.0, self.y_cm as f64 / 100.0))
    }

    fn encode(&self) -> [u8; RECORD_LEN] {
        let mut out = [0u8; RECORD_LEN];
        out[0..4].copy_from_slice(&self.number.to_le_bytes());
        out[4..6].copy_from_slice(&self.suffix.to_le_bytes());
        out[8..12].copy_from_slice(&self.lon_e6.to_le_bytes());
        out[12..16].copy_from_slice(&self.lat_e6.to_le_bytes());
        out[16..20].copy_from_slice(&self.x_cm.to_le_bytes());
        out[20..24].copy_from_slice(&self.y_cm.to_le_bytes());
        out
    }

    fn decode(b: &[u8; RECORD_LEN]) -> NumberRecord {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        NumberRecord {
            number: u32_at(0),
            suffix: u16::from_le_bytes([b[4], b[5]]),
            lon_e6: u32_at(8) as i32,
            lat_e6: u32_at(12) as i32,
            x_cm: u32_at(16) as i32,
            y_cm: u32_at(20) as i32,
        }
    }
}

/// Appends records to a new `numbers.bin`.
pub struct NumbersWriter {
    file: BufWriter<File>,
    count: u64,
    path: std::path::PathBuf,
}

impl NumbersWriter {
    pub fn create(path: &Path) -> Result<NumbersWriter> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut writer = NumbersWriter {
            file: BufWriter::with_capacity(1 << 20, file),
            count: 0,
            path: path.into(),
        };
        writer.write(MAGIC)?;
        writer.write(&0u64.to_le_bytes())?;
        Ok(writer)
    }

    /// The position the next record will have (the number written so far).
    pub fn position(&self) -> u64 {
        self.count
    }

    pub fn push(&mut self, record: &NumberRecord) -> Result<()> {
        self.write(&record.encode())?;
        self.count += 1;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Writes the count into the header and flushes to disk.
    pub fn finish(mut self) -> Result<u64> {
        let path = self.path.clone();
        let io = |e| Error::io(&path, e);
        self.file.flush().map_err(io)?;
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        file.seek(SeekFrom::Start(8)).map_err(io)?;
        file.write_all(&self.count.to_le_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(self.count)
    }
}

/// The memory-mapped store, read-only.
pub struct Numbers {
    mmap: Option<Mmap>,
    count: usize,
}

impl Numbers {
    pub fn open(path: &Path) -> Result<Numbers> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len() as usize;
        if len < HEADER_LEN {
            return Err(Error::Index(format!(
                "{}: too short to be a housenumber store",
                path.display()
            )));
        }
        // SAFETY: the index generation directory is never modified once published (new data
        // goes to a new generation), so the mapped bytes cannot change under us.
        let mmap = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        if &mmap[..8] != MAGIC {
            return Err(Error::Index(format!(
                "{}: not a housenumber store of this version",
                path.display()
            )));
        }
        let count = u64::from_le_bytes(mmap[8..16].try_into().unwrap_or_default()) as usize;
        let expected = count
            .checked_mul(RECORD_LEN)
            .and_then(|n| n.checked_add(HEADER_LEN));
        if expected != Some(len) {
            return Err(Error::Index(format!(
                "{}: {count} records announced but the file holds {} bytes (half-written?)",
                path.display(),
                len
            )));
        }
        Ok(Numbers {
            mmap: (count > 0).then_some(mmap),
            count,
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The record at `i`; `None` past the end.
    pub fn get(&self, i: usize) -> Option<NumberRecord> {
        let start = HEADER_LEN + i.checked_mul(RECORD_LEN)?;
        let bytes = self.mmap.as_ref()?.get(start..start + RECORD_LEN)?;
        Some(NumberRecord::decode(bytes.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_the_file() {
        let dir = tempdir();
        let path = dir.path().join("numbers.bin");
        let records = [
            NumberRecord::new(1, 0, 6.931431, 44.788965, 1010832.86, 6417719.23),
            NumberRecord::new(12, 3, 2.330113, 48.861299, f64::NAN, f64::NAN),
        ];
        let mut writer = NumbersWriter::create(&path).unwrap();
        for r in &records {
            writer.push(r).unwrap();
        }
        assert_eq!(writer.finish().unwrap(), 2);
        let store = Numbers::open(&path).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(0), Some(records[0]));
        assert_eq!(store.get(1).unwrap().xy(), None);
        assert_eq!(store.get(0).unwrap().lon(), 6.931431);
        assert_eq!(store.get(2), None);
    }

    #[test]
    fn a_truncated_store_is_refused() {
        let dir = tempdir();
        let path = dir.path().join("numbers.bin");
        let mut writer = NumbersWriter::create(&path).unwrap();
        writer
            .push(&NumberRecord::new(1, 0, 1.0, 45.0, 0.0, 0.0))
            .unwrap();
        writer.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(matches!(Numbers::open(&path), Err(Error::Index(_))));
    }

    /// A directory removed when the test ends, passed or not.
    fn tempdir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("adresse-numbers-")
            .tempdir()
            .unwrap()
    }
}
