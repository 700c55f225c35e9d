//! What the generator draws from: the communes of the reference data (population, postcodes,
//! former communes, centre and bounding box) and real street names (`data/streets/`).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use serde::Deserialize;

use crate::error::{Error, Result};

/// One entry of `communes.json` with the fields the generator needs (the ingest's reader keeps
/// fewer: it has no use for `chefLieu` or `departement`).
#[derive(Debug, Clone, Deserialize)]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    departement: Option<String>,
    #[serde(default)]
    population: Option<u64>,
    #[serde(default, rename = "codesPostaux")]
    postcodes: Vec<String>,
    /// For a delegated or associated commune: the current commune it is part of.
    #[serde(default, rename = "chefLieu")]
    chef_lieu: Option<String>,
    /// For a municipal arrondissement: its city.
    #[serde(default)]
    commune: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawGeo {
    center: [f64; 2],
    bbox: [f64; 4],
}

/// A commune (or municipal arrondissement) that gets synthetic addresses.
#[derive(Debug, Clone)]
pub struct CommuneSpec {
    pub code: String,
    pub name: String,
    pub departement: String,
    pub population: u64,
    /// A municipal arrondissement (Lyon, Marseille): city-like whatever its population.
    pub arrondissement: bool,
    pub postcodes: Vec<String>,
    /// Former (delegated, associated) communes: (code, name).
    pub former: Vec<(String, String)>,
    pub center: [f64; 2],
    /// lon min, lat min, lon max, lat max.
    pub bbox: [f64; 4],
}

/// Communes to generate, in code order, and those of the reference left out for want of a
/// position.
pub struct Communes {
    pub communes: Vec<CommuneSpec>,
    pub without_geo: Vec<String>,
}

/// Pacific and southern collectivities (98x: Wallis-et-Futuna, Polynesia, New Caledonia,
/// TAAF, Clipperton) keep their own address registers: BAN, and so our reader, has none.
fn in_ban(departement: &str) -> bool {
    !departement.starts_with("98")
}

fn read_gz(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Input(format!("{}: cannot decompress: {e}", path.display())))?;
    Ok(bytes)
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    serde_json::from_slice(&read_gz(path)?)
        .map_err(|e| Error::Input(format!("{}: not valid reference JSON: {e}", path.display())))
}

/// Current communes and arrondissements of `ref_dir`. A city split into arrondissements (Paris,
/// Lyon, Marseille) is left out: BAN files its addresses under the arrondissements.
pub fn load_communes(ref_dir: &Path) -> Result<Communes> {
    let raw: Vec<RawCommune> = parse(&ref_dir.join("communes.json.gz"))?;
    let geo: HashMap<String, RawGeo> = parse(&ref_dir.join("communes-geo.json.gz"))?;
    let mut former: HashMap<&str, Vec<(String, String)>> = HashMap::new();
    for c in &raw {
        if matches!(c.kind.as_str(), "commune-deleguee" | "commune-associee") {
            if let Some(parent) = &c.chef_lieu {
                former
                    .entry(parent.as_str())
                    .or_default()
                    .push((c.code.clone(), c.nom.clone()));
            }
        }
    }
    let split_cities: std::collections::HashSet<&str> =
        raw.iter().filter_map(|c| c.commune.as_deref()).collect();
    let mut communes = Vec::new();
    let mut without_geo = Vec::new();
    for c in &raw {
        let current = matches!(
            c.kind.as_str(),
            "commune-actuelle" | "arrondissement-municipal"
        );
        if !current || split_cities.contains(c.code.as_str()) {
            continue;
        }
        let departement = c
            .departement
            .clone()
            .unwrap_or_else(|| crate::ingest::reference::departement_code(&c.code).to_string());
        if !in_ban(&departement) {
            continue;
        }
        let Some(g) = geo.get(&c.code) else {
            without_geo.push(c.code.clone());
            continue;
        };
        communes.push(CommuneSpec {
            code: c.code.clone(),
            name: c.nom.clone(),
            departement,
            population: c.population.unwrap_or(0),
            arrondissement: c.kind == "arrondissement-municipal",
            postcodes: c.postcodes.clone(),
            former: former.get(c.code.as_str()).cloned().unwrap_or_default(),
            center: g.center,
            bbox: g.bbox,
        });
    }
    communes.sort_by(|a, b| a.code.cmp(&b.code));
    without_geo.sort();
    Ok(Communes {
        communes,
        without_geo,
    })
}

/// Street names, one entry per real street (a name used by 500 communes is there 500 times,
/// so drawing uniformly keeps real names' frequencies: many "Rue de l'Église", one "Rue
/// Lemonnier").
pub fn load_street_names(streets_dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    // (file, column holding the name): the BAN-derived and the BANO-derived lists.
    for (file, column) in [
        ("voies-ban-75-05.csv.gz", "nom_voie"),
        ("voies-bano-2016.csv.gz", "voie"),
    ] {
        let path = streets_dir.join(file);
        let bytes = read_gz(&path)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(bytes.as_slice());
        let headers = reader
            .headers()
            .map_err(|e| Error::Input(format!("{}: {e}", path.display())))?
            .clone();
        let at = headers
            .iter()
            .position(|h| h == column)
            .ok_or_else(|| Error::Input(format!("{}:1: no column {column:?}", path.display())))?;
        for (i, record) in reader.records().enumerate() {
            let record =
                record.map_err(|e| Error::Input(format!("{}:{}: {e}", path.display(), i + 2)))?;
            let name = record.get(at).unwrap_or("").trim();
            if !name.is_empty() {
                names.push(name.to_string());
            }
        }
    }
    if names.is_empty() {
        return Err(Error::Input(format!(
            "{}: no street names",
            streets_dir.display()
        )));
    }
    Ok(names)
}
