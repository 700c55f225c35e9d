//! The corrections database: one SQLite file (`INDEX_DIR/corrections.sqlite`, WAL) beside the
//! index generations, so that it survives re-ingests. It holds API tokens (hashes only),
//! revisions and which one is current per commune, the audit log and citizens' reports.
//!
//! Every write that must happen together (publishing = status + current pointer + audit) runs
//! in one transaction: the SQLite commit is the commit point of a publication.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};

/// File name of the database inside the index directory.
pub const DB_FILE: &str = "corrections.sqlite";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS tokens (
    id          INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    communes    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE TABLE IF NOT EXISTS revisions (
    id           INTEGER PRIMARY KEY,
    commune      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'invalid', 'published')),
    origin       TEXT NOT NULL,
    rollback_of  INTEGER,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    published_at INTEGER,
    content      BLOB NOT NULL,
    validation   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_commune ON revisions (commune, id);
-- Published revisions are immutable: the database itself refuses to change or delete one.
CREATE TRIGGER IF NOT EXISTS published_revisions_are_immutable
    BEFORE UPDATE ON revisions WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'published revisions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS published_revisions_are_kept
    BEFORE DELETE ON revisions WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'published revisions are kept'); END;
CREATE TABLE IF NOT EXISTS current (
    commune  TEXT PRIMARY KEY,
    revision INTEGER NOT NULL REFERENCES revisions (id)
);
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    commune  TEXT,
    revision INTEGER,
    client   TEXT
);
CREATE TABLE IF NOT EXISTS reports (
    id           INTEGER PRIMARY KEY,
    commune      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    message      TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT,
    created_at   INTEGER NOT NULL,
    processed_at INTEGER,
    processed_by TEXT
);
CREATE INDEX IF NOT EXISTS reports_commune ON reports (commune, id);
"#;

/// One revision as stored.
#[derive(Debug, Clone)]
pub struct RevisionRecord {
    pub id: i64,
    pub commune: String,
    pub status: String,
    /// `bal`, `edits` or `rollback`.
    pub origin: String,
    pub rollback_of: Option<i64>,
    pub created_at: i64,
    pub created_by: String,
    pub published_at: Option<i64>,
    /// The revision's whole content as a BAL 1.4 CSV (what `/revisions/{id}/file` returns).
    pub content: Vec<u8>,
    /// The validation report, as JSON.
    pub validation: String,
}

/// A token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub label: String,
    pub communes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub commune: Option<String>,
    pub revision: Option<i64>,
    pub client: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportRecord {
    pub id: i64,
    pub commune: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    pub message: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: i64,
    pub processed_at: Option<i64>,
    pub processed_by: Option<String>,
}

/// Who did something and from where, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub label: String,
    pub client: Option<String>,
}

/// A handle on the database. Each call opens its own connection, so the CLI and a running
/// server can write at the same time (WAL, busy timeout) and a token created by the CLI is seen
/// by the server's next request.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Internal(format!("{}: {e}", path.display()))
}

