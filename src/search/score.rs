//! Rescoring a candidate place against the query, on addok's 0..1 scale.
//!
//! score = (text + 0.1 × importance [+ 0.1 × proximity]) / (1.1 [+ 0.1])
//!
//! `text` says how well the query and the place agree, word by word: how much of the query the
//! place explains (every query word matched exactly, by prefix while typing, or with a typo),
//! and how much of the place's own name the query covers. An exact full address with an
//! importance of 0.6 scores (1 + 0.06) / 1.1 ≈ 0.96, as with addok.

use crate::index::numbers::NumberRecord;
use crate::index::places::SearchText;
use crate::model::{Kind, Place};
use crate::text::distance::osa_within;
use crate::text::is_stopword;

use super::candidates::{FUZZY_1_MIN_LEN, FUZZY_2_MIN_LEN};
use super::query::{is_postcode, ParsedQuery};

/// Share of `text` given to covering the query (the rest: covering the place's name).
const QUERY_COVERAGE_WEIGHT: f64 = 0.75;
const STOPWORD_WEIGHT: f64 = 0.2;
/// How much of the name-coverage part is kept when the name's words are not found together
/// and in order in the query ("route de rambaud jarjayes" is Route de Rambaud in Jarjayes,
/// not Route de Jarjayes in Rambaud).
const SCATTERED_NAME_FACTOR: f64 = 0.8;
/// A word found in where the place is (city, lieu-dit) explains the query a little less than
/// a word of its own name: "Vallouise-Pelvoux" is the municipality, not the hamlet Vallouise.
const PLACE_MATCH_FACTOR: f64 = 0.97;
/// Name coverage granted to a municipality found by its postcode alone ("75011").
const POSTCODE_NAMES_MUNICIPALITY: f64 = 0.8;

/// The scored reading of one place.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The housenumber found on the street, with its store position.
    pub housenumber: Option<(u32, NumberRecord)>,
    pub text: f64,
}

/// Finds the housenumber of the query on `place` (when it is a street) and scores the match.
pub fn score_place(
    query: &ParsedQuery,
    place: &Place,
    text: &SearchText,
    find_housenumber: impl Fn(&crate::text::housenumber::HouseNumber) -> Option<(u32, NumberRecord)>,
) -> Scored {
    let name_tokens: Vec<&str> = text.name.split(' ').filter(|t| !t.is_empty()).collect();
    let place_tokens: Vec<&str> = text.place.split(' ').filter(|t| !t.is_empty()).collect();

    // A number of the query that the street's name holds ("rue du 8 mai 1945") is a word of the
    // name first; another number may still be the housenumber.
    let mut housenumber = None;
    let mut housenumber_tokens: Vec<usize> = Vec::new();
    if place.kind == Kind::Street {
        for reading in &query.housenumbers {
            let token = &query.tokens[reading.token].text;
            let in_name = name_tokens.iter().filter(|t| *t == token).count();
            let in_query = query.tokens.iter().filter(|t| &t.text == token).count();
            if in_name >= in_query {
                continue;
            }
            if let Some(found) = find_housenumber(&reading.value) {
                housenumber = Some(found);
                housenumber_tokens.push(reading.token);
                housenumber_tokens.extend(reading.suffix_token);
                break;
            }
        }
    }

    let mut name_used = vec![0.0f64; name_tokens.len()];
    // Which query word matched each name word, to see whether the name was typed in one piece.
    let mut name_matched_by: Vec<Option<usize>> = vec![None; name_tokens.len()];
    let mut place_used = vec![false; place_tokens.len()];
    let mut matched_postcode = false;
    let (mut matched, mut total) = (0.0, 0.0);
    for (i, token) in query.tokens.iter().enumerate() {
        let weight = token_weight(&token.text);
        total += weight;
        if housenumber_tokens.contains(&i) {
            matched += weight;
            continue;
        }
        // Best unused name token, else best unused place token. Exact matches are looked for
        // first in both: they settle most words without any edit distance computed.
        let exact_name = exact_match(token, &name_tokens, |j| name_used[j] == 0.0);
        let exact_place = match exact_name {
            Some(_) => None,
            None => exact_match(token, &place_tokens, |j| !place_used[j]),
        };
        let (best_name, best_place) = match (exact_name, exact_place) {
            (Some(found), _) => (Some(found), None),
            (None, Some(found)) => (None, Some(found)),
            (None, None) => (
                best_match(token, &name_tokens, |j| name_used[j] == 0.0),
                best_match(token, &place_tokens, |j| !place_used[j]),
            ),
        };
        match (best_name, best_place) {
            (Some((j, m)), other) if other.is_none_or(|(_, pm)| m >= pm) => {
                name_used[j] = m;
                name_matched_by[j] = Some(i);
                matched += weight * m;
            }
            (_, Some((j, m))) => {
                place_used[j] = true;
                matched_postcode |= is_postcode(place_tokens[j]);
                matched += weight * m * PLACE_MATCH_FACTOR;
            }
            _ => {}
        }
    }
    let query_coverage = if total > 0.0 { matched / total } else { 0.0 };
    let name_total: f64 = name_tokens.iter().map(|t| token_weight(t)).sum();
    let name_covered: f64 = name_tokens
        .iter()
        .zip(&name_used)
        .map(|(t, m)| token_weight(t) * m)
        .sum();
    let mut name_coverage = if name_total > 0.0 {
        name_covered / name_total
    } else {
        0.0
    };
    if !in_one_piece(&name_matched_by) {
        name_coverage *= SCATTERED_NAME_FACTOR;
    }
    if place.kind == Kind::Municipality && matched_postcode && name_coverage == 0.0 {
        name_coverage = POSTCODE_NAMES_MUNICIPALITY;
    }
    let text =
        QUERY_COVERAGE_WEIGHT * query_coverage + (1.0 - QUERY_COVERAGE_WEIGHT) * name_coverage;
    Scored { housenumber, text }
}

