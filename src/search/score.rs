//! Rescoring a candidate place against the query, on addok's 0..1 scale.
//!
//! score = (text + 0.1 × importance [+ 0.1 × proximity]) / (1.1 [+ 0.1])
//!
//! `text` says how well the query and the place agree, word by word: how much of the query the
//! place explains (every query word matched exactly, by prefix while typing, or with a typo),
//! and how much of the place's own name the query covers. An exact full address with an
//! importance of 0.6 scores (1 + 0.06) / 1.1 ≈ 0.96, as with addok. Query words that match
//! nothing count twice against the query's share: a query a third unexplained (a street that
//! exists nowhere, in a real city) scores below 0.5, as with addok, while words matched in part
//! (a prefix, a typo, "11" for "11e") and a housenumber the street lacks cost only once.

use smallvec::SmallVec;

use crate::index::numbers::NumberRecord;
use crate::index::places::{PlaceRef, TextRef};
use crate::ingest::reference::departement_code;
use crate::model::Kind;
use crate::text::distance::{osa_prefix_within, osa_within};
use crate::text::number_words::french_cardinal;
use crate::text::{is_stopword, is_way_kind};

use super::candidates::{FUZZY_1_MIN_LEN, FUZZY_2_MIN_LEN};
use super::query::{is_postcode, may_be_spelled_in_a_name, ParsedQuery};

/// Share of `text` given to covering the query (the rest: covering the place's name).
const QUERY_COVERAGE_WEIGHT: f64 = 0.75;
const STOPWORD_WEIGHT: f64 = 0.2;
/// The weight of a query word saying what kind of way a street is (`is_way_kind`): a wrong one
/// ("3 imp des lilas gap" for Rue des Lilas, Gap) costs less than a wrong city or name word.
const WAY_KIND_WEIGHT: f64 = 0.5;
/// How much of the name-coverage part is kept when the name's words are not found together
/// and in order in the query ("route de rambaud jarjayes" is Route de Rambaud in Jarjayes,
/// not Route de Jarjayes in Rambaud).
const SCATTERED_NAME_FACTOR: f64 = 0.8;
/// A word found in where the place is (city, lieu-dit) explains the query a little less than
/// a word of its own name: "Vallouise-Pelvoux" is the municipality, not the hamlet Vallouise.
const PLACE_MATCH_FACTOR: f64 = 0.97;
/// A word found only in the lieu-dit of some numbers of a street says less than its city: "gare
/// de gap" is a station's street in Gap rather than Route de Gap in La Bâtie-Montsaléon, one
/// of whose fourteen numbers is in the lieu-dit La Gare.
const LIEU_DIT_OF_NUMBERS_FACTOR: f64 = 0.8;
/// Name coverage granted to a municipality found by its postcode alone ("75011").
const POSTCODE_NAMES_MUNICIPALITY: f64 = 0.8;
/// Name coverage granted to a municipality whose name the query gives from its first word on
/// ("laragne" for Laragne-Montéglin, "paris 6" for Paris 6e Arrondissement): people call a
/// commune by the head of its name, which is a word of many streets too ("Route de Laragne",
/// "Chemin de l'Argentière") and the whole name of many hamlets ("Molines", a lieu-dit of Gap).
/// The head names the commune as well as its whole name: between two communes, or a commune
/// and a hamlet named so, importance decides. Of the 43 heads of Hautes-Alpes communes of
/// several words, 19 answered another place named so first at 0.9 (addok's "starts with"), 7
/// at 1.0 (`tests/integration/search_behaviours.rs`).
const MUNICIPALITY_NAME_START: f64 = 1.0;
/// Words split or glued differently from the name ("la tour" for "Latour", "lecomte" for
/// "Le Comte") are the same letters in the same order: nearly an exact match.
const REGLUED_MATCH: f64 = 0.9;
/// A number written in figures for one in words, or the other way ("29 juillet" for "Vingt-Neuf
/// Juillet", "onze novembre" for "11 Novembre"): the same words, nearly an exact match.
const NUMBER_IN_WORDS_MATCH: f64 = 0.9;
/// A postcode the place does not have, of the place's département ("11 rue de la liberte
/// 05000" for the street of Embrun, 05200): a neighbouring code or a CEDEX one is a common
/// mistake, and the département is still right, which a street of the same name elsewhere in
/// France cannot say.
const DEPARTEMENT_POSTCODE_MATCH: f64 = 0.5;
/// A two- or three-letter word with a typo (`ShortTypos`): less than a longer word's typo.
const SHORT_TYPO_MATCH: f64 = 0.7;

