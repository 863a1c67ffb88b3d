//! The schema on PostgreSQL: the same versions, in the same order and with the same meaning,
//! as SQLite's `migrations.rs` (whose comments explain each table); only the dialect differs.
//!
//! Types: SQLite's `INTEGER` is `BIGINT`, `BLOB` is `BYTEA`, an `INTEGER PRIMARY KEY` that
//! SQLite numbers itself is an identity column. Where SQLite code orders by `rowid`
//! (`identified_schools`), an identity column `seq` keeps that order. Times stay text in the SQLite spelling
//! (`NOW_TEXT`), so a row reads the same on both engines and the audit chain hashes the same
//! text. samod's keys are compared bytewise (`COLLATE "C"`), as SQLite's `BINARY` does, which
//! the prefix ranges of `load_range` rely on whatever the database's default collation.
//!
//! Each step runs in its own transaction under an advisory lock, so several server processes
//! starting against one database apply each step once; PostgreSQL's DDL is transactional, so a
//! failed step leaves the database at the previous version.

use postgres::Transaction;

use super::{Client, NOW_TEXT, locks};
use crate::StoreError;

/// Rust run after a step's statements in its transaction.
type Repair = fn(&mut Transaction<'_>) -> Result<(), postgres::Error>;

/// One schema step; `version` matches SQLite's step of the same number.
struct Migration {
    /// The step's number, shared with SQLite's `MIGRATIONS`.
    version: u32,
    /// What it does (the same words as SQLite's).
    description: &'static str,
    /// The statements.
    sql: &'static str,
    /// Rust run after `sql` in the same transaction.
    repair: Option<Repair>,
}

/// Every step, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "samod key/value store and replica settings",
        sql: r#"
        CREATE TABLE samod_kv (
            key   TEXT COLLATE "C" PRIMARY KEY,
            value BYTEA NOT NULL
        );
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    "#,
        repair: None,
    },
    Migration {
        version: 2,
        description: "accounts: organisations, users, memberships, bearer tokens",
        sql: "
        CREATE TABLE organisations (
            id     TEXT PRIMARY KEY,
            kind   TEXT NOT NULL,
            parent TEXT REFERENCES organisations (id),
            name   TEXT NOT NULL
        );
        CREATE TABLE users (
            id            TEXT PRIMARY KEY,
            login         TEXT NOT NULL UNIQUE,
            display_name  TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at    TEXT NOT NULL
        );
        CREATE TABLE memberships (
            user_id TEXT NOT NULL REFERENCES users (id),
            org_id  TEXT NOT NULL REFERENCES organisations (id),
            role    TEXT NOT NULL,
            PRIMARY KEY (user_id, org_id, role)
        );
        CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            user_id    TEXT NOT NULL REFERENCES users (id),
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            revoked_at BIGINT
        );
        CREATE INDEX tokens_by_user ON tokens (user_id);
    ",
        repair: None,
    },
    Migration {
        version: 3,
        description: "documents' lifecycle: registry, submissions, signatures, curators, audit log",
        sql: "
        CREATE TABLE documents (
            id           TEXT PRIMARY KEY,
            form         TEXT NOT NULL,
            region       TEXT NOT NULL,
            owner_school TEXT NOT NULL REFERENCES organisations (id),
            parties      TEXT NOT NULL,
            created_by   TEXT NOT NULL REFERENCES users (id),
            created_at   TEXT NOT NULL,
            status       TEXT NOT NULL,
            state        TEXT NOT NULL,
            updated_at   TEXT NOT NULL
        );
        CREATE INDEX documents_by_owner ON documents (owner_school);
        CREATE TABLE submissions (
            document             TEXT NOT NULL REFERENCES documents (id),
            round                BIGINT NOT NULL,
            heads                TEXT NOT NULL,
            form_id              TEXT NOT NULL,
            form_version         TEXT NOT NULL,
            requirements_id      TEXT NOT NULL,
            requirements_version TEXT NOT NULL,
            content_sha256       TEXT NOT NULL,
            content              TEXT NOT NULL,
            submitted_by         TEXT NOT NULL REFERENCES users (id),
            submitted_at         TEXT NOT NULL,
            decided_at           TEXT,
            collected_at         TEXT,
            PRIMARY KEY (document, round)
        );
        CREATE TABLE signatures (
            document       TEXT NOT NULL,
            round          BIGINT NOT NULL,
            party          TEXT NOT NULL REFERENCES organisations (id),
            signed_by      TEXT NOT NULL REFERENCES users (id),
            content_sha256 TEXT NOT NULL,
            signed_at      TEXT NOT NULL,
            PRIMARY KEY (document, round, party),
            FOREIGN KEY (document, round) REFERENCES submissions (document, round)
        );
        CREATE TABLE audit_log (
            seq       BIGINT PRIMARY KEY,
            at        TEXT NOT NULL,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            subject   TEXT NOT NULL,
            heads     TEXT NOT NULL,
            details   TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL
        );
        CREATE TABLE curator_assignments (
            curator TEXT NOT NULL REFERENCES users (id),
            school  TEXT NOT NULL REFERENCES organisations (id),
            PRIMARY KEY (curator, school)
        );
        CREATE TABLE audit_head (
            id   BIGINT PRIMARY KEY CHECK (id = 1),
            seq  BIGINT NOT NULL,
            hash TEXT NOT NULL
        );
    ",
        repair: None,
    },
    Migration {
        version: 4,
        description: "quarantine documents registered under a non-canonical id",
        sql: "ALTER TABLE documents ADD COLUMN quarantined_at TEXT;",
        repair: Some(quarantine_aliases),
    },
    Migration {
        version: 5,
        description: "narratives: Yjs updates (appended) and compacted states",
        sql: "
        CREATE TABLE yjs_updates (
            seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            doc_id  TEXT NOT NULL,
            update_ BYTEA NOT NULL
        );
        CREATE INDEX yjs_updates_by_doc ON yjs_updates (doc_id, seq);
        CREATE TABLE yjs_states (
            doc_id TEXT PRIMARY KEY,
            state  BYTEA NOT NULL
        );
    ",
        repair: None,
    },
    Migration {
        version: 6,
        description: "identification of schools: computed results, confirmed by the region",
        sql: "
        CREATE TABLE identifications (
            id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            region         TEXT NOT NULL,
            municipality   TEXT,
            year           BIGINT NOT NULL,
            method_id      TEXT NOT NULL,
            method_version TEXT NOT NULL,
            input_sha256   TEXT NOT NULL,
            computed_by    TEXT NOT NULL,
            computed_at    TEXT NOT NULL,
            confirmed_by   TEXT,
            confirmed_at   TEXT
        );
        CREATE TABLE identified_schools (
            -- Stands for SQLite's rowid: the schools' order in the uploaded table.
            seq            BIGINT GENERATED ALWAYS AS IDENTITY,
            identification BIGINT NOT NULL REFERENCES identifications (id),
            school         TEXT NOT NULL,
            name           TEXT NOT NULL,
            categories     TEXT NOT NULL,
            status         TEXT,
            reasons        TEXT NOT NULL,
            PRIMARY KEY (identification, school)
        );
        CREATE INDEX identified_schools_by_school ON identified_schools (school);
    ",
        repair: None,
    },
    Migration {
        version: 7,
        description: "campaigns: obligations by category, schools, deadlines, reminders",
        sql: "
        CREATE TABLE campaigns (
            id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            region      TEXT NOT NULL REFERENCES organisations (id),
            year        BIGINT NOT NULL,
            title       TEXT NOT NULL,
            submit_by   TEXT NOT NULL,
            decide_by   TEXT NOT NULL,
            remind_days BIGINT NOT NULL,
            opened_by   TEXT NOT NULL REFERENCES users (id),
            opened_at   TEXT NOT NULL
        );
        CREATE TABLE campaign_obligations (
            campaign BIGINT NOT NULL REFERENCES campaigns (id),
            category TEXT NOT NULL,
            form     TEXT NOT NULL,
            PRIMARY KEY (campaign, category, form)
        );
        CREATE TABLE campaign_schools (
            campaign BIGINT NOT NULL REFERENCES campaigns (id),
            school   TEXT NOT NULL REFERENCES organisations (id),
            category TEXT NOT NULL,
            source   TEXT NOT NULL,
            PRIMARY KEY (campaign, school)
        );
        CREATE TABLE reminders (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            campaign   BIGINT NOT NULL REFERENCES campaigns (id),
            school     TEXT NOT NULL REFERENCES organisations (id),
            form       TEXT NOT NULL,
            kind       TEXT NOT NULL,
            due        TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (campaign, school, form, kind)
        );
        CREATE INDEX reminders_by_school ON reminders (school);
    ",
        repair: None,
    },
    Migration {
        version: 8,
        description: "failed password checks counted per login and address, for every replica",
        sql: "
        CREATE TABLE login_failures (
            key          TEXT PRIMARY KEY,
            window_start BIGINT NOT NULL,
            count        BIGINT NOT NULL
        );
        CREATE INDEX login_failures_by_window ON login_failures (window_start);
    ",
        repair: None,
    },
];