/// Whether the matched words of a name were matched by consecutive query words, in order
/// (words of the name left unmatched, such as a skipped "de", do not break the piece).
fn in_one_piece(matched_by: &[Option<usize>]) -> bool {
    let positions: Vec<usize> = matched_by.iter().flatten().copied().collect();
    positions
        .windows(2)
        .all(|w| w[1] > w[0] && w[1] - w[0] <= 2)
}

fn token_weight(token: &str) -> f64 {
    if is_stopword(token) {
        STOPWORD_WEIGHT
    } else {
        1.0
    }
}

/// The first available candidate equal to the token: (index, 1.0).
fn exact_match(
    token: &super::query::QueryToken,
    candidates: &[&str],
    available: impl Fn(usize) -> bool,
) -> Option<(usize, f64)> {
    candidates
        .iter()
        .enumerate()
        .find(|(j, c)| **c == token.text && available(*j))
        .map(|(j, _)| (j, 1.0))
}

/// The best acceptable match of a query token among `candidates`: (index, quality in 0..1).
fn best_match(
    token: &super::query::QueryToken,
    candidates: &[&str],
    available: impl Fn(usize) -> bool,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (j, candidate) in candidates.iter().enumerate() {
        if !available(j) {
            continue;
        }
        let quality = match_quality(token, candidate);
        if quality > 0.0 && best.is_none_or(|(_, b)| quality > b) {
            best = Some((j, quality));
            if quality >= 1.0 {
                break;
            }
        }
    }
    best
}

/// 1 for the same word; less for the start of a word being typed, or a word with a typo.
fn match_quality(token: &super::query::QueryToken, candidate: &str) -> f64 {
    let q = token.text.as_str();
    if q == candidate {
        return 1.0;
    }
    if token.is_prefix {
        for typed in [token.typed.as_str(), q] {
            if candidate.starts_with(typed) {
                // Longer typed parts are more certain: "pa" → "paix" less than "pai" → "paix".
                return 0.7 + 0.3 * typed.len() as f64 / candidate.len() as f64;
            }
        }
    }
    let q_numeric = q.bytes().all(|b| b.is_ascii_digit());
    if q_numeric
        && candidate
            .strip_prefix(q)
            .is_some_and(|rest| rest == "e" || rest == "er")
    {
        // "Paris 11" for "Paris 11e Arrondissement".
        return 0.9;
    }
    if q == "1e" && candidate == "1er" {
        // "1e" is not folded into "1er" (it is most often housenumber 1 with suffix "e").
        return 0.9;
    }
    if q_numeric || candidate.bytes().all(|b| b.is_ascii_digit()) || is_postcode(q) {
        return 0.0;
    }
    let len = q.chars().count();
    let allowed = if len >= FUZZY_2_MIN_LEN {
        2
    } else if len >= FUZZY_1_MIN_LEN {
        1
    } else {
        0
    };
    if allowed == 0 {
        return 0.0;
    }
    let compared = if token.is_prefix && candidate.len() > q.len() {
        // A typo in a word still being typed: compare with the candidate's start.
        candidate.get(..q.len()).unwrap_or(candidate)
    } else {
        candidate
    };
    // Optimal string alignment: edits and swaps of adjacent letters.
    match osa_within(q, compared, allowed) {
        Some(0) => 0.9,
        Some(1) => 0.8,
        Some(2) => 0.6,
        _ => 0.0,
    }
}

/// addok's weighting of text, importance and proximity into one score.
pub fn combine(text: f64, importance: f64, proximity: Option<f64>) -> f64 {
    let (sum, weights) = match proximity {
        Some(p) => (text + 0.1 * importance + 0.1 * p, 1.2),
        None => (text + 0.1 * importance, 1.1),
    };
    sum / weights
}

/// addok's proximity term: 1 on the spot, 0.37 at 50 km.
pub fn proximity(distance_m: f64) -> f64 {
    (-(distance_m / 1000.0 / 50.0).powi(2)).exp()
}
