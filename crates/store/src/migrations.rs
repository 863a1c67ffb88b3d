//! The database schema as an ordered list of migrations.
//!
//! To change the schema, append a [`Migration`] with the next version; never edit one that has
//! shipped, because databases in the field have already applied it. Each migration runs in its
//! own `BEGIN IMMEDIATE` transaction that also records it in `schema_migrations`, so a crash
//! leaves the database at a whole version, and two processes opening the same file at once do
//! not both apply it (the second waits for the write lock, then sees the version recorded).
//! A step whose data change SQL cannot express (checking a base58check spelling) adds a
//! [`Migration::repair`], run in the same transaction after its statements.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// One schema step.
pub(crate) struct Migration {
    /// Position in [`MIGRATIONS`], counting from 1; recorded in `schema_migrations`.
    pub(crate) version: u32,
    /// What the step does, for errors and logs.
    pub(crate) description: &'static str,
    /// The statements, run with `execute_batch` inside the step's transaction.
    pub(crate) sql: &'static str,
    /// Rust run after `sql` in the same transaction, for data changes SQL cannot express.
    pub(crate) repair: Option<fn(&Connection) -> rusqlite::Result<()>>,
}

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "samod key/value store and replica settings",
        sql: "
        -- samod's documents: keys are StorageKey components joined by '/'. The primary key's
        -- index serves load and the prefix ranges of load_range.
        CREATE TABLE samod_kv (
            key   TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    ",
        repair: None,
    },
    Migration {
        version: 2,
        description: "accounts: organisations, users, memberships, bearer tokens",
        sql: "
        -- kind is region, municipality, school or mentor-school; the tree's shape is checked by
        -- workflow::Directory before a row is written.
        CREATE TABLE organisations (
            id     TEXT PRIMARY KEY,
            kind   TEXT NOT NULL,
            parent TEXT REFERENCES organisations (id),
            name   TEXT NOT NULL
        );
        -- password_hash is an argon2id PHC string (algorithm, parameters, salt, hash); the
        -- password itself is never stored.
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
        -- Only the SHA-256 of a bearer token is kept, so a copy of the database does not let
        -- anyone log in. Times are Unix seconds.
        CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            user_id    TEXT NOT NULL REFERENCES users (id),
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE INDEX tokens_by_user ON tokens (user_id);
    ",
        repair: None,
    },
    Migration {
        version: 3,
        description: "documents' lifecycle: registry, submissions, signatures, curators, audit log",
        sql: "
        -- The server's record of each document: who owns it and writes it (fixed when it is
        -- registered, never taken from the CRDT), and its lifecycle. state is
        -- workflow::State as JSON and the truth; status copies its status for filtering.
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
        -- One row per submission (document, round): the exact version and what it was judged
        -- against, with its content in canonical JSON and that text's SHA-256.
        CREATE TABLE submissions (
            document             TEXT NOT NULL REFERENCES documents (id),
            round                INTEGER NOT NULL,
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
        -- A director's signature, bound to the hash of the content signed.
        CREATE TABLE signatures (
            document       TEXT NOT NULL,
            round          INTEGER NOT NULL,
            party          TEXT NOT NULL REFERENCES organisations (id),
            signed_by      TEXT NOT NULL REFERENCES users (id),
            content_sha256 TEXT NOT NULL,
            signed_at      TEXT NOT NULL,
            PRIMARY KEY (document, round, party),
            FOREIGN KEY (document, round) REFERENCES submissions (document, round)
        );
        -- Append-only, hash-chained: hash = SHA-256 over the row's fields and prev_hash.
        -- audit_head keeps the last row's seq and hash, so that deleting rows at the end is
        -- detected too.
        CREATE TABLE audit_log (
            seq       INTEGER PRIMARY KEY,
            at        TEXT NOT NULL,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            subject   TEXT NOT NULL,
            heads     TEXT NOT NULL,
            details   TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL
        );
        -- A curator follows the schools they are assigned to.
        CREATE TABLE curator_assignments (
            curator TEXT NOT NULL REFERENCES users (id),
            school  TEXT NOT NULL REFERENCES organisations (id),
            PRIMARY KEY (curator, school)
        );
        CREATE TABLE audit_head (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            seq  INTEGER NOT NULL,
            hash TEXT NOT NULL
        );
    ",
        repair: None,
    },
    Migration {
        version: 4,
        description: "quarantine documents registered under a non-canonical id",
        sql: "
        -- Set when a record is taken out of use; such a record is never loaded again. Earlier
        -- code accepted any spelling samod parses (a UUID, hex) when registering, so a record
        -- could name another school's document by an alias of its id. The repair marks every
        -- record whose id is not base58check (see records::quarantine_aliases).
        ALTER TABLE documents ADD COLUMN quarantined_at TEXT;
    ",
        repair: Some(crate::records::quarantine_aliases),
    },
    Migration {
        version: 5,
        description: "narratives: Yjs updates (appended) and compacted states",
        sql: "
        -- Each narrative edit a replica or a client sends is appended here as a Yjs v1 update,
        -- in arrival order; compaction merges a document's updates into its one state row and
        -- deletes them in the same transaction. A document's narratives are its state followed
        -- by its updates.
        CREATE TABLE yjs_updates (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id  TEXT NOT NULL,
            update_ BLOB NOT NULL
        );
        CREATE INDEX yjs_updates_by_doc ON yjs_updates (doc_id, seq);
        CREATE TABLE yjs_states (
            doc_id TEXT PRIMARY KEY,
            state  BLOB NOT NULL
        );
    ",
        repair: None,
    },
    Migration {
        version: 6,
        description: "identification of schools: computed results, confirmed by the region",
        sql: "
        -- One computation of a place's method over an uploaded table: who, from which file
        -- (SHA-256 of its bytes), for which year and place. Preliminary while confirmed_at is
        -- NULL; only confirmed ones take effect.
        CREATE TABLE identifications (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            region         TEXT NOT NULL,
            municipality   TEXT,
            year           INTEGER NOT NULL,
            method_id      TEXT NOT NULL,
            method_version TEXT NOT NULL,
            input_sha256   TEXT NOT NULL,
            computed_by    TEXT NOT NULL,
            computed_at    TEXT NOT NULL,
            confirmed_by   TEXT,
            confirmed_at   TEXT
        );
        -- Each school's outcome: categories (JSON array of the method's category ids), the
        -- form's status code they stand for (low_results, adverse_conditions, both or NULL)
        -- and the reasons (JSON array of Russian lines).
        CREATE TABLE identified_schools (
            identification INTEGER NOT NULL REFERENCES identifications (id),
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
        -- A region's call for documents in one year. Dates are YYYY-MM-DD; remind_days is how
        -- long before submit_by a school that has not submitted is reminded.
        CREATE TABLE campaigns (
            id          INTEGER PRIMARY KEY,
            region      TEXT NOT NULL REFERENCES organisations (id),
            year        INTEGER NOT NULL,
            title       TEXT NOT NULL,
            submit_by   TEXT NOT NULL,
            decide_by   TEXT NOT NULL,
            remind_days INTEGER NOT NULL,
            opened_by   TEXT NOT NULL REFERENCES users (id),
            opened_at   TEXT NOT NULL
        );
        -- Which forms each category of school owes in the campaign.
        CREATE TABLE campaign_obligations (
            campaign INTEGER NOT NULL REFERENCES campaigns (id),
            category TEXT NOT NULL,
            form     TEXT NOT NULL,
            PRIMARY KEY (campaign, category, form)
        );
        -- The schools in the campaign, each with its category and where that came from
        -- (listed, organisations, identification).
        CREATE TABLE campaign_schools (
            campaign INTEGER NOT NULL REFERENCES campaigns (id),
            school   TEXT NOT NULL REFERENCES organisations (id),
            category TEXT NOT NULL,
            source   TEXT NOT NULL,
            PRIMARY KEY (campaign, school)
        );
        -- Reminders the web app shows a school: one per campaign, school, form and kind
        -- (due-soon, late), recorded once.
        CREATE TABLE reminders (
            id         INTEGER PRIMARY KEY,
            campaign   INTEGER NOT NULL REFERENCES campaigns (id),
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
        -- One row per key (login:… or address:…) tried within the last window: when its
        -- window opened (milliseconds since the Unix epoch) and the failures counted in it,
        -- checks under way included (see failures.rs). Rows of passed windows are deleted as
        -- reservations come, found by the index.
        CREATE TABLE login_failures (
            key          TEXT PRIMARY KEY,
            window_start INTEGER NOT NULL,
            count        INTEGER NOT NULL
        );
        CREATE INDEX login_failures_by_window ON login_failures (window_start);
    ",
        repair: None,
    },
];

