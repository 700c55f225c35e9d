//! Places and search texts read in place from the mapped `places.bin`: [`PlaceRef`], a place
//! borrowed from the map (decoding a record is a few loads and bounds checks, no allocation),
//! and the tables handing them out by `ord`.
//!
//! A record is [`RECORD_LEN`] bytes, all little-endian:
//! `kind u8 | 3 reserved | housenumbers_start u32 | housenumbers_len u32 | 4 reserved |
//! lon lat x y importance f64 | population u64 (u64::MAX: none) |` string refs of `id name
//! postcode citycode city district oldcity oldcitycode context` | `postcodes citycodes
//! localities` as (first u32, count u32) ranges of the `Lists` section.
//!
//! `PlaceRef` has public fields like the owned `model::Place`, so readers use both alike; the
//! strings are [`PlaceStr`]s (a `&str` into the map), and the lists are [`StrList`]s.

use std::fmt;
use std::sync::Arc;

use crate::index::word_ids::{prefetch, Stage};
use crate::model::{Kind, Place, Position};

use super::file::{str_in, PlaceFile, Section, RANK_LEN, RECORD_LEN, STR_REF_LEN};

/// A string of a place, borrowed from the place table: a `&str` (it derefs to one, and
/// compares with `str` and `String`), wrapped so that `as_str()` works as on an owned field.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlaceStr<'a>(&'a str);

impl<'a> PlaceStr<'a> {
    pub fn as_str(self) -> &'a str {
        self.0
    }
}

impl<'a> From<&'a str> for PlaceStr<'a> {
    fn from(s: &'a str) -> PlaceStr<'a> {
        PlaceStr(s)
    }
}

impl std::ops::Deref for PlaceStr<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for PlaceStr<'_> {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl fmt::Display for PlaceStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for PlaceStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

macro_rules! place_str_eq {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for PlaceStr<'_> {
            fn eq(&self, other: &$other) -> bool {
                self.0 == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<PlaceStr<'_>> for $other {
            fn eq(&self, other: &PlaceStr<'_>) -> bool {
                AsRef::<str>::as_ref(self) == other.0
            }
        }
    )*};
}
place_str_eq!(str, &str, String);

/// A list field of a place (postcodes, citycodes, localities).
#[derive(Clone, Copy)]
pub enum StrList<'a> {
    /// String refs of the `Lists` section.
    Mapped {
        refs: &'a [u8],
        file: &'a PlaceFile,
    },
    Owned(&'a [String]),
}

impl<'a> StrList<'a> {
    pub fn len(&self) -> usize {
        match self {
            StrList::Mapped { refs, .. } => refs.len() / STR_REF_LEN,
            StrList::Owned(list) => list.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            StrList::Mapped { refs, file } => {
                let r = refs.get(i.checked_mul(STR_REF_LEN)?..(i + 1) * STR_REF_LEN)?;
                Some(file.str(r))
            }
            StrList::Owned(list) => list.get(i).map(String::as_str),
        }
    }

