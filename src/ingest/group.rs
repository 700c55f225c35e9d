//! Turns the rows of one commune into places: its streets with their housenumbers, its
//! lieux-dits and the municipality itself, following how BAN prepares its data for the public
//! API (one document per street, named places from `nom_ld` and `99999` rows, importance from
//! population and number count).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{importance, Kind, Place, Position};
use crate::text;

use super::ban_csv::{BanRow, LOCALITY_NUMBER};
use super::reference::Reference;

/// A street of the commune with its housenumbers (number, suffix as written, row).
pub struct StreetDraft {
    pub place: Place,
    pub numbers: Vec<BanRow>,
}

/// Everything one commune contributes to the index.
pub struct CommuneDraft {
    pub municipality: Place,
    pub streets: Vec<StreetDraft>,
    pub localities: Vec<Place>,
}

/// What the commune is called and where it belongs, shared by all its places.
struct CommuneInfo {
    code: String,
    name: String,
    /// The city shown in labels: "Paris" for an arrondissement, else the commune's name.
    city: String,
    district: Option<String>,
    /// Citycodes a filter accepts besides the commune's own (75056 for a Paris arrondissement).
    parent_code: Option<String>,
    context: String,
    population: u64,
    postcodes: Vec<String>,
    departement_name: String,
}

pub fn group_commune(code: &str, rows: Vec<BanRow>, reference: &Reference) -> Option<CommuneDraft> {
    let info = commune_info(code, &rows, reference);
    let mut by_voie: BTreeMap<String, Vec<BanRow>> = BTreeMap::new();
    let mut locality_rows: BTreeMap<String, Vec<BanRow>> = BTreeMap::new();
    for row in rows {
        if row.numero == LOCALITY_NUMBER {
            locality_rows.entry(row.voie_id()).or_default().push(row);
        } else {
            by_voie.entry(row.voie_id()).or_default().push(row);
        }
    }
    if by_voie.is_empty() && locality_rows.is_empty() {
        return None;
    }
    let mut streets: Vec<StreetDraft> = by_voie
        .into_iter()
        .map(|(id, rows)| street(&info, id, rows))
        .collect();
    disambiguate_homonyms(&mut streets);

    let all_points: Vec<Position> = streets
        .iter()
        .flat_map(|s| s.numbers.iter().map(row_position))
        .collect();
    let mut localities: Vec<Place> = locality_rows
        .into_iter()
        .map(|(id, rows)| {
            let name = most_common(rows.iter().map(|r| r.nom_voie.as_str())).to_string();
            locality(&info, id, name, &rows)
        })
        .collect();
    localities.extend(lieux_dits(&info, &streets, &localities));

    let center = centroid(&all_points).or_else(|| {
        reference.geo(code).map(|g| Position {
            lon: g.center[0],
            lat: g.center[1],
            x: f64::NAN,
            y: f64::NAN,
        })
    })?;
    let municipality = Place {
        kind: Kind::Municipality,
        id: info.code.clone(),
        name: info.name.clone(),
        postcode: info.postcodes.first().cloned(),
        postcodes: info.postcodes.clone(),
        citycode: info.code.clone(),
        citycodes: std::iter::once(info.code.clone())
            .chain(info.parent_code.clone())
            .collect(),
        city: info.name.clone(),
        district: None,
        oldcity: None,
        oldcitycode: None,
        context: info.context.clone(),
        position: center,
        importance: importance(info.population, 0),
        population: Some(info.population),
        localities: vec![info.departement_name.clone()],
        housenumbers_start: 0,
        housenumbers_len: 0,
    };
    Some(CommuneDraft {
        municipality,
        streets,
        localities,
    })
}

