//! Administrative reference data (`data/ref/`): commune names, populations, postcodes,
//! arrondissements and former communes, département and région names for the `context` label,
//! and commune centres. Read once per ingest.

use std::collections::HashMap;
use std::path::Path;

use flate2::read::GzDecoder;
use serde::Deserialize;

use crate::error::{Error, Result};

/// One entry of `communes.json` (`@etalab/decoupage-administratif`), the fields we use.
#[derive(Debug, Clone, Deserialize)]
pub struct Commune {
    pub code: String,
    pub nom: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub population: Option<u64>,
    #[serde(default, rename = "codesPostaux")]
    pub postcodes: Vec<String>,
    /// For a municipal arrondissement: the city it belongs to (75056 for Paris).
    #[serde(default)]
    pub commune: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Area {
    code: String,
    nom: String,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommuneGeo {
    pub center: [f64; 2],
    pub bbox: [f64; 4],
}

/// The reference tables, indexed by code.
#[derive(Debug, Default)]
pub struct Reference {
    /// Current communes and municipal arrondissements.
    communes: HashMap<String, Commune>,
    /// Delegated and associated (former) communes.
    former: HashMap<String, Commune>,
    departements: HashMap<String, Area>,
    regions: HashMap<String, String>,
    geo: HashMap<String, CommuneGeo>,
}

impl Reference {
    /// Loads the four files of `dir` (gzipped JSON, as shipped in `data/ref/`).
    pub fn load(dir: &Path) -> Result<Reference> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map(|bytes| (path.display().to_string(), bytes))
                .map_err(|e| Error::io(&path, e))
        };
        Reference::from_files([
            read("communes.json.gz")?,
            read("departements.json.gz")?,
            read("regions.json.gz")?,
            read("communes-geo.json.gz")?,
        ])
    }

    /// The reference data built into the binary (the files of `data/ref/` at build time), so
    /// that an ingest needs nothing but BAN files.
    pub fn embedded() -> Result<Reference> {
        let file = |name: &str, bytes: &[u8]| (format!("(built-in) {name}"), bytes.to_vec());
        Reference::from_files([
            file(
                "communes.json.gz",
                include_bytes!("../../data/ref/communes.json.gz"),
            ),
            file(
                "departements.json.gz",
                include_bytes!("../../data/ref/departements.json.gz"),
            ),
            file(
                "regions.json.gz",
                include_bytes!("../../data/ref/regions.json.gz"),
            ),
            file(
                "communes-geo.json.gz",
                include_bytes!("../../data/ref/communes-geo.json.gz"),
            ),
        ])
    }

    /// Builds the tables from (name, gzipped JSON) of communes, départements, régions and
    /// commune centres, in that order.
    fn from_files(files: [(String, Vec<u8>); 4]) -> Result<Reference> {
        let [communes, departements, regions, geo] = files;
        let mut reference = Reference::default();
        for commune in parse_json::<Vec<Commune>>(&communes)? {
            let table = match commune.kind.as_str() {
                "commune-actuelle" | "arrondissement-municipal" => &mut reference.communes,
                _ => &mut reference.former,
            };
            table.insert(commune.code.clone(), commune);
        }
        let departements: Vec<Area> = parse_json(&departements)?;
        reference.departements = departements
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect();
        let regions: Vec<Area> = parse_json(&regions)?;
        reference.regions = regions.into_iter().map(|r| (r.code, r.nom)).collect();
        reference.geo = parse_json(&geo)?;
        Ok(reference)
    }

    /// A current commune or arrondissement by INSEE code, else a former commune.
    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.communes.get(code).or_else(|| self.former.get(code))
    }

    /// The city an arrondissement belongs to (Paris, Lyon, Marseille), if `code` is one.
    pub fn city_of_arrondissement(&self, code: &str) -> Option<&Commune> {
        let parent = self.communes.get(code)?.commune.as_deref()?;
        self.communes.get(parent)
    }

    pub fn geo(&self, code: &str) -> Option<&CommuneGeo> {
        self.geo.get(code)
    }

    /// "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur": département code, its name, its région,
    /// without repeating a name (Paris is its own département).
    pub fn context(&self, citycode: &str) -> String {
        let code = departement_code(citycode);
        let Some(dep) = self.departements.get(code) else {
            return code.to_string();
        };
        let mut parts = vec![code, dep.nom.as_str()];
        if let Some(region) = dep.region.as_ref().and_then(|r| self.regions.get(r)) {
            if !parts.contains(&region.as_str()) {
                parts.push(region);
            }
        }
        parts.join(", ")
    }
}

/// The département of a citycode: three characters overseas (971…976), two elsewhere
/// (including Corsica's 2A/2B).
pub fn departement_code(citycode: &str) -> &str {
    let n = if citycode.starts_with("97") { 3 } else { 2 };
    citycode.get(..n).unwrap_or(citycode)
}

fn parse_json<T: serde::de::DeserializeOwned>((name, bytes): &(String, Vec<u8>)) -> Result<T> {
    serde_json::from_reader(GzDecoder::new(bytes.as_slice()))
        .map_err(|e| Error::Input(format!("{name}: not valid reference JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departement_codes_of_mainland_corsica_and_overseas() {
        assert_eq!(departement_code("05061"), "05");
        assert_eq!(departement_code("2A004"), "2A");
        assert_eq!(departement_code("97411"), "974");
    }

    #[test]
    fn the_built_in_reference_is_the_shipped_one() {
        let embedded = Reference::embedded().unwrap();
        assert_eq!(
            embedded.context("05061"),
            "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur"
        );
        assert!(embedded.geo("75056").is_some());
    }

    #[test]
    fn context_of_real_communes() {
        let reference =
            Reference::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/ref"))).unwrap();
        assert_eq!(
            reference.context("05061"),
            "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur"
        );
        assert_eq!(reference.context("75111"), "75, Paris, Île-de-France");
        assert_eq!(
            reference
                .city_of_arrondissement("75111")
                .map(|c| c.code.as_str()),
            Some("75056")
        );
        assert_eq!(
            reference.commune("05061").and_then(|c| c.population),
            Some(41_293)
        );
    }
}