impl Store {
    /// Opens (creating if needed) the database of an index directory.
    pub fn open(index_root: &Path) -> Result<Store> {
        if !index_root.is_dir() {
            return Err(Error::Input(format!(
                "{}: no such index directory; run `adresse ingest` first",
                index_root.display()
            )));
        }
        let store = Store {
            path: index_root.join(DB_FILE),
        };
        let conn = store.connect()?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| db_error(&store.path, e))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path).map_err(|e| db_error(&self.path, e))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| db_error(&self.path, e))?;
        // WAL: readers never block the writer; `synchronous=FULL` so a commit survives a
        // power cut, not only a killed process.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| db_error(&self.path, e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| db_error(&self.path, e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| db_error(&self.path, e))?;
        Ok(conn)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.connect()?;
        f(&mut conn).map_err(|e| db_error(&self.path, e))
    }

    // ---- tokens ----

    pub fn insert_token(&self, hash: &[u8], label: &str, communes: &[String]) -> Result<i64> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO tokens (hash, label, communes, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![hash, label, communes.join(","), now()],
            )?;
            let id = tx.last_insert_rowid();
            audit_in(
                &tx,
                &Actor {
                    label: "cli".into(),
                    client: None,
                },
                &format!("token_create #{id} ({label})"),
                None,
                None,
            )?;
            tx.commit()?;
            Ok(id)
        })
    }

    /// The token whose hash is `hash`, with the stored hash (compared again by the caller in
    /// constant time).
    pub fn token_by_hash(&self, hash: &[u8]) -> Result<Option<(TokenRecord, Vec<u8>)>> {
        self.with(|c| {
            c.query_row(
                "SELECT id, label, communes, created_at, revoked_at, hash FROM tokens WHERE hash = ?1",
                params![hash],
                |r| Ok((token_of(r)?, r.get::<_, Vec<u8>>(5)?)),
            )
            .optional()
        })
    }

    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, label, communes, created_at, revoked_at FROM tokens ORDER BY id",
            )?;
            let rows = stmt.query_map([], token_of)?;
            rows.collect()
        })
    }

    /// Revokes a token; false when there is no such token or it was already revoked.
    pub fn revoke_token(&self, id: i64) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![now(), id],
            )?;
            if n > 0 {
                audit_in(
                    &tx,
                    &Actor {
                        label: "cli".into(),
                        client: None,
                    },
                    &format!("token_revoke #{id}"),
                    None,
                    None,
                )?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
    }

    // ---- revisions ----

    /// Stores a new revision (pending or invalid) and audits it.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_revision(
        &self,
        commune: &str,
        status: &str,
        origin: &str,
        rollback_of: Option<i64>,
        content: &[u8],
        validation: &str,
        actor: &Actor,
    ) -> Result<i64> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO revisions (commune, status, origin, rollback_of, created_at, created_by, content, validation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![commune, status, origin, rollback_of, now(), actor.label, content, validation],
            )?;
            let id = tx.last_insert_rowid();
            audit_in(&tx, actor, &format!("revision_create ({origin}, {status})"), Some(commune), Some(id))?;
            tx.commit()?;
            Ok(id)
        })
    }

    /// Marks a pending revision published and current for its commune, in one transaction.
    /// `validation` replaces the stored report (publication re-validates against the then
    /// current revision).
    pub fn publish(&self, id: i64, validation: &str, actor: &Actor) -> Result<()> {
        self.with(|c| {
            // IMMEDIATE: take the write lock before reading, so two publishers cannot both see
            // the revision pending.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let commune: String = tx.query_row(
                "SELECT commune FROM revisions WHERE id = ?1 AND status = 'pending'",
                params![id],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE revisions SET status = 'published', published_at = ?1, validation = ?2 WHERE id = ?3",
                params![now(), validation, id],
            )?;
            tx.execute(
                "INSERT INTO current (commune, revision) VALUES (?1, ?2)
                 ON CONFLICT (commune) DO UPDATE SET revision = excluded.revision",
                params![commune, id],
            )?;
            audit_in(&tx, actor, "revision_publish", Some(&commune), Some(id))?;
            tx.commit()
        })
    }

    /// Records a revision found invalid when publication re-validated it.
    pub fn mark_invalid(&self, id: i64, validation: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE revisions SET status = 'invalid', validation = ?1 WHERE id = ?2 AND status = 'pending'",
                params![validation, id],
            )
            .map(|_| ())
        })
    }

    pub fn revision(&self, id: i64) -> Result<Option<RevisionRecord>> {
        self.with(|c| {
            c.query_row(
                &format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE id = ?1"),
                params![id],
                revision_of,
            )
            .optional()
        })
    }

    /// The commune a revision belongs to, without reading its content.
    pub fn commune_of_revision(&self, id: i64) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row(
                "SELECT commune FROM revisions WHERE id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()
        })
    }

    /// A commune's revisions, newest first, without their content.
    pub fn history(&self, commune: &str) -> Result<Vec<RevisionRecord>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, commune, status, origin, rollback_of, created_at, created_by, published_at, x'', validation
                 FROM revisions WHERE commune = ?1 ORDER BY id DESC",
            )?;
            let rows = stmt.query_map(params![commune], revision_of)?;
            rows.collect()
        })
    }

    /// The current revision id of a commune, if it has published one.
    pub fn current_of(&self, commune: &str) -> Result<Option<i64>> {
        self.with(|c| {
            c.query_row(
                "SELECT revision FROM current WHERE commune = ?1",
                params![commune],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Every commune's current revision, with content: what is served on top of the index.
    pub fn current_revisions(&self) -> Result<Vec<RevisionRecord>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {REVISION_COLUMNS} FROM revisions WHERE id IN (SELECT revision FROM current) ORDER BY commune"
            ))?;
            let rows = stmt.query_map([], revision_of)?;
            rows.collect()
        })
    }

    // ---- audit ----

    pub fn audit(
        &self,
        actor: &Actor,
        action: &str,
        commune: Option<&str>,
        revision: Option<i64>,
    ) -> Result<()> {
        self.with(|c| audit_in(c, actor, action, commune, revision))
    }

    pub fn audit_log(&self, commune: &str) -> Result<Vec<AuditRecord>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, at, actor, action, commune, revision, client FROM audit WHERE commune = ?1 ORDER BY id DESC",
            )?;
            let rows = stmt.query_map(params![commune], |r| {
                Ok(AuditRecord {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    commune: r.get(4)?,
                    revision: r.get(5)?,
                    client: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    // ---- reports ----

    pub fn insert_report(
        &self,
        commune: &str,
        kind: &str,
        lon: f64,
        lat: f64,
        message: &str,
    ) -> Result<i64> {
        self.with(|c| {
            c.execute(
                "INSERT INTO reports (commune, kind, lon, lat, message, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6)",
                params![commune, kind, lon, lat, message, now()],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    pub fn report(&self, id: i64) -> Result<Option<ReportRecord>> {
        self.with(|c| {
            c.query_row(
                &format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?1"),
                params![id],
                report_of,
            )
            .optional()
        })
    }

    pub fn reports(&self, commune: &str, status: Option<&str>) -> Result<Vec<ReportRecord>> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {REPORT_COLUMNS} FROM reports WHERE commune = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id DESC"
            ))?;
            let rows = stmt.query_map(params![commune, status], report_of)?;
            rows.collect()
        })
    }

    /// Closes an open report as `processed` or `rejected`; false when it was not open.
    pub fn close_report(
        &self,
        id: i64,
        status: &str,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction()?;
            let commune: Option<String> = tx
                .query_row("SELECT commune FROM reports WHERE id = ?1 AND status = 'open'", params![id], |r| r.get(0))
                .optional()?;
            let Some(commune) = commune else {
                return Ok(false);
            };
            tx.execute(
                "UPDATE reports SET status = ?1, reason = ?2, processed_at = ?3, processed_by = ?4 WHERE id = ?5",
                params![status, reason, now(), actor.label, id],
            )?;
            audit_in(&tx, actor, &format!("report_{status} #{id}"), Some(&commune), None)?;
            tx.commit()?;
            Ok(true)
        })
    }
}