fn commune_info(code: &str, rows: &[BanRow], reference: &Reference) -> CommuneInfo {
    let commune = reference.commune(code);
    let name = commune.map_or_else(
        || {
            rows.first()
                .map(|r| r.nom_commune.clone())
                .unwrap_or_default()
        },
        |c| c.nom.clone(),
    );
    let parent = reference.city_of_arrondissement(code);
    let mut postcodes = commune.map(|c| c.postcodes.clone()).unwrap_or_default();
    if postcodes.is_empty() {
        let set: std::collections::BTreeSet<&str> = rows
            .iter()
            .map(|r| r.code_postal.as_str())
            .filter(|p| !p.is_empty())
            .collect();
        postcodes = set.into_iter().map(str::to_string).collect();
    }
    let context = reference.context(code);
    let departement_name = context.split(", ").nth(1).unwrap_or_default().to_string();
    CommuneInfo {
        code: code.to_string(),
        city: parent.map_or_else(|| name.clone(), |p| p.nom.clone()),
        district: parent.map(|_| name.clone()),
        parent_code: parent.map(|p| p.code.clone()),
        name,
        context,
        population: commune.and_then(|c| c.population).unwrap_or(0),
        postcodes,
        departement_name,
    }
}

fn street(info: &CommuneInfo, id: String, mut rows: Vec<BanRow>) -> StreetDraft {
    let name = most_common(rows.iter().map(|r| r.nom_voie.as_str())).to_string();
    let postcode = most_common(rows.iter().map(|r| r.code_postal.as_str())).to_string();
    // BAN keeps the last row of a repeated number; sort by number, suffix, then keep the last.
    rows.reverse();
    rows.sort_by(|a, b| (a.numero, &a.rep).cmp(&(b.numero, &b.rep)));
    rows.dedup_by(|a, b| a.numero == b.numero && a.rep == b.rep);
    let points: Vec<Position> = rows.iter().map(row_position).collect();
    let mut localities: Vec<String> = rows
        .iter()
        .map(|r| r.nom_ld.clone())
        .filter(|l| !l.is_empty())
        .collect();
    localities.sort();
    localities.dedup();
    let mut place = voie_place(info, Kind::Street, id, name, &rows, &points);
    place.postcode = Some(postcode.clone()).filter(|p| !p.is_empty());
    place.postcodes = place.postcode.iter().cloned().collect();
    place.importance = importance(info.population, rows.len() as u64);
    place.localities = localities;
    StreetDraft {
        place,
        numbers: rows,
    }
}

fn locality(info: &CommuneInfo, id: String, name: String, rows: &[BanRow]) -> Place {
    let points: Vec<Position> = rows.iter().map(row_position).collect();
    let mut place = voie_place(info, Kind::Locality, id, name, rows, &points);
    let postcode = most_common(rows.iter().map(|r| r.code_postal.as_str())).to_string();
    place.postcode = Some(postcode).filter(|p| !p.is_empty());
    place.postcodes = place.postcode.iter().cloned().collect();
    place.importance = importance(info.population, 1);
    place
}

/// Named places known only from the `nom_ld` of addresses: one locality each, at the centre of
/// its addresses, unless a street or a `99999` locality of the commune already has that name.
fn lieux_dits(info: &CommuneInfo, streets: &[StreetDraft], existing: &[Place]) -> Vec<Place> {
    let taken: HashSet<String> = streets
        .iter()
        .map(|s| &s.place.name)
        .chain(existing.iter().map(|p| &p.name))
        .map(|n| text::normalize(n))
        .collect();
    let mut by_name: BTreeMap<String, Vec<BanRow>> = BTreeMap::new();
    for row in streets.iter().flat_map(|s| &s.numbers) {
        if !row.nom_ld.is_empty() {
            let key = text::normalize(&row.nom_ld);
            if !key.is_empty() && !taken.contains(&key) {
                by_name.entry(key).or_default().push(row.clone());
            }
        }
    }
    by_name
        .into_iter()
        .map(|(key, rows)| {
            let name = most_common(rows.iter().map(|r| r.nom_ld.as_str())).to_string();
            let id = format!("{}_ld_{}", info.code, key.replace(' ', "_"));
            let mut place = locality(info, id, name, &rows);
            // A lieu-dit is as important as it is big, not as its commune: "La Beaume" the
            // municipality must not lose to a hamlet of that name in Gap.
            place.importance = importance(0, rows.len() as u64);
            place
        })
        .collect()
}