/// A text's words, and what is noted for each word of a text or of the query: on the stack,
/// as a name, a place field or a query rarely has more than 16 words. Rescoring a hundred
/// candidates per keystroke, the eight vectors of each allocated and freed were a tenth of the
/// instructions of a search (callgrind, France keystrokes).
type Words<'a> = SmallVec<[&'a str; 16]>;
type PerWord<T> = SmallVec<[T; 16]>;

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
    place: &PlaceRef,
    text: &TextRef,
    find_housenumber: impl Fn(&crate::text::housenumber::HouseNumber) -> Option<(u32, NumberRecord)>,
) -> Scored {
    let name_tokens: Words = text.name.split(' ').filter(|t| !t.is_empty()).collect();
    let place_tokens: Words = text.place.split(' ').filter(|t| !t.is_empty()).collect();

    // A number of the query that the street's name holds ("rue du 8 mai 1945") is a word of the
    // name first; another number may still be the housenumber.
    let mut housenumber = None;
    let mut housenumber_tokens: PerWord<usize> = SmallVec::new();
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

    // A number the street lacks is still a housenumber, only one the data does not hold (a new
    // building, a number mistyped): it is not matched, but not held twice against the street
    // like a word that means nothing here. Held twice, "10 avenue d'embrun 05000" (the avenue
    // of Gap has no 10) answered "10 Avenue des Acacias, Embrun". Counting it as matched in
    // part went too far (QUALITY.md). Not when the name holds one of the query's numbers ("6
    // 4P1 Rue du Te" for the pseudo-street "4P1 Rue du Texel"): which number was meant as the
    // housenumber is then a guess.
    let name_holds_a_number = query
        .housenumbers
        .iter()
        .any(|reading| name_tokens.contains(&query.tokens[reading.token].text.as_str()));
    let mut lacking_number: PerWord<bool> = smallvec::smallvec![false; query.tokens.len()];
    if place.kind == Kind::Street && housenumber.is_none() && !name_holds_a_number {
        for reading in &query.housenumbers {
            if !is_postcode(&query.tokens[reading.token].text) {
                lacking_number[reading.token] = true;
                if let Some(suffix) = reading.suffix_token {
                    lacking_number[suffix] = true;
                }
            }
        }
    }

    let mut name_used: PerWord<f64> = smallvec::smallvec![0.0; name_tokens.len()];
    // Which query word matched each name word, to see whether the name was typed in one piece.
    let mut name_matched_by: PerWord<Option<usize>> = smallvec::smallvec![None; name_tokens.len()];
    // Query words already matched (housenumber, or words glued or split against the name), with
    // the quality of their match.
    let mut consumed: PerWord<Option<f64>> = smallvec::smallvec![None; query.tokens.len()];
    for &i in &housenumber_tokens {
        consumed[i] = Some(1.0);
    }
    // Whether the place has one of the query's words where it is (postcode, city): only then may
    // a short word count with a typo. And whether some word is found nowhere as it is: only
    // then may words be split or glued.
    let (mut fits, mut all_found) = (false, true);
    for (token, consumed) in query.tokens.iter().zip(&consumed) {
        let text = token.text.as_str();
        let in_place = place_tokens.contains(&text);
        fits |= in_place && !is_stopword(text);
        all_found &= consumed.is_some() || in_place || name_tokens.contains(&text);
    }
    if !all_found {
        match_reglued(
            query,
            &name_tokens,
            &mut consumed,
            &mut name_used,
            &mut name_matched_by,
        );
        if query.may_respell_numbers {
            match_number_words(
                query,
                &name_tokens,
                &mut consumed,
                &mut name_used,
                &mut name_matched_by,
            );
        }
    }
    // A municipality's name is where it is: "gpa" alone is Gap rather than a street of Gap.
    let name_typos = match (place.kind, fits) {
        (Kind::Municipality, _) => ShortTypos::InPlace,
        (_, true) => ShortTypos::InName,
        (_, false) => ShortTypos::None,
    };
    let mut place_used: PerWord<bool> = smallvec::smallvec![false; place_tokens.len()];
    // Query words matched by where the place is (city, postcode): the name is not in one piece
    // around them.
    let mut in_place: PerWord<bool> = smallvec::smallvec![false; query.tokens.len()];
    let mut matched_postcode = false;
    let (mut matched, mut total, mut unexplained) = (0.0, 0.0, 0.0);
    for (i, token) in query.tokens.iter().enumerate() {
        let weight = token.weight;
        total += weight;
        if let Some(quality) = consumed[i] {
            matched += weight * quality;
            continue;
        }
        // Best unused name token, else best unused place token. Exact matches are looked for
        // first in both: they settle most words without any edit distance computed.
        let exact_name = exact_match(token, &name_tokens, |j| name_used[j] == 0.0);
        let exact_place = match exact_name {
            Some(_) => None,
            None => exact_match(token, &place_tokens, |j| !place_used[j]),
        };
        // "Gap 05", "Gap (05)", "Paris 75": the département's number after a commune's name,
        // as letters and forms write it; being typed, it is that rather than the start of a
        // postcode. Not the query's first word: that is a housenumber ("05 rue ...").
        if exact_name.is_none()
            && exact_place.is_none()
            && i > 0
            && is_departement_of(&token.text, place)
        {
            in_place[i] = true;
            matched += weight * PLACE_MATCH_FACTOR;
            continue;
        }
        let (best_name, best_place) = match (exact_name, exact_place) {
            (Some(found), _) => (Some(found), None),
            (None, Some(found)) => (None, Some(found)),
            (None, None) => (
                best_match(token, &name_tokens, name_typos, |j| name_used[j] == 0.0),
                best_match(token, &place_tokens, ShortTypos::InPlace, |j| {
                    !place_used[j]
                }),
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
                in_place[i] = true;
                matched_postcode |= is_postcode(place_tokens[j]);
                let factor = if is_lieu_dit_word_of_street(j, place_tokens[j], place) {
                    LIEU_DIT_OF_NUMBERS_FACTOR
                } else {
                    PLACE_MATCH_FACTOR
                };
                matched += weight * m * factor;
            }
            _ if lacking_number[i] => {}
            // A wrong postcode is common (a neighbouring one, a CEDEX code): it is not held
            // twice against the place, and its département still says where the place is.
            _ if !is_postcode(&token.text) => unexplained += weight,
            _ if postcode_in_departement_of(&token.text, place) => {
                matched += weight * DEPARTEMENT_POSTCODE_MATCH * PLACE_MATCH_FACTOR;
            }
            _ => {}
        }
    }
    let query_coverage = if total > 0.0 {
        matched / total * (1.0 - unexplained / total)
    } else {
        0.0
    };
    let name_total: f64 = name_tokens.iter().map(|t| name_word_weight(t)).sum();
    let name_covered: f64 = name_tokens
        .iter()
        .zip(&name_used)
        .map(|(t, m)| name_word_weight(t) * m)
        .sum();
    let mut name_coverage = if name_total > 0.0 {
        name_covered / name_total
    } else {
        0.0
    };
    if !in_one_piece(&name_matched_by, &in_place) {
        name_coverage *= SCATTERED_NAME_FACTOR;
    } else if place.kind == Kind::Municipality {
        // The first word that is not an article ("L'Argentière-la-Bessée"), as matched.
        let head = name_tokens.iter().position(|t| !is_stopword(t));
        if let Some(head) = head.filter(|&j| name_matched_by[j].is_some()) {
            name_coverage = name_coverage.max(MUNICIPALITY_NAME_START * name_used[head]);
        }
    }
    if place.kind == Kind::Municipality && matched_postcode && name_coverage == 0.0 {
        name_coverage = POSTCODE_NAMES_MUNICIPALITY;
    }
    let text =
        QUERY_COVERAGE_WEIGHT * query_coverage + (1.0 - QUERY_COVERAGE_WEIGHT) * name_coverage;
    Scored { housenumber, text }
}

