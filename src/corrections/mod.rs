//! Municipality corrections (issue 5): communes hold API tokens, upload their Base Adresse
//! Locale or send JSON edits; each becomes a revision, validated, then published; the current
//! published revision of every commune is served in place of the national index's data for it.
//!
//! - [`store`]: the SQLite database (tokens, revisions, current pointers, audit, reports);
//! - [`tokens`]: creating and checking tokens; [`cli`]: the `adresse token` command;
//! - [`bal`]: the BAL CSV format; [`validation`]: its checks; [`projection`]: Lambert-93;
//! - [`edits`]: JSON edits; [`base`]: what the national index holds for a commune;
//! - [`reports`]: citizens' problem reports and their rate limit.
//!
//! This file is the service the HTTP routes call: it ties those together and decides the
//! order of a publication — validate, commit in SQLite (the commit point), then hand every
//! commune's current rows to what serves the index.

pub mod bal;
pub mod base;
pub mod cli;
pub mod edits;
pub mod projection;
pub mod reports;
pub mod store;
pub mod tokens;
pub mod validation;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::ingest::ban_csv::BanRow;
use crate::ingest::reference::Reference;

use bal::{BalRow, Postcodes};
use store::{Actor, RevisionRecord, Store};
use validation::{Context, Report};

/// What the corrections need from what serves the index: the national data of a commune, and
/// a way to replace the whole set of served corrections at once.
pub trait Served: Send + Sync {
    fn base(&self) -> &Index;
    fn set_corrections(&self, communes: BTreeMap<String, Vec<BanRow>>) -> Result<()>;
}

impl Served for crate::Geocoder {
    fn base(&self) -> &Index {
        self.index()
    }

    fn set_corrections(&self, communes: BTreeMap<String, Vec<BanRow>>) -> Result<()> {
        // The inherent method (src/geocoder.rs), not this trait's.
        crate::Geocoder::set_corrections(self, communes)
    }
}

/// A revision as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub id: i64,
    pub commune: String,
    pub status: String,
    /// Whether this is the commune's current published revision.
    pub current: bool,
    pub origin: String,
    pub rollback_of: Option<i64>,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    pub validation: Report,
}

/// Why a publication did not happen.
#[derive(Debug)]
pub enum PublishError {
    NotFound(String),
    /// 409: invalid, already published, or no longer valid against the current revision.
    Conflict(String, Option<Report>),
    Other(Error),
}

impl From<Error> for PublishError {
    fn from(e: Error) -> Self {
        PublishError::Other(e)
    }
}

