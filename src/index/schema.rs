//! The tantivy schema of place documents, and the field handles resolved once at open.
//!
//! Text fields hold text already normalised by [`crate::text`] and are split on whitespace only,
//! so index and query see the same tokens. Nothing is stored in tantivy: what results show lives
//! in the place table, reached through the `ord` fast field.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::Index;

use crate::error::{Error, Result};

/// Name of the whitespace tokenizer registered on every index.
pub const TOKENIZER: &str = "adresse";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The place's own name: street, locality or municipality name.
    pub name: Field,
    /// Where it is: city, district, former commune, postcodes, lieux-dits, département.
    pub place: Field,
    /// Filters: the kind ("street"…), citycodes and postcodes, as raw strings.
    pub kind: Field,
    pub citycode: Field,
    pub postcode: Field,
    /// Position of the place in the place table.
    pub ord: Field,
    pub importance: Field,
    pub lon: Field,
    pub lat: Field,
}

pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        name: builder.add_text_field("name", text.clone()),
        place: builder.add_text_field("place", text),
        kind: builder.add_text_field("kind", STRING),
        citycode: builder.add_text_field("citycode", STRING),
        postcode: builder.add_text_field("postcode", STRING),
        ord: builder.add_u64_field("ord", FAST | INDEXED),
        importance: builder.add_f64_field("importance", FAST),
        lon: builder.add_f64_field("lon", FAST),
        lat: builder.add_f64_field("lat", FAST),
    };
    (builder.build(), fields)
}

/// Registers our tokenizer on an index (needed after every create or open).
pub fn register_tokenizer(index: &Index) {
    index.tokenizers().register(
        TOKENIZER,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
}

/// Resolves the field handles of an opened index, refusing a schema that is not ours.
pub fn fields_of(index: &Index) -> Result<Fields> {
    let schema = index.schema();
    let get = |name: &str| {
        schema
            .get_field(name)
            .map_err(|_| Error::Index(format!("the full-text index has no field {name:?}")))
    };
    Ok(Fields {
        name: get("name")?,
        place: get("place")?,
        kind: get("kind")?,
        citycode: get("citycode")?,
        postcode: get("postcode")?,
        ord: get("ord")?,
        importance: get("importance")?,
        lon: get("lon")?,
        lat: get("lat")?,
    })
}

/// The searchable text of a place's surroundings: city, district, former commune, lieux-dits
/// (and the département's name for a municipality), then its postcodes.
pub fn place_text(place: &crate::model::Place) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if place.kind != crate::model::Kind::Municipality {
        parts.push(&place.city);
    }
    parts.extend(place.district.as_deref());
    parts.extend(place.oldcity.as_deref());
    parts.extend(place.localities.iter().map(String::as_str));
    let mut text = crate::text::normalize(&parts.join(" "));
    for postcode in &place.postcodes {
        text.push(' ');
        text.push_str(postcode);
    }
    text
}

/// The words a place is searched by.
pub fn search_text(place: &crate::model::Place) -> super::places::SearchText {
    super::places::SearchText {
        name: crate::text::normalize(&place.name),
        place: place_text(place),
    }
}

/// The tantivy document of the place at position `ord` of the place table.
pub fn document(
    fields: &Fields,
    place: &crate::model::Place,
    text: &super::places::SearchText,
    ord: u32,
) -> tantivy::TantivyDocument {
    let mut doc = tantivy::TantivyDocument::default();
    doc.add_text(fields.name, &text.name);
    doc.add_text(fields.place, &text.place);
    doc.add_text(fields.kind, place.kind.as_str());
    for code in &place.citycodes {
        doc.add_text(fields.citycode, code);
    }
    for postcode in &place.postcodes {
        doc.add_text(fields.postcode, postcode);
    }
    doc.add_u64(fields.ord, ord as u64);
    doc.add_f64(fields.importance, place.importance);
    doc.add_f64(fields.lon, place.position.lon);
    doc.add_f64(fields.lat, place.position.lat);
    doc
}