/// Whether the `j`th word of where a street is (`place_text`: city, district, former commune,
/// lieux-dits of its numbers, postcodes) comes from the lieux-dits. Counted rather than
/// normalised again: every word of a name is a run of letters or digits, as the tokenizer cuts.
fn is_lieu_dit_word_of_street(j: usize, word: &str, place: &PlaceRef) -> bool {
    if place.kind != Kind::Street || place.localities.is_empty() || is_postcode(word) {
        return false;
    }
    let words = |text: &str| {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count()
    };
    let named = [Some(place.city), place.district, place.oldcity];
    j >= named.into_iter().flatten().map(|t| words(t.as_str())).sum()
}

/// Whether `word` is the code of the place's département ("05", "2a", "974").
fn is_departement_of(word: &str, place: &PlaceRef) -> bool {
    departement_code(&place.citycode).eq_ignore_ascii_case(word)
}

/// Whether a postcode is of the place's département: its first two digits (three overseas),
/// "20" for Corsica's 2A and 2B.
fn postcode_in_departement_of(postcode: &str, place: &PlaceRef) -> bool {
    let departement = departement_code(&place.citycode);
    match departement {
        "2A" | "2B" => postcode.starts_with("20"),
        _ => postcode.starts_with(departement),
    }
}

/// Matches query words that the name spells in one word where the query has two ("la tour" →
/// "latour"), or in two where the query has one ("lecomte" → "le comte", "db" → "d b"). Only
/// words that match no word of the name as they are: an exact word is never taken apart.
fn match_reglued(
    query: &ParsedQuery,
    name_tokens: &[&str],
    consumed: &mut [Option<f64>],
    name_used: &mut [f64],
    name_matched_by: &mut [Option<usize>],
) {
    // Words that may be split or glued: whole words, not matched yet, that the name lacks.
    let mut eligible: PerWord<bool> = query
        .tokens
        .iter()
        .zip(consumed.iter())
        .map(|(t, c)| {
            c.is_none()
                && !t.is_prefix
                && t.text.bytes().all(|b| b.is_ascii_lowercase())
                && !name_tokens.contains(&t.text.as_str())
        })
        .collect();
    let free = |i: usize, eligible: &[bool]| eligible[i];
    // Two query words, one name word.
    for i in 0..query.tokens.len().saturating_sub(1) {
        if !free(i, &eligible) || !free(i + 1, &eligible) {
            continue;
        }
        let (a, b) = (&query.tokens[i].text, &query.tokens[i + 1].text);
        let joined = (0..name_tokens.len())
            .find(|&j| name_used[j] == 0.0 && is_concatenation(name_tokens[j], a, b));
        if let Some(j) = joined {
            name_used[j] = REGLUED_MATCH;
            name_matched_by[j] = Some(i);
            consumed[i] = Some(REGLUED_MATCH);
            consumed[i + 1] = Some(REGLUED_MATCH);
            eligible[i] = false;
            eligible[i + 1] = false;
        }
    }
    // One query word, two name words.
    for (i, token) in query.tokens.iter().enumerate() {
        if !free(i, &eligible) {
            continue;
        }
        let word = &token.text;
        let split = (0..name_tokens.len().saturating_sub(1)).find(|&j| {
            name_used[j] == 0.0
                && name_used[j + 1] == 0.0
                && is_concatenation(word, name_tokens[j], name_tokens[j + 1])
        });
        if let Some(j) = split {
            for k in [j, j + 1] {
                name_used[k] = REGLUED_MATCH;
                name_matched_by[k] = Some(i);
            }
            consumed[i] = Some(REGLUED_MATCH);
        }
    }
}