pub struct Corrections {
    store: Store,
    served: Arc<dyn Served>,
    reference: Reference,
    /// One publication at a time per commune: validation against the current revision and the
    /// commit must not interleave with another publication of the same commune.
    commune_locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Reading every current revision and handing the set over must not interleave either, or
    /// an older set could be served after a newer one.
    applying: Mutex<()>,
    /// Rows of the current revisions, by revision id, so a publication re-reads only its own.
    rows_cache: Mutex<HashMap<i64, Arc<Vec<BanRow>>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Corrections {
    /// Opens the corrections of an index directory (creating the database on first use).
    pub fn open(index_root: &Path, served: Arc<dyn Served>) -> Result<Corrections> {
        Ok(Corrections {
            store: Store::open(index_root)?,
            served,
            reference: Reference::embedded()?,
            commune_locks: Mutex::default(),
            applying: Mutex::default(),
            rows_cache: Mutex::default(),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves every commune's current published revision: at start, after the index is
    /// opened (so a restart, or a re-ingest of newer BAN files, replays the corrections), and
    /// after each publication. Returns how many communes are corrected.
    pub fn apply(&self) -> Result<usize> {
        let _one_at_a_time = lock(&self.applying);
        let current = self.store.current_revisions()?;
        let mut communes = BTreeMap::new();
        let mut cache = lock(&self.rows_cache).clone();
        let mut kept = HashMap::new();
        for revision in current {
            let rows = match cache.remove(&revision.id) {
                Some(rows) => rows,
                None => Arc::new(self.rows_of(&revision)?),
            };
            communes.insert(revision.commune.clone(), rows.as_ref().clone());
            kept.insert(revision.id, rows);
        }
        let count = communes.len();
        self.served.set_corrections(communes)?;
        *lock(&self.rows_cache) = kept;
        Ok(count)
    }

    /// The BAN rows a revision serves.
    fn rows_of(&self, revision: &RevisionRecord) -> Result<Vec<BanRow>> {
        let file = bal::parse(&revision.content);
        if let Some(e) = file.errors.first() {
            return Err(Error::Internal(format!(
                "revision {} can no longer be read: {}",
                revision.id, e.message
            )));
        }
        Ok(bal::to_ban_rows(
            &file.rows,
            &self.postcodes(&revision.commune),
        ))
    }

    fn postcodes(&self, commune: &str) -> Postcodes {
        let mut postcodes = base::postcodes(self.served.base(), commune);
        if postcodes.default.is_empty() {
            if let Some(first) = self
                .reference
                .commune(commune)
                .and_then(|c| c.postcodes.first())
            {
                postcodes.default = first.clone();
            }
        }
        postcodes
    }

    /// The commune's current rows as BAL (its current revision, else the national index) and
    /// the ids of the housenumbers they serve.
    fn current_state(&self, commune: &str) -> Result<(Vec<BalRow>, HashSet<String>)> {
        let rows = match self.store.current_of(commune)? {
            Some(id) => {
                let revision = self
                    .store
                    .revision(id)?
                    .ok_or_else(|| Error::Internal(format!("current revision {id} is missing")))?;
                bal::parse(&revision.content).rows
            }
            None => base::rows(self.served.base(), commune)
                .iter()
                .map(|row| bal::from_ban_row(row, "entrée", "ban", ""))
                .collect(),
        };
        let ids = rows
            .iter()
            .filter(|r| r.get("numero") != validation::NO_NUMBER.to_string())
            .map(bal::row_id)
            .collect();
        Ok((rows, ids))
    }

    fn validate(&self, commune: &str, content: &[u8]) -> Result<Report> {
        let (_, current_ids) = self.current_state(commune)?;
        let today = validation::today();
        let context = Context {
            commune,
            bbox: self.reference.geo(commune).map(|g| g.bbox),
            current_ids: &current_ids,
            today: &today,
        };
        Ok(validation::validate(&bal::parse(content), &context))
    }

    fn store_revision(
        &self,
        commune: &str,
        origin: &str,
        rollback_of: Option<i64>,
        content: &[u8],
        mut report: Report,
        extra_errors: Vec<validation::Issue>,
        actor: &Actor,
    ) -> Result<RevisionView> {
        report.errors.splice(0..0, extra_errors);
        let status = if report.is_valid() {
            "pending"
        } else {
            "invalid"
        };
        let json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
        let id = self.store.insert_revision(
            commune,
            status,
            origin,
            rollback_of,
            content,
            &json,
            actor,
        )?;
        self.view(id)?
            .ok_or_else(|| Error::Internal(format!("revision {id} vanished")))
    }

    /// A new revision from a whole BAL file (kept byte for byte, so report lines match it).
    pub fn create_from_bal(
        &self,
        commune: &str,
        content: &[u8],
        actor: &Actor,
    ) -> Result<RevisionView> {
        let report = self.validate(commune, content)?;
        self.store_revision(commune, "bal", None, content, report, Vec::new(), actor)
    }

    /// A new revision from JSON edits applied to the commune's current rows; its content is the
    /// resulting BAL file.
    pub fn create_from_edits(
        &self,
        commune: &str,
        edits: &[edits::Edit],
        actor: &Actor,
    ) -> Result<RevisionView> {
        let (rows, _) = self.current_state(commune)?;
        let commune_nom = self
            .reference
            .commune(commune)
            .map(|c| c.nom.clone())
            .or_else(|| rows.first().map(|r| r.get("commune_nom").to_string()))
            .unwrap_or_default();
        let today = validation::today();
        let stamp = edits::Stamp {
            commune,
            commune_nom: &commune_nom,
            source: &actor.label,
            today: &today,
        };
        let (mut rows, problems) = edits::apply(rows, edits, &stamp);
        let content = bal::write(&mut rows);
        let report = self.validate(commune, &content)?;
        self.store_revision(commune, "edits", None, &content, report, problems, actor)
    }

    fn commune_lock(&self, commune: &str) -> Arc<Mutex<()>> {
        lock(&self.commune_locks)
            .entry(commune.to_string())
            .or_default()
            .clone()
    }

    /// Publishes a pending revision: re-validates it against the commune's current revision,
    /// commits, then serves it.
    pub fn publish(&self, id: i64, actor: &Actor) -> Result<RevisionView, PublishError> {
        let revision = self
            .store
            .revision(id)?
            .ok_or_else(|| PublishError::NotFound(format!("There is no revision {id}.")))?;
        let commune_lock = self.commune_lock(&revision.commune);
        let _serialised = lock(&commune_lock);
        // Read again under the lock: another publication may have happened meanwhile.
        let revision = self
            .store
            .revision(id)?
            .ok_or_else(|| PublishError::NotFound(format!("There is no revision {id}.")))?;
        match revision.status.as_str() {
            "pending" => {}
            "invalid" => {
                let report = serde_json::from_str(&revision.validation).ok();
                return Err(PublishError::Conflict(
                    format!("Revision {id} has validation errors and cannot be published."),
                    report,
                ));
            }
            _ => {
                return Err(PublishError::Conflict(
                    format!("Revision {id} is already published."),
                    None,
                ))
            }
        }
        let report = self.validate(&revision.commune, &revision.content)?;
        let json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
        if !report.is_valid() {
            self.store.mark_invalid(id, &json)?;
            return Err(PublishError::Conflict(
                format!(
                    "Revision {id} is no longer valid against the commune's current addresses."
                ),
                Some(report),
            ));
        }
        // Convert before committing: a revision that cannot be served is not published.
        let rows = Arc::new(self.rows_of(&revision)?);
        self.store.publish(id, &json, actor)?;
        lock(&self.rows_cache).insert(id, rows);
        self.apply().map_err(|e| {
            Error::Internal(format!(
                "revision {id} is published but could not be served yet (it will be at the next start): {e}"
            ))
        })?;
        Ok(self
            .view(id)?
            .ok_or_else(|| Error::Internal(format!("revision {id} vanished")))?)
    }

    /// Republishes an earlier published revision of the commune as a new revision.
    pub fn rollback(
        &self,
        commune: &str,
        target: i64,
        actor: &Actor,
    ) -> Result<RevisionView, PublishError> {
        let old = self
            .store
            .revision(target)?
            .filter(|r| r.commune == commune)
            .ok_or_else(|| {
                PublishError::NotFound(format!("Commune {commune} has no revision {target}."))
            })?;
        if old.status != "published" {
            return Err(PublishError::Conflict(
                format!("Revision {target} was never published; only published revisions can be restored."),
                None,
            ));
        }
        if self.store.current_of(commune)? == Some(target) {
            return Err(PublishError::Conflict(
                format!("Revision {target} is already the current revision of {commune}."),
                None,
            ));
        }
        let report = self.validate(commune, &old.content)?;
        let new = self.store_revision(
            commune,
            "rollback",
            Some(target),
            &old.content,
            report,
            Vec::new(),
            actor,
        )?;
        if new.status != "pending" {
            return Err(PublishError::Conflict(
                format!("Revision {target} cannot be restored: it does not pass validation now (see revision {}).", new.id),
                Some(new.validation),
            ));
        }
        self.publish(new.id, actor)
    }

    pub fn view(&self, id: i64) -> Result<Option<RevisionView>> {
        let Some(revision) = self.store.revision(id)? else {
            return Ok(None);
        };
        let current = self.store.current_of(&revision.commune)?;
        Ok(Some(view_of(revision, current)))
    }

    pub fn history(&self, commune: &str) -> Result<Vec<RevisionView>> {
        let current = self.store.current_of(commune)?;
        Ok(self
            .store
            .history(commune)?
            .into_iter()
            .map(|r| view_of(r, current))
            .collect())
    }

    /// A revision's file, as stored.
    pub fn file(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self.store.revision(id)?.map(|r| r.content))
    }

    /// The commune a revision belongs to (for the scope check).
    pub fn commune_of(&self, id: i64) -> Result<Option<String>> {
        self.store.commune_of_revision(id)
    }

    /// Whether a commune exists in the reference data.
    pub fn is_commune(&self, code: &str) -> bool {
        self.reference.commune(code).is_some()
    }

    pub fn bbox(&self, code: &str) -> Option<[f64; 4]> {
        self.reference.geo(code).map(|g| g.bbox)
    }
}

fn view_of(revision: RevisionRecord, current: Option<i64>) -> RevisionView {
    RevisionView {
        current: current == Some(revision.id),
        validation: serde_json::from_str(&revision.validation).unwrap_or_default(),
        id: revision.id,
        commune: revision.commune,
        status: revision.status,
        origin: revision.origin,
        rollback_of: revision.rollback_of,
        created_at: revision.created_at,
        created_by: revision.created_by,
        published_at: revision.published_at,
    }
}
