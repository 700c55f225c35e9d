//! What a result says, field by field, as the public API names them: the one place that turns a
//! [`Hit`] into a label, an id, a street, a city… so that `/search` JSON, batch CSV rows and
//! GeoJSON output can never disagree.

use crate::index::places::PlaceRef;
use crate::index::snapshot::Snapshot;
use crate::model::{Kind, Position};
use crate::search::Hit;

/// The properties of one result, borrowed from the index where possible.
#[derive(Debug, Clone)]
pub struct ResultView<'a> {
    pub place: PlaceRef<'a>,
    pub kind: Kind,
    pub score: f64,
    /// Where the result is: the housenumber's point, else the place's.
    pub position: Position,
    /// "12", "12bis" for a housenumber.
    pub housenumber: Option<String>,
    /// "12 Rue Royale 74000 Annecy", "Rue Royale 74000 Annecy", "Annecy".
    pub label: String,
    /// "12 Rue Royale" for a housenumber, the place's own name otherwise.
    pub name: String,
    pub id: String,
    pub distance_m: Option<f64>,
}

impl<'a> ResultView<'a> {
    /// `None` only if the hit points outside the place table, which a consistent index never
    /// does. `snapshot` must be the one the hit was found in (its layer and `ord` mean nothing
    /// elsewhere).
    pub fn of(snapshot: &'a Snapshot, hit: &Hit) -> Option<ResultView<'a>> {
        let place = snapshot.place(hit.layer, hit.place)?;
        let (position, housenumber, label, name, id) = match &hit.housenumber {
            Some(hn) => {
                let number = hn.display();
                (
                    hn.position,
                    Some(number.clone()),
                    format!("{number} {}", place.label()),
                    format!("{number} {}", place.name),
                    hn.id.clone(),
                )
            }
            None => (
                place.position,
                None,
                place.label(),
                place.name.to_string(),
                place.id.to_string(),
            ),
        };
        Some(ResultView {
            place,
            kind: hit.kind,
            score: hit.score,
            position,
            housenumber,
            label,
            name,
            id,
            distance_m: hit.distance_m,
        })
    }

    /// The place's name when the place is of that kind: `street` for a street (and for its
    /// housenumbers), `locality` for a lieu-dit, `municipality` for a commune.
    pub fn own_name(&self, kind: Kind) -> Option<&'a str> {
        (self.place.kind == kind).then_some(self.place.name.as_str())
    }

    /// Lambert-93 coordinates, when known.
    pub fn xy(&self) -> Option<(f64, f64)> {
        (self.position.x.is_finite() && self.position.y.is_finite())
            .then_some((self.position.x, self.position.y))
    }

    /// Population, shown for municipalities only.
    pub fn population(&self) -> Option<u64> {
        self.place
            .population
            .filter(|_| self.place.kind == Kind::Municipality)
    }
}