/// Matches a number the query writes in figures to the same number in words in the name
/// ("29" → "vingt neuf"), and a number in words of the query to figures of the name ("onze" →
/// "11"). Only where the query does not hold the name's own spelling too: "9 rue du pont neuf"
/// keeps "neuf" for "neuf".
fn match_number_words(
    query: &ParsedQuery,
    name_tokens: &[&str],
    consumed: &mut [Option<f64>],
    name_used: &mut [f64],
    name_matched_by: &mut [Option<usize>],
) {
    let in_query = |word: &str| query.tokens.iter().any(|t| t.text == word);
    for (i, token) in query.tokens.iter().enumerate() {
        if consumed[i].is_some() {
            continue;
        }
        if token.numeric {
            // Figures in the query, words in the name.
            if !may_be_spelled_in_a_name(i, token) {
                continue;
            }
            let Ok(value) = token.text.parse::<u32>() else {
                continue;
            };
            if name_tokens.contains(&token.text.as_str()) {
                continue;
            }
            let spelled = (0..name_tokens.len()).find_map(|j| {
                let (read, len) = french_cardinal(&name_tokens[j..])?;
                let words = j..j + len;
                let free = words.clone().all(|k| name_used[k] == 0.0);
                (read == value && free && !words.clone().any(|k| in_query(name_tokens[k])))
                    .then_some(words)
            });
            for k in spelled.into_iter().flatten() {
                name_used[k] = NUMBER_IN_WORDS_MATCH;
                name_matched_by[k] = Some(i);
                consumed[i] = Some(NUMBER_IN_WORDS_MATCH);
            }
            continue;
        }
        // Words in the query, figures in the name: the words that follow, as long as they are
        // whole, free and not words of the name. The first word of a number is a number alone
        // ("quatre vingt" starts with "quatre"): most words are not, and stop here.
        if french_cardinal(&[token.text.as_str()]).is_none() {
            continue;
        }
        let words: PerWord<&str> = query.tokens[i..]
            .iter()
            .zip(&consumed[i..])
            .take_while(|(t, c)| {
                c.is_none() && !t.is_prefix && !name_tokens.contains(&t.text.as_str())
            })
            .map(|(t, _)| t.text.as_str())
            .collect();
        let Some((value, len)) = french_cardinal(&words) else {
            continue;
        };
        let figures = value.to_string();
        if in_query(&figures) {
            continue;
        }
        if let Some(j) =
            (0..name_tokens.len()).find(|&j| name_used[j] == 0.0 && name_tokens[j] == figures)
        {
            name_used[j] = NUMBER_IN_WORDS_MATCH;
            name_matched_by[j] = Some(i);
            for c in &mut consumed[i..i + len] {
                *c = Some(NUMBER_IN_WORDS_MATCH);
            }
        }
    }
}