/// The schema version this code writes: the last migration's.
pub(crate) fn supported_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to [`supported_version`], applying only the missing migrations.
///
/// Refuses ([`StoreError::TooNew`]) a database that records a version newer than this code,
/// before changing anything.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )?;
    let supported = supported_version();
    let found = current_version(conn)?;
    if found > supported {
        return Err(StoreError::TooNew { found, supported });
    }
    for migration in MIGRATIONS {
        let failed = |source| StoreError::Migration {
            version: migration.version,
            description: migration.description,
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        // Re-read inside the write lock: another process may have migrated meanwhile. Each
        // version is looked up on its own, so a version numbered below one already applied
        // (branches that each took a number and were merged) is still applied.
        if applied(&tx, migration.version)? {
            continue;
        }
        tx.execute_batch(migration.sql).map_err(failed)?;
        if let Some(repair) = migration.repair {
            repair(&tx).map_err(failed)?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at)
             VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [migration.version],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(
            version = migration.version,
            description = migration.description,
            "database migrated"
        );
    }
    Ok(())
}

/// Whether `version` is recorded in `schema_migrations`.
fn applied(conn: &Connection, version: u32) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM schema_migrations WHERE version = ?1",
        [version],
        |row| row.get::<_, i64>(0),
    )? > 0)
}

/// The highest version recorded in `schema_migrations` (0 for a new database).
fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_increase_from_one() {
        // Versions are assigned to parallel branches ahead of their merge (6: identification,
        // 7: campaigns), so a branch may hold a gap; versions still only increase.
        assert_eq!(MIGRATIONS[0].version, 1);
        for pair in MIGRATIONS.windows(2) {
            assert!(
                pair[0].version < pair[1].version,
                "{} after {}",
                pair[1].description,
                pair[0].description
            );
        }
    }
}