/// The schema version this code writes; the same as SQLite's.
fn supported_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to [`supported_version`], applying only the missing steps, each
/// under the migrations' advisory lock; refuses a database migrated by newer code before
/// changing anything.
pub(super) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    {
        let mut tx = client.transaction()?;
        lock(&mut tx)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                applied_at TEXT NOT NULL
            )",
        )?;
        let found: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )?
            .get(0);
        tx.commit()?;
        let supported = supported_version();
        let found = u32::try_from(found).unwrap_or(u32::MAX);
        if found > supported {
            return Err(StoreError::TooNew { found, supported });
        }
    }
    for migration in MIGRATIONS {
        let failed = |source| StoreError::PostgresMigration {
            version: migration.version,
            description: migration.description,
            source,
        };
        let mut tx = client.transaction().map_err(failed)?;
        lock(&mut tx).map_err(failed)?;
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[&i64::from(migration.version)],
            )
            .map_err(failed)?
            .is_some();
        if done {
            continue;
        }
        tx.batch_execute(migration.sql).map_err(failed)?;
        if let Some(repair) = migration.repair {
            repair(&mut tx).map_err(failed)?;
        }
        tx.execute(
            &format!("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, {NOW_TEXT})"),
            &[&i64::from(migration.version)],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(
            version = migration.version,
            description = migration.description,
            "postgresql database migrated"
        );
    }
    Ok(())
}

/// Takes the migrations' advisory lock until the end of `tx`.
fn lock(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&locks::MIGRATIONS])
        .map(drop)
}

/// Step 4's repair, as SQLite's `records::quarantine_aliases`: records whose id is not in its
/// canonical spelling are taken out of use, each with its audit row.
fn quarantine_aliases(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    let rows = tx.query(
        "SELECT id, owner_school, created_by FROM documents WHERE quarantined_at IS NULL",
        &[],
    )?;
    for row in rows {
        let (id, owner_school, created_by): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        let Some(entry) = crate::records::quarantine_entry(&id, &owner_school, &created_by) else {
            continue;
        };
        tx.execute(
            &format!("UPDATE documents SET quarantined_at = {NOW_TEXT} WHERE id = $1"),
            &[&id],
        )?;
        super::append(tx, &entry)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_versions_as_sqlite_with_the_same_descriptions() {
        let sqlite: Vec<_> = crate::migrations::MIGRATIONS
            .iter()
            .map(|m| (m.version, m.description))
            .collect();
        let postgres: Vec<_> = MIGRATIONS
            .iter()
            .map(|m| (m.version, m.description))
            .collect();
        assert_eq!(postgres, sqlite);
    }
}