/// Whether `whole` is `a` followed by `b`.
fn is_concatenation(whole: &str, a: &str, b: &str) -> bool {
    whole.len() == a.len() + b.len() && whole.starts_with(a) && whole.ends_with(b)
}

/// Whether the matched words of a name were matched by consecutive query words, in order.
/// Words of the name left unmatched, such as a skipped "de", do not break the piece, nor does
/// one extra query word ("rue de lilas"), nor two name words matched by one query word (split);
/// a query word between them that names the city does ("route de rambaud jarjayes" is not
/// Route de Jarjayes in Rambaud).
fn in_one_piece(matched_by: &[Option<usize>], in_place: &[bool]) -> bool {
    let positions: PerWord<usize> = matched_by.iter().flatten().copied().collect();
    positions
        .windows(2)
        .all(|w| w[1] >= w[0] && w[1] - w[0] <= 2 && !(w[0] + 1..w[1]).any(|k| in_place[k]))
}

/// How much a query word counts in explaining the query.
pub(super) fn query_word_weight(token: &str) -> f64 {
    if is_way_kind(token) {
        WAY_KIND_WEIGHT
    } else {
        name_word_weight(token)
    }
}

/// How much a word of a place's name counts in covering that name. The kind of way counts in
/// full there: "chateau" covers a third of "Rue du Château", not as much as the place named "Le
/// Château".
fn name_word_weight(token: &str) -> f64 {
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

/// Which typos a query word too short for the usual ones (two or three letters) may be read
/// with. So many short words are one letter apart that such a typo counts only where it may
/// tell the candidates apart without bringing in others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShortTypos {
    None,
    /// In a street's name, when the place has the query's postcode or city, for a word not being
    /// typed: one letter changed, left out, added or two neighbours swapped ("nzy" for "Ney",
    /// "pan" for "Péan", "dde" for "de"), or a two-letter word that is a three-letter one less a
    /// letter ("ue" for "rue").
    InName,
    /// Where the place is, or a municipality's name: one letter changed, left out, added or two
    /// neighbours swapped ("gpa", "gep" for "Gap"), also in a word being typed. A place has
    /// few such words, and a query word that nothing explains otherwise counts against every
    /// candidate alike, so it may as well tell which city the user meant.
    InPlace,
}