/// The fields streets and localities share.
fn voie_place(
    info: &CommuneInfo,
    kind: Kind,
    id: String,
    name: String,
    rows: &[BanRow],
    points: &[Position],
) -> Place {
    let (oldcitycode, oldcity) = former_commune(info, rows);
    let mut citycodes = vec![info.code.clone()];
    citycodes.extend(info.parent_code.clone());
    citycodes.extend(oldcitycode.clone().filter(|c| *c != info.code));
    Place {
        kind,
        id,
        name,
        postcode: None,
        postcodes: Vec::new(),
        citycode: info.code.clone(),
        citycodes,
        city: info.city.clone(),
        district: info.district.clone(),
        oldcity,
        oldcitycode,
        context: info.context.clone(),
        position: centroid(points).unwrap_or(Position {
            lon: 0.0,
            lat: 0.0,
            x: f64::NAN,
            y: f64::NAN,
        }),
        importance: 0.0,
        population: None,
        localities: Vec::new(),
        housenumbers_start: 0,
        housenumbers_len: 0,
    }
}

/// The former commune of a street (from its first row, as BAN does). A "former commune" that is
/// the commune itself under the same name says nothing and is left out.
fn former_commune(info: &CommuneInfo, rows: &[BanRow]) -> (Option<String>, Option<String>) {
    let Some(first) = rows.first() else {
        return (None, None);
    };
    if first.old_name.is_empty()
        || (first.old_code == info.code
            && text::normalize(&first.old_name) == text::normalize(&info.name))
    {
        return (None, None);
    }
    (
        Some(first.old_code.clone()).filter(|c| !c.is_empty()),
        Some(first.old_name.clone()),
    )
}

/// Two streets of one commune with the same name (merged communes keep their "Rue de l'Église"
/// each) are told apart as BAN does: the former commune's name in brackets.
fn disambiguate_homonyms(streets: &mut [StreetDraft]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in streets.iter() {
        *counts.entry(text::normalize(&s.place.name)).or_default() += 1;
    }
    for s in streets.iter_mut() {
        if counts[&text::normalize(&s.place.name)] > 1 {
            if let Some(old) = &s.place.oldcity {
                s.place.name = format!("{} ({old})", s.place.name);
            }
        }
    }
}

pub fn row_position(row: &BanRow) -> Position {
    Position {
        lon: row.lon,
        lat: row.lat,
        x: row.x,
        y: row.y,
    }
}

/// Mean position, rounded as BAN rounds (6 decimals for degrees, 2 for metres).
pub fn centroid(points: &[Position]) -> Option<Position> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mean = |f: fn(&Position) -> f64| points.iter().map(f).sum::<f64>() / n;
    let round = |v: f64, d: i32| (v * 10f64.powi(d)).round() / 10f64.powi(d);
    Some(Position {
        lon: round(mean(|p| p.lon), 6),
        lat: round(mean(|p| p.lat), 6),
        x: round(mean(|p| p.x), 2),
        y: round(mean(|p| p.y), 2),
    })
}

/// The most frequent non-empty value; ties go to the first seen.
fn most_common<'a>(values: impl Iterator<Item = &'a str>) -> &'a str {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for v in values.filter(|v| !v.is_empty()) {
        match counts.iter_mut().find(|(k, _)| *k == v) {
            Some((_, c)) => *c += 1,
            None => counts.push((v, 1)),
        }
    }
    let mut best = ("", 0);
    for (v, c) in counts {
        if c > best.1 {
            best = (v, c);
        }
    }
    best.0
}
