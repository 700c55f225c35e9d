//! Writes places into a new index generation: tantivy documents, the place table and the
//! housenumber store, keeping them in step (a place's `ord` is its position in the table), and
//! at the end the point index of reverse geocoding.

use std::collections::HashMap;
use std::path::Path;

use tantivy::IndexWriter as TantivyWriter;

use crate::error::{Error, Result};
use crate::index::numbers::{NumberRecord, Numbers, NumbersWriter};
use crate::index::places::{derived_housenumber_id, PlaceTableBuilder};
use crate::index::points::PointIndex;
use crate::index::schema::{self, Fields};
use crate::index::{NUMBERS_FILE, PLACES_FILE, POINTS_FILE, TANTIVY_DIR};
use crate::model::{Kind, Place};

use super::ban_csv::BanRow;

/// Memory tantivy may use for its indexing buffers (split among its threads).
const TANTIVY_HEAP_BYTES: usize = 256 << 20;

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub municipalities: u64,
    pub streets: u64,
    pub localities: u64,
    pub housenumbers: u64,
}

pub struct GenerationWriter {
    tantivy: TantivyWriter,
    fields: Fields,
    table: PlaceTableBuilder,
    numbers: NumbersWriter,
    suffix_index: HashMap<String, u16>,
    pub counts: Counts,
}

impl GenerationWriter {
    /// A writer whose tantivy indexing runs on `threads` threads (at least one).
    pub fn create(dir: &Path, threads: usize) -> Result<GenerationWriter> {
        let tantivy_dir = dir.join(TANTIVY_DIR);
        std::fs::create_dir_all(&tantivy_dir).map_err(|e| Error::io(&tantivy_dir, e))?;
        let (schema, fields) = schema::build_schema();
        let index = tantivy::Index::create_in_dir(&tantivy_dir, schema)?;
        schema::register_tokenizer(&index);
        let tantivy = index.writer_with_num_threads(threads.max(1), TANTIVY_HEAP_BYTES)?;
        let table = PlaceTableBuilder {
            suffixes: vec![String::new()],
            ..PlaceTableBuilder::default()
        };
        Ok(GenerationWriter {
            tantivy,
            fields,
            table,
            numbers: NumbersWriter::create(&dir.join(NUMBERS_FILE))?,
            suffix_index: HashMap::from([(String::new(), 0)]),
            counts: Counts::default(),
        })
    }

    /// Adds a municipality or locality (a place without housenumbers).
    pub fn add_place(&mut self, place: Place) -> Result<()> {
        match place.kind {
            Kind::Municipality => self.counts.municipalities += 1,
            Kind::Locality => self.counts.localities += 1,
            Kind::Street | Kind::Housenumber => self.counts.streets += 1,
        }
        let ord = self.table.places.len() as u32;
        let text = schema::search_text(&place);
        self.tantivy
            .add_document(schema::document(&self.fields, &place, &text, ord))?;
        self.table.texts.push(text);
        self.table.places.push(place);
        Ok(())
    }

    /// Adds a street with its housenumbers, already sorted by number and suffix.
    pub fn add_street(&mut self, mut place: Place, numbers: &[BanRow]) -> Result<()> {
        place.housenumbers_start = u32::try_from(self.numbers.position())
            .map_err(|_| Error::Input("more than 4 billion housenumbers".into()))?;
        place.housenumbers_len = numbers.len() as u32;
        for row in numbers {
            let suffix = self.suffix(&row.rep)?;
            let position = self.numbers.position() as u32;
            if derived_housenumber_id(&place.id, row.numero, &row.rep) != row.id {
                self.table.id_exceptions.push((position, row.id.clone()));
            }
            self.numbers.push(&NumberRecord::new(
                row.numero, suffix, row.lon, row.lat, row.x, row.y,
            ))?;
        }
        self.counts.housenumbers += numbers.len() as u64;
        self.add_place(place)
    }

    fn suffix(&mut self, rep: &str) -> Result<u16> {
        if let Some(&i) = self.suffix_index.get(rep) {
            return Ok(i);
        }
        let i = u16::try_from(self.table.suffixes.len())
            .map_err(|_| Error::Input("more than 65,535 distinct housenumber suffixes".into()))?;
        self.table.suffixes.push(rep.to_string());
        self.suffix_index.insert(rep.to_string(), i);
        Ok(i)
    }

    /// Commits tantivy (merged into few segments for fast search) and writes the stores.
    pub fn finish(mut self, dir: &Path) -> Result<Counts> {
        self.tantivy.commit()?;
        let segments = self.tantivy.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.tantivy
                .merge(&segments)
                .wait()
                .map_err(|e| Error::Internal(format!("merging index segments: {e}")))?;
        }
        self.tantivy.wait_merging_threads()?;
        self.table.write(&dir.join(PLACES_FILE))?;
        self.numbers.finish()?;
        // The point index reads the positions back from the finished store, rather than
        // keeping 26 M of them in memory during the ingest.
        let numbers = Numbers::open(&dir.join(NUMBERS_FILE))?;
        PointIndex::write(&dir.join(POINTS_FILE), &self.table.places, &numbers)?;
        Ok(self.counts)
    }
}