    pub fn first(&self) -> Option<&'a str> {
        self.get(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let list = *self;
        (0..list.len()).filter_map(move |i| list.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl fmt::Debug for StrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A place borrowed from the place table (or from an owned [`Place`]).
#[derive(Debug, Clone, Copy)]
pub struct PlaceRef<'a> {
    pub kind: Kind,
    pub id: PlaceStr<'a>,
    pub name: PlaceStr<'a>,
    pub postcode: Option<PlaceStr<'a>>,
    pub postcodes: StrList<'a>,
    pub citycode: PlaceStr<'a>,
    pub citycodes: StrList<'a>,
    pub city: PlaceStr<'a>,
    pub district: Option<PlaceStr<'a>>,
    pub oldcity: Option<PlaceStr<'a>>,
    pub oldcitycode: Option<PlaceStr<'a>>,
    pub context: PlaceStr<'a>,
    pub position: Position,
    pub importance: f64,
    pub population: Option<u64>,
    pub localities: StrList<'a>,
    pub housenumbers_start: u32,
    pub housenumbers_len: u32,
}

impl<'a> From<&'a Place> for PlaceRef<'a> {
    fn from(p: &'a Place) -> PlaceRef<'a> {
        PlaceRef {
            kind: p.kind,
            id: PlaceStr(&p.id),
            name: PlaceStr(&p.name),
            postcode: p.postcode.as_deref().map(PlaceStr),
            postcodes: StrList::Owned(&p.postcodes),
            citycode: PlaceStr(&p.citycode),
            citycodes: StrList::Owned(&p.citycodes),
            city: PlaceStr(&p.city),
            district: p.district.as_deref().map(PlaceStr),
            oldcity: p.oldcity.as_deref().map(PlaceStr),
            oldcitycode: p.oldcitycode.as_deref().map(PlaceStr),
            context: PlaceStr(&p.context),
            position: p.position,
            importance: p.importance,
            population: p.population,
            localities: StrList::Owned(&p.localities),
            housenumbers_start: p.housenumbers_start,
            housenumbers_len: p.housenumbers_len,
        }
    }
}

impl PlaceRef<'_> {
    /// Label as the public API writes it: "<street> <postcode> <city>" or "<city>".
    pub fn label(&self) -> String {
        match (self.kind, self.postcode) {
            (Kind::Municipality, _) => self.name.to_string(),
            (_, Some(postcode)) => format!("{} {} {}", self.name, postcode, self.city),
            (_, None) => format!("{} {}", self.name, self.city),
        }
    }

    /// The owned place, as ingest builds it.
    pub fn to_place(&self) -> Place {
        let owned = |s: Option<PlaceStr>| s.map(|s| s.to_string());
        Place {
            kind: self.kind,
            id: self.id.to_string(),
            name: self.name.to_string(),
            postcode: owned(self.postcode),
            postcodes: self.postcodes.to_vec(),
            citycode: self.citycode.to_string(),
            citycodes: self.citycodes.to_vec(),
            city: self.city.to_string(),
            district: owned(self.district),
            oldcity: owned(self.oldcity),
            oldcitycode: owned(self.oldcitycode),
            context: self.context.to_string(),
            position: self.position,
            importance: self.importance,
            population: self.population,
            localities: self.localities.to_vec(),
            housenumbers_start: self.housenumbers_start,
            housenumbers_len: self.housenumbers_len,
        }
    }
}

/// Byte offsets of a record's fields.
mod at {
    pub const KIND: usize = 0;
    pub const HOUSENUMBERS_START: usize = 4;
    pub const HOUSENUMBERS_LEN: usize = 8;
    pub const LON: usize = 16;
    pub const LAT: usize = 24;
    pub const X: usize = 32;
    pub const Y: usize = 40;
    pub const IMPORTANCE: usize = 48;
    pub const POPULATION: usize = 56;
    pub const ID: usize = 64;
    pub const NAME: usize = 72;
    pub const POSTCODE: usize = 80;
    pub const CITYCODE: usize = 88;
    pub const CITY: usize = 96;
    pub const DISTRICT: usize = 104;
    pub const OLDCITY: usize = 112;
    pub const OLDCITYCODE: usize = 120;
    pub const CONTEXT: usize = 128;
    pub const POSTCODES: usize = 136;
    pub const CITYCODES: usize = 144;
    pub const LOCALITIES: usize = 152;
}
const _: () = assert!(at::LOCALITIES + 8 == RECORD_LEN);

const NO_POPULATION: u64 = u64::MAX;

/// Encodes a place's record; `strings` and `list` store its strings and lists.
pub(super) fn encode_record(
    p: &Place,
    strings: &mut super::file::StringsWriter,
    lists: &mut Vec<u8>,
) -> crate::error::Result<[u8; RECORD_LEN]> {
    let mut out = [0u8; RECORD_LEN];
    let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
    put(at::KIND, &[p.kind as u8]);
    put(at::HOUSENUMBERS_START, &p.housenumbers_start.to_le_bytes());
    put(at::HOUSENUMBERS_LEN, &p.housenumbers_len.to_le_bytes());
    put(at::LON, &p.position.lon.to_le_bytes());
    put(at::LAT, &p.position.lat.to_le_bytes());
    put(at::X, &p.position.x.to_le_bytes());
    put(at::Y, &p.position.y.to_le_bytes());
    put(at::IMPORTANCE, &p.importance.to_le_bytes());
    put(
        at::POPULATION,
        &p.population.unwrap_or(NO_POPULATION).to_le_bytes(),
    );
    put(at::ID, &strings.add(&p.id)?);
    put(at::NAME, &strings.add(&p.name)?);
    put(at::POSTCODE, &strings.shared_opt(p.postcode.as_deref())?);
    put(at::CITYCODE, &strings.shared(&p.citycode)?);
    put(at::CITY, &strings.shared(&p.city)?);
    put(at::DISTRICT, &strings.shared_opt(p.district.as_deref())?);
    put(at::OLDCITY, &strings.shared_opt(p.oldcity.as_deref())?);
    put(
        at::OLDCITYCODE,
        &strings.shared_opt(p.oldcitycode.as_deref())?,
    );
    put(at::CONTEXT, &strings.shared(&p.context)?);
    for (at, list) in [
        (at::POSTCODES, &p.postcodes),
        (at::CITYCODES, &p.citycodes),
        (at::LOCALITIES, &p.localities),
    ] {
        let first = u32::try_from(lists.len() / STR_REF_LEN)
            .map_err(|_| crate::error::Error::Input("too many place list items".into()))?;
        for s in list {
            lists.extend_from_slice(&strings.shared(s)?);
        }
        put(at, &first.to_le_bytes());
        put(at + 4, &(list.len() as u32).to_le_bytes());
    }
    Ok(out)
}

fn u32_of(r: &[u8; RECORD_LEN], at: usize) -> u32 {
    u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]])
}