/// The best acceptable match of a query token among `candidates`: (index, quality in 0..1).
fn best_match(
    token: &super::query::QueryToken,
    candidates: &[&str],
    short_typos: ShortTypos,
    available: impl Fn(usize) -> bool,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (j, candidate) in candidates.iter().enumerate() {
        if !available(j) {
            continue;
        }
        let quality = match_quality(token, candidate, short_typos);
        if quality > 0.0 && best.is_none_or(|(_, b)| quality > b) {
            best = Some((j, quality));
            if quality >= 1.0 {
                break;
            }
        }
    }
    best
}

/// 1 for the same word; less for the start of a word being typed, or a word with a typo (for a
/// word of two or three letters, only those `short_typos` allows).
fn match_quality(
    token: &super::query::QueryToken,
    candidate: &str,
    short_typos: ShortTypos,
) -> f64 {
    let q = token.text.as_str();
    if q == candidate {
        return 1.0;
    }
    let q_numeric = token.numeric;
    // "Paris 04" as "Paris 4".
    let unpadded = match q.strip_prefix('0') {
        Some(rest) if q_numeric && rest.len() == 1 => rest,
        _ => q,
    };
    if q_numeric
        && candidate
            .strip_prefix(unpadded)
            .is_some_and(|rest| rest == "e" || rest == "er")
    {
        // "Paris 11" for "Paris 11e Arrondissement"; before the prefix readings, for "paris 1"
        // means the 1er more than the 15e.
        return 0.9;
    }
    if token.is_prefix {
        for typed in [token.typed.as_str(), q] {
            if candidate.starts_with(typed) {
                // Longer typed parts are more certain: "pa" → "paix" less than "pai" → "paix".
                return 0.7 + 0.3 * typed.len() as f64 / candidate.len() as f64;
            }
        }
    }
    if q == "1e" && candidate == "1er" {
        // "1e" is not folded into "1er" (it is most often housenumber 1 with suffix "e").
        return 0.9;
    }
    // A postcode is numeric.
    if q_numeric || candidate.bytes().all(|b| b.is_ascii_digit()) {
        return 0.0;
    }
    let len = token.chars;
    let allowed = if len >= FUZZY_2_MIN_LEN {
        2
    } else if len >= FUZZY_1_MIN_LEN {
        1
    } else {
        0
    };
    if allowed == 0 {
        let letters = |word: &str| word.bytes().all(|b| b.is_ascii_lowercase());
        let near = match (short_typos, len) {
            (ShortTypos::InName, 3) => !token.is_prefix && is_one_edit(q, candidate),
            (ShortTypos::InName, 2) => !token.is_prefix && is_one_deletion(candidate, q),
            (ShortTypos::InPlace, 3) => is_one_edit(q, candidate),
            _ => false,
        };
        // Letters only, on both sides: "ter" is no typo of "1er".
        let short_typo = near && letters(q) && letters(candidate) && !is_stopword(q);
        return if short_typo { SHORT_TYPO_MATCH } else { 0.0 };
    }
    // Optimal string alignment: edits and swaps of adjacent letters.
    let distance = if token.is_prefix && candidate.len() > q.len() {
        // A typo in a word still being typed: compare with the candidate's starts, the typed
        // part's length give or take the letters the typo may have dropped or added
        // ("vetavon" is "ventavon" less a letter, not "ventavo" with two changed).
        osa_prefix_within(q, candidate, allowed)
    } else {
        osa_within(q, candidate, allowed)
    };
    match distance {
        Some(0) => 0.9,
        Some(1) => 0.8,
        Some(2) => 0.6,
        _ => 0.0,
    }
}