const REVISION_COLUMNS: &str =
    "id, commune, status, origin, rollback_of, created_at, created_by, published_at, content, validation";
const REPORT_COLUMNS: &str =
    "id, commune, kind, lon, lat, message, status, reason, created_at, processed_at, processed_by";

fn audit_in(
    c: &Connection,
    actor: &Actor,
    action: &str,
    commune: Option<&str>,
    revision: Option<i64>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO audit (at, actor, action, commune, revision, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now(), actor.label, action, commune, revision, actor.client],
    )
    .map(|_| ())
}

fn token_of(r: &rusqlite::Row) -> rusqlite::Result<TokenRecord> {
    let communes: String = r.get(2)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        label: r.get(1)?,
        communes: communes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect(),
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

fn revision_of(r: &rusqlite::Row) -> rusqlite::Result<RevisionRecord> {
    Ok(RevisionRecord {
        id: r.get(0)?,
        commune: r.get(1)?,
        status: r.get(2)?,
        origin: r.get(3)?,
        rollback_of: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        published_at: r.get(7)?,
        content: r.get(8)?,
        validation: r.get(9)?,
    })
}

fn report_of(r: &rusqlite::Row) -> rusqlite::Result<ReportRecord> {
    Ok(ReportRecord {
        id: r.get(0)?,
        commune: r.get(1)?,
        kind: r.get(2)?,
        lon: r.get(3)?,
        lat: r.get(4)?,
        message: r.get(5)?,
        status: r.get(6)?,
        reason: r.get(7)?,
        created_at: r.get(8)?,
        processed_at: r.get(9)?,
        processed_by: r.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            label: "Mairie".into(),
            client: Some("127.0.0.1".into()),
        }
    }

    #[test]
    fn published_revisions_cannot_be_changed_and_current_follows_publication() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store
            .insert_revision("05061", "pending", "bal", None, b"a", "{}", &actor())
            .unwrap();
        let b = store
            .insert_revision("05061", "pending", "bal", None, b"b", "{}", &actor())
            .unwrap();
        store.publish(a, "{}", &actor()).unwrap();
        assert_eq!(store.current_of("05061").unwrap(), Some(a));
        store.publish(b, "{}", &actor()).unwrap();
        assert_eq!(store.current_of("05061").unwrap(), Some(b));
        // Publishing twice fails: the revision is no longer pending.
        assert!(store.publish(b, "{}", &actor()).is_err());
        // The trigger refuses any change to a published revision, even by hand.
        let conn = store.connect().unwrap();
        assert!(conn
            .execute("UPDATE revisions SET content = x'00' WHERE id = ?1", [a])
            .is_err());
        assert!(conn
            .execute("DELETE FROM revisions WHERE id = ?1", [a])
            .is_err());
        assert_eq!(store.revision(a).unwrap().unwrap().content, b"a");
        let log = store.audit_log("05061").unwrap();
        assert_eq!(
            log.iter()
                .filter(|e| e.action == "revision_publish")
                .count(),
            2
        );
        assert_eq!(log[0].client.as_deref(), Some("127.0.0.1"));
    }
}