fn u64_of(r: &[u8; RECORD_LEN], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&r[at..at + 8]);
    u64::from_le_bytes(b)
}

fn f64_of(r: &[u8; RECORD_LEN], at: usize) -> f64 {
    f64::from_bits(u64_of(r, at))
}

/// Every place of the table, by `ord`.
pub struct Places {
    pub(super) file: Arc<PlaceFile>,
}

impl Places {
    pub fn len(&self) -> usize {
        self.file.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn record(&self, ord: usize) -> Option<&[u8; RECORD_LEN]> {
        self.file
            .item(Section::Records, RECORD_LEN, ord)?
            .try_into()
            .ok()
    }

    /// Asks the processor to bring in the record `get` will read for `ord`.
    pub fn prefetch(&self, ord: usize) {
        let records = self.file.bytes(Section::Records);
        let start = ord.saturating_mul(RECORD_LEN);
        for offset in (0..RECORD_LEN).step_by(64) {
            prefetch(records.get(start + offset));
        }
        prefetch(records.get(start + RECORD_LEN - 1));
    }

    pub fn get(&self, ord: usize) -> Option<PlaceRef<'_>> {
        let r = self.record(ord)?;
        let file = &*self.file;
        // Sections looked up once: this runs for every candidate a query rescores.
        let (strings, lists) = (file.strings(), file.bytes(Section::Lists));
        let opt = |at: usize| str_in(strings, u32_of(r, at), u32_of(r, at + 4)).map(PlaceStr);
        let s = |at: usize| opt(at).unwrap_or_default();
        let list = |at: usize| {
            let (first, len) = (u32_of(r, at) as usize, u32_of(r, at + 4) as usize);
            let refs = lists
                .get(first * STR_REF_LEN..(first + len) * STR_REF_LEN)
                .unwrap_or_default();
            StrList::Mapped { refs, file }
        };
        let start = u32_of(r, at::HOUSENUMBERS_START);
        let population = u64_of(r, at::POPULATION);
        Some(PlaceRef {
            kind: match r[at::KIND] & 3 {
                0 => Kind::Housenumber,
                1 => Kind::Street,
                2 => Kind::Locality,
                _ => Kind::Municipality,
            },
            id: s(at::ID),
            name: s(at::NAME),
            postcode: opt(at::POSTCODE),
            postcodes: list(at::POSTCODES),
            citycode: s(at::CITYCODE),
            citycodes: list(at::CITYCODES),
            city: s(at::CITY),
            district: opt(at::DISTRICT),
            oldcity: opt(at::OLDCITY),
            oldcitycode: opt(at::OLDCITYCODE),
            context: s(at::CONTEXT),
            position: Position {
                lon: f64_of(r, at::LON),
                lat: f64_of(r, at::LAT),
                x: f64_of(r, at::X),
                y: f64_of(r, at::Y),
            },
            importance: f64_of(r, at::IMPORTANCE),
            population: (population != NO_POPULATION).then_some(population),
            localities: list(at::LOCALITIES),
            housenumbers_start: start,
            // Bounded so that `start + len` never overflows, whatever the file says.
            housenumbers_len: u32_of(r, at::HOUSENUMBERS_LEN).min(u32::MAX - start),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = PlaceRef<'_>> + '_ {
        (0..self.len()).filter_map(|ord| self.get(ord))
    }

    /// A place's importance, without decoding the rest of its record.
    pub fn importance(&self, ord: u32) -> Option<f64> {
        Some(f64_of(self.record(ord as usize)?, at::IMPORTANCE))
    }

    /// A place's (lon, lat), without decoding the rest of its record.
    pub fn lon_lat(&self, ord: u32) -> Option<(f64, f64)> {
        let r = self.record(ord as usize)?;
        Some((f64_of(r, at::LON), f64_of(r, at::LAT)))
    }

    /// (importance, lon, lat) of every place as f32, from the compact `Rank` section.
    pub fn rank_facts(&self) -> impl Iterator<Item = (f32, f32, f32)> + '_ {
        self.file
            .bytes(Section::Rank)
            .chunks_exact(RANK_LEN)
            .map(|c| {
                let f = |i: usize| f32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
                (f(0), f(4), f(8))
            })
    }
}

/// The normalised words of a place, as indexed, borrowed from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef<'a> {
    /// Words of the name, space-separated.
    pub name: &'a str,
    /// Words of where the place is (city, district, former commune, lieux-dits, postcodes).
    pub place: &'a str,
}

/// The search text of every place, by `ord`.
pub struct Texts {
    pub(super) file: Arc<PlaceFile>,
}

impl Texts {
    pub fn len(&self) -> usize {
        self.file.count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The normalised name of a place: all that common-word scoring reads.
    pub fn name(&self, ord: usize) -> Option<&str> {
        Some(
            self.file
                .str(self.file.item(Section::TextNames, STR_REF_LEN, ord)?),
        )
    }

    /// Asks the processor to bring in what `name` will read for `ord`, in the two stages of
    /// `WordIds::prefetch`: the name's string ref, then (once it has arrived) its bytes.
    pub fn prefetch_name(&self, ord: u32, stage: Stage) {
        let ord = ord as usize;
        match stage {
            Stage::Lookup => prefetch(
                self.file
                    .bytes(Section::TextNames)
                    .get(ord.saturating_mul(STR_REF_LEN)),
            ),
            Stage::Words => {
                if let Some(r) = self.file.item(Section::TextNames, STR_REF_LEN, ord) {
                    self.file.prefetch_str(r);
                }
            }
            Stage::PlaceText => {}
        }
    }

    pub fn get(&self, ord: usize) -> Option<TextRef<'_>> {
        let name = self.name(ord)?;
        let place = self
            .file
            .u32_at(Section::PlaceTextOf, ord)
            .and_then(|id| {
                self.file
                    .item(Section::PlaceTexts, STR_REF_LEN, id as usize)
            })
            .map_or("", |r| self.file.str(r));
        Some(TextRef { name, place })
    }
}