/// Whether `typed` is `word` with one letter changed, two neighbours swapped, one left out or
/// one added ("dde" for "de").
fn is_one_edit(typed: &str, word: &str) -> bool {
    is_one_deletion(word, typed)
        || is_one_deletion(typed, word)
        || (word.len() == typed.len() && osa_within(typed, word, 1).is_some())
}

/// Whether `short` is `long` with one letter left out.
fn is_one_deletion(long: &str, short: &str) -> bool {
    let (long, short) = (long.as_bytes(), short.as_bytes());
    if long.len() != short.len() + 1 {
        return false;
    }
    let common_start = long.iter().zip(short).take_while(|(a, b)| a == b).count();
    long[common_start + 1..] == short[common_start..]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::places::SearchText;
    use crate::model::{Place, Position};

    fn street(name: &str, place: &str) -> (Place, SearchText) {
        let place_struct = Place {
            kind: Kind::Street,
            id: "75000_test".into(),
            name: name.into(),
            postcode: None,
            postcodes: vec![],
            citycode: "75000".into(),
            citycodes: vec![],
            city: String::new(),
            district: None,
            oldcity: None,
            oldcitycode: None,
            context: String::new(),
            position: Position {
                lon: 0.0,
                lat: 0.0,
                x: 0.0,
                y: 0.0,
            },
            importance: 0.5,
            population: None,
            localities: vec![],
            housenumbers_start: 0,
            housenumbers_len: 0,
        };
        let text = SearchText {
            name: crate::text::normalize(name),
            place: crate::text::normalize(place),
        };
        (place_struct, text)
    }

    fn text_score(q: &str, name: &str, place: &str) -> f64 {
        scored(q, false, name, place)
    }

    fn scored(q: &str, autocomplete: bool, name: &str, place: &str) -> f64 {
        let (p, t) = street(name, place);
        score_place(
            &ParsedQuery::parse(q, autocomplete),
            &(&p).into(),
            &t.as_ref(),
            |_| None,
        )
        .text
    }

    #[test]
    fn words_split_or_glued_differently_match_nearly_exactly() {
        let exact = text_score("rue le sueur paris", "Rue Le Sueur", "paris 75016");
        let glued = text_score("rue lesueur paris", "Rue Le Sueur", "paris 75016");
        let split = text_score(
            "rue fantin la tour paris",
            "Rue Fantin Latour",
            "paris 75016",
        );
        assert!(glued > 0.9 && glued < exact, "{glued} {exact}");
        assert!(split > 0.9, "{split}");
        // An exact word is never taken apart to make another match.
        let other = text_score("rue le sueur paris", "Avenue Daniel Lesueur", "paris 75007");
        assert!(other < 0.6, "{other}");
    }

    #[test]
    fn a_three_letter_typo_counts_only_where_the_place_fits() {
        let fits = text_score("rue pan 75013 paris", "Rue Péan", "paris 75013");
        let elsewhere = text_score("rue pan 75013 paris", "Rue Péan", "lyon 69001");
        let unrelated = text_score("rue pan 75013 paris", "Rue Nationale", "paris 75013");
        assert!(fits > unrelated, "{fits} {unrelated}");
        assert!(elsewhere < text_score("rue pean 75013 paris", "Rue Péan", "lyon 69001"));
        // Elsewhere, "pan" explains no more than a word that is nothing like "pean".
        assert_eq!(
            elsewhere,
            text_score("rue xyz 75013 paris", "Rue Péan", "lyon 69001")
        );
    }

    #[test]
    fn a_three_letter_word_may_have_any_one_typo_where_the_place_fits() {
        let nzy = "20 boulevard nzy paris";
        let fits = text_score(nzy, "Boulevard Ney", "paris 18e arrondissement 75018");
        let other = text_score(nzy, "Boulevard Macdonald", "paris 19e arrondissement 75019");
        assert!(fits > other, "{fits} {other}");
        // A two-letter word, a three-letter one less a letter.
        let ue = "48 ue de grenelle paris";
        let rue = text_score(ue, "Rue de Grenelle", "paris 7e arrondissement 75007");
        let quai = text_score(ue, "Quai de Grenelle", "paris 15e arrondissement 75015");
        assert!(rue > quai, "{rue} {quai}");
    }

    #[test]
    fn a_typo_in_a_three_letter_city_tells_which_city() {
        let q = "5 avenue jean jaures gpa";
        let gap = text_score(q, "Avenue Jean Jaurès", "gap 05000");
        let paris = text_score(q, "Avenue Jean Jaurès", "paris 19e arrondissement 75019");
        assert!(gap > paris, "{gap} {paris}");
        // Typed so too.
        assert!(scored(q, true, "Avenue Jean Jaurès", "gap 05000") > paris);
        // Letters only: "ter" is no typo of "1er".
        let place = "paris 1er arrondissement 75001";
        assert_eq!(
            text_score("rue de l echelle ter", "Rue de l'Échelle", place),
            text_score("rue de l echelle xyz", "Rue de l'Échelle", place)
        );
    }

    #[test]
    fn a_word_being_typed_may_lack_a_letter() {
        let q = "76 impasse des jardins vetavon";
        let ventavon = scored(q, true, "Impasse des Jardins", "ventavon 05300");
        let chorges = scored(q, true, "Impasse des Jardins", "chorges 05230");
        assert!(ventavon > chorges, "{ventavon} {chorges}");
        // Nearly as good as the city typed right.
        let exact = scored(
            "76 impasse des jardins ventavon",
            true,
            "Impasse des Jardins",
            "ventavon 05300",
        );
        assert!(ventavon > exact - 0.05, "{ventavon} {exact}");
    }

    #[test]
    fn a_city_word_inside_the_name_breaks_it() {
        let whole = text_score("route de rambaud jarjayes", "Route de Rambaud", "jarjayes");
        let broken = text_score("route de rambaud jarjayes", "Route de Jarjayes", "rambaud");
        assert!(whole > broken, "{whole} {broken}");
    }

    #[test]
    fn concatenations_and_deletions_are_recognised() {
        assert!(is_concatenation("latour", "la", "tour"));
        assert!(!is_concatenation("latour", "la", "tou"));
        assert!(is_one_deletion("pean", "pan"));
        assert!(is_one_deletion("toul", "oul"));
        assert!(is_one_deletion("brey", "bre"));
        assert!(!is_one_deletion("plan", "pin"));
        assert!(!is_one_deletion("pan", "pan"));
        assert!(is_one_edit("gpa", "gap"));
        assert!(is_one_edit("gep", "gap"));
        assert!(is_one_edit("gp", "gap"));
        assert!(is_one_edit("dde", "de"));
        assert!(is_one_edit("agp", "gap"));
        assert!(!is_one_edit("pag", "gap"));
        assert!(!is_one_edit("gxx", "gap"));
    }
}
