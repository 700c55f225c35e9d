//! `adresse`: a geocoder for French addresses built on the Base Adresse Nationale.
//!
//! Data flows one way: [`ingest`] reads BAN CSV files into an [`index`] generation on disk;
//! [`Geocoder`] opens it and answers [`search`] (forward, with autocomplete) and [`reverse`]
//! queries; [`server`] exposes both over HTTP with the api-adresse contract. French text
//! handling lives in [`text`], shared by ingest and query.

pub mod batch;
pub mod corrections;
pub mod error;
pub mod geocoder;
pub mod index;
pub mod ingest;
pub mod low_priority;
pub mod model;
pub mod result_view;
pub mod reverse;
pub mod search;
pub mod server;
pub mod synth;
pub mod text;

pub use error::{Error, Result};
pub use geocoder::Geocoder;
