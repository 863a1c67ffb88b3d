//! Accounts on [`Store`]: organisations, users with argon2id password hashes, the roles they
//! hold, and opaque bearer tokens.
//!
//! What is kept, and why it is safe to copy the database: a password only as an argon2id PHC
//! string (random salt, the parameters used), a token only as its SHA-256. The rules of who may
//! do what live in `workflow`; this module stores its types and checks what `workflow` says a
//! write must satisfy (the organisation tree, [`Role::fits`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use workflow::{
    CuratorAssignment, Directory, Membership, Memberships, OrgId, OrgKind, Organisation, Role,
    UserId,
};

use crate::audit::{AuditEntry, append};
use crate::passwords::{hash_password, password_matches, spend_like_a_check};
use crate::{Store, StoreError};

/// The mark before a deactivated account's password hash (as `/etc/shadow` locks an
/// account): no password matches it, and removing it restores the old password.
pub(crate) const LOCK_MARK: &str = "!";

/// Random bytes in a bearer token (hex-encoded, so the token is twice as many characters).
const TOKEN_BYTES: usize = 32;

impl Store {
    /// Adds an organisation, after checking with [`Directory`] that it keeps the region →
    /// municipality → school tree (its parent exists and is of the right kind, its id is new).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidOrganisation`] naming what the tree forbids; [`StoreError::Sqlite`]
    /// if the database fails.
    pub fn add_organisation(&self, org: &Organisation, by: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.add_organisation(org, by);
        }
        self.write(|conn| {
            // Immediate: the check and the insert happen under one write lock, so two
            // administrators adding the same id at once cannot both pass the check.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let checked = Directory::new(load_organisations(&tx)?)
                .and_then(|mut directory| directory.insert(org.clone()));
            if let Err(error) = checked {
                return Ok(Err(StoreError::InvalidOrganisation(error)));
            }
            tx.execute(
                "INSERT INTO organisations (id, kind, parent, name) VALUES (?1, ?2, ?3, ?4)",
                params![
                    org.id.as_str(),
                    kind_to_str(org.kind),
                    org.parent.as_ref().map(OrgId::as_str),
                    org.name,
                ],
            )?;
            append(
                &tx,
                &admin_act(
                    by,
                    "add-organisation",
                    org.id.as_str(),
                    serde_json::json!({
                        "kind": kind_to_str(org.kind),
                        "parent": org.parent,
                        "name": org.name,
                    }),
                ),
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })?
    }

    /// Every organisation, ordered by id; enough to build a [`Directory`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails or a row holds an unknown kind.
    pub fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.organisations();
        }
        self.read(load_organisations)
    }

    /// Creates a user whose id is their login and returns that id. The password is hashed with
    /// argon2id and a fresh random salt, in one of the process's argon2 working areas; only the
    /// hash is stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::DuplicateLogin`] if the login is taken; [`StoreError::PasswordHash`] if
    /// hashing fails; [`StoreError::Sqlite`] if the database fails.
    pub fn add_user(
        &self,
        login: &str,
        display_name: &str,
        password: &str,
        by: &str,
    ) -> Result<UserId, StoreError> {
        // Hash before taking the writer: argon2 takes tens of milliseconds on purpose.
        let hash = hash_password(password).map_err(StoreError::PasswordHash)?;
        let inserted = if let Some(pg) = self.postgres() {
            usize::try_from(pg.add_user(login, display_name, &hash, by)?).unwrap_or(usize::MAX)
        } else {
            self.write(|conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO users (id, login, display_name, password_hash, created_at)
                     VALUES (?1, ?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![login, display_name, hash])?;
                if inserted > 0 {
                    // The audit row names the user, never the password or its hash.
                    let details = serde_json::json!({ "display_name": display_name });
                    append(&tx, &admin_act(by, "add-user", login, details))?;
                }
                tx.commit()?;
                Ok(inserted)
            })?
        };
        if inserted == 0 {
            return Err(StoreError::DuplicateLogin {
                login: login.to_owned(),
            });
        }
        Ok(UserId::new(login))
    }

    /// Gives `user` the `role` at `org`. Granting a role already held changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`], [`StoreError::UnknownOrganisation`], or
    /// [`StoreError::RoleDoesNotFit`] when the role cannot be held at an organisation of that
    /// kind (it would give no rights, so it is refused rather than stored);
    /// [`StoreError::Sqlite`] if the database fails.
    pub fn grant(
        &self,
        user: &UserId,
        org: &OrgId,
        role: Role,
        by: &str,
    ) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.grant(user, org, role, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, user)? {
                return Ok(Err(StoreError::UnknownUser { id: user.clone() }));
            }
            let kind: Option<String> = tx
                .query_row(
                    "SELECT kind FROM organisations WHERE id = ?1",
                    [org.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(kind) = kind else {
                return Ok(Err(StoreError::UnknownOrganisation { id: org.clone() }));
            };
            let kind = kind_from_str(&kind).map_err(|e| conversion_error(0, e))?;
            if !role.fits(kind) {
                return Ok(Err(StoreError::RoleDoesNotFit {
                    role,
                    org: org.clone(),
                    kind,
                }));
            }
            let granted = tx.execute(
                "INSERT OR IGNORE INTO memberships (user_id, org_id, role) VALUES (?1, ?2, ?3)",
                params![user.as_str(), org.as_str(), role.as_str()],
            )?;
            if granted > 0 {
                let details = serde_json::json!({ "org": org, "role": role.as_str() });
                append(&tx, &admin_act(by, "grant", user.as_str(), details))?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })?
    }

    /// Every account as (id, display name), by id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn users(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.users();
        }
        self.read(|conn| {
            conn.prepare_cached("SELECT id, display_name FROM users ORDER BY id")?
                .query_map([], |row| {
                    Ok((UserId::new(row.get::<_, String>(0)?), row.get(1)?))
                })?
                .collect()
        })
    }

    /// The roles `user` holds, ordered by organisation and role name; empty for a user with no
    /// roles or no account.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails or a row holds an unknown role.
    pub fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.memberships(user);
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT org_id, role FROM memberships WHERE user_id = ?1 ORDER BY org_id, role",
            )?
            .query_map([user.as_str()], |row| {
                let role: String = row.get(1)?;
                Ok(Membership {
                    user: user.clone(),
                    org: OrgId::new(row.get::<_, String>(0)?),
                    role: role.parse().map_err(|e| conversion_error(1, e))?,
                })
            })?
            .collect()
        })
    }

    /// Assigns curator `curator` to `school`; assigning again changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`], [`StoreError::UnknownOrganisation`];
    /// [`StoreError::Sqlite`] if the database fails.
    pub fn assign_curator(
        &self,
        curator: &UserId,
        school: &OrgId,
        by: &str,
    ) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.assign_curator(curator, school, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, curator)? {
                return Ok(Err(StoreError::UnknownUser {
                    id: curator.clone(),
                }));
            }
            let school_exists = tx
                .prepare_cached("SELECT 1 FROM organisations WHERE id = ?1")?
                .exists([school.as_str()])?;
            if !school_exists {
                return Ok(Err(StoreError::UnknownOrganisation { id: school.clone() }));
            }
            let added = tx.execute(
                "INSERT OR IGNORE INTO curator_assignments (curator, school) VALUES (?1, ?2)",
                params![curator.as_str(), school.as_str()],
            )?;
            if added > 0 {
                let details = serde_json::json!({ "school": school });
                append(
                    &tx,
                    &admin_act(by, "assign-curator", curator.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })?
    }

    /// Everything the permission table needs about `user`: their roles and curator
    /// assignments.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if a query fails or a row holds an unknown role.
    pub fn people_of(&self, user: &UserId) -> Result<Memberships, StoreError> {
        let roles = self.memberships(user)?;
        if let Some(pg) = self.postgres() {
            return Ok(Memberships {
                roles,
                curated: pg.curated(user)?,
            });
        }
        let curated = self.read(|conn| {
            conn.prepare_cached(
                "SELECT school FROM curator_assignments WHERE curator = ?1 ORDER BY school",
            )?
            .query_map([user.as_str()], |row| {
                Ok(CuratorAssignment {
                    curator: user.clone(),
                    school: OrgId::new(row.get::<_, String>(0)?),
                })
            })?
            .collect()
        })?;
        Ok(Memberships { roles, curated })
    }

    /// The display name of `user`, if they exist.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn display_name(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.display_name(user);
        }
        self.read(|conn| {
            conn.prepare_cached("SELECT display_name FROM users WHERE id = ?1")?
                .query_row([user.as_str()], |row| row.get(0))
                .optional()
        })
    }

    /// The user whose login is `login`, if `password` is theirs.
    ///
    /// The hash is recomputed with the parameters recorded in the stored one, in one of the
    /// process's [`PASSWORD_CHECKS_AT_ONCE`](crate::PASSWORD_CHECKS_AT_ONCE) argon2 working
    /// areas (waiting for one if all are in use), and compared in constant time. An unknown
    /// login still verifies against a dummy hash, so it takes as long as a wrong password.
    ///
    /// # Errors
    ///
    /// [`StoreError::PasswordHash`] if the stored hash is not a valid PHC string;
    /// [`StoreError::Sqlite`] if the query fails. A wrong password is `Ok(None)`, not an error.
    pub fn verify_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let found: Option<(String, String)> = match self.postgres() {
            Some(pg) => pg.password_hash(login)?,
            None => self.read(|conn| {
                conn.prepare_cached("SELECT id, password_hash FROM users WHERE login = ?1")?
                    .query_row([login], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })?,
        };
        match found {
            // A deactivated account: its hash is kept behind the lock mark, and the attempt
            // takes as long as any other.
            Some((_, hash)) if hash.starts_with(LOCK_MARK) => {
                spend_like_a_check(password).map_err(StoreError::PasswordHash)?;
                Ok(None)
            }
            Some((id, hash)) => Ok(password_matches(&hash, password)
                .map_err(StoreError::PasswordHash)?
                .then(|| UserId::new(id))),
            None => {
                spend_like_a_check(password).map_err(StoreError::PasswordHash)?;
                Ok(None)
            }
        }
    }

    /// Issues a bearer token for `user`, valid for `ttl` from now, and returns it: 32 random
    /// bytes from the operating system, hex-encoded. Only its SHA-256 is stored, so the token
    /// cannot be recovered from the database; the caller must hand it over now.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::TokenLifetime`] if `ttl` overflows the
    /// clock; [`StoreError::Sqlite`] if the database fails.
    pub fn issue_token(&self, user: &UserId, ttl: Duration) -> Result<String, StoreError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let token = hex(&bytes);
        let created = unix_seconds(SystemTime::now());
        let expires = i64::try_from(ttl.as_secs())
            .ok()
            .and_then(|secs| created.checked_add(secs))
            .ok_or(StoreError::TokenLifetime { ttl })?;
        if let Some(pg) = self.postgres() {
            pg.insert_token(&token_hash(&token), user, created, expires)?;
            return Ok(token);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, user)? {
                return Ok(Err(StoreError::UnknownUser { id: user.clone() }));
            }
            tx.execute(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![token_hash(&token), user.as_str(), created, expires],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })??;
        Ok(token)
    }

    /// The user `token` was issued to, if it is known, not revoked and not expired at `now`
    /// (a token is valid up to, not including, its expiry second).
    ///
    /// The lookup is by the token's SHA-256, so the database's index comparison leaks nothing
    /// useful about the token itself.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails. An unknown, expired or revoked token is
    /// `Ok(None)`.
    pub fn user_for_token(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<Option<UserId>, StoreError> {
        let hash = token_hash(token);
        if let Some(pg) = self.postgres() {
            return pg.user_for_token(&hash, unix_seconds(now));
        }
        let user: Option<String> = self.read(|conn| {
            conn.prepare_cached(
                "SELECT user_id FROM tokens JOIN users ON users.id = tokens.user_id
                 WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2
                   AND substr(users.password_hash, 1, 1) != '!'",
            )?
            .query_row(params![hash, unix_seconds(now)], |row| row.get(0))
            .optional()
        })?;
        Ok(user.map(UserId::new))
    }

    /// Revokes `token` (logout) and says whether it was a known token not yet revoked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the write fails.
    pub fn revoke_token(&self, token: &str) -> Result<bool, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.revoke_token(&token_hash(token));
        }
        let hash = token_hash(token);
        let now = unix_seconds(SystemTime::now());
        let changed = self.write(|conn| {
            conn.prepare_cached(
                "UPDATE tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![hash, now])
        })?;
        Ok(changed > 0)
    }

    /// Sets `user`'s password (a user changing their own, `by` = the user; or an administrator
    /// resetting it) and revokes every token of theirs but `keep` (the session that made the
    /// change, if any), in one transaction with its audit row. Returns how many tokens were
    /// revoked. The caller judges the password first (`workflow::password_problem`).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::PasswordHash`] if hashing fails;
    /// [`StoreError::Sqlite`] if the database fails.
    pub fn set_password(
        &self,
        user: &UserId,
        password: &str,
        keep: Option<&str>,
        by: &str,
    ) -> Result<usize, StoreError> {
        // Hash before taking the writer: argon2 takes tens of milliseconds on purpose.
        let hash = hash_password(password).map_err(StoreError::PasswordHash)?;
        self.close_sessions(user, Some(&hash), keep, by)
    }

    /// Revokes every token of `user` but `keep` ("sign me out everywhere else", or an
    /// administrator closing a lost laptop's session), audited. Returns how many were revoked.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::Sqlite`] if the database fails.
    pub fn revoke_tokens(
        &self,
        user: &UserId,
        keep: Option<&str>,
        by: &str,
    ) -> Result<usize, StoreError> {
        self.close_sessions(user, None, keep, by)
    }

    /// Revokes `user`'s tokens but `keep`, first replacing their password hash if one is
    /// given, and appends the audit row (`set-password` or `revoke-tokens`), all in one
    /// transaction.
    fn close_sessions(
        &self,
        user: &UserId,
        new_hash: Option<&str>,
        keep: Option<&str>,
        by: &str,
    ) -> Result<usize, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.close_sessions(user, new_hash, keep.map(token_hash), by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, user)? {
                return Ok(Err(StoreError::UnknownUser { id: user.clone() }));
            }
            if let Some(hash) = new_hash {
                // A deactivated account stays deactivated: the new hash goes behind its lock.
                tx.execute(
                    "UPDATE users SET password_hash = CASE
                         WHEN substr(password_hash, 1, 1) = '!' THEN '!' || ?2 ELSE ?2 END
                     WHERE id = ?1",
                    params![user.as_str(), hash],
                )?;
            }
            let now = unix_seconds(SystemTime::now());
            let kept = keep.map(token_hash).unwrap_or_default();
            let revoked = tx
                .prepare_cached(
                    "UPDATE tokens SET revoked_at = ?2
                     WHERE user_id = ?1 AND revoked_at IS NULL AND token_hash != ?3",
                )?
                .execute(params![user.as_str(), now, kept])?;
            let action = if new_hash.is_some() {
                "set-password"
            } else {
                "revoke-tokens"
            };
            let details = serde_json::json!({ "tokens_revoked": revoked });
            append(&tx, &admin_act(by, action, user.as_str(), details))?;
            tx.commit()?;
            Ok(Ok(revoked))
        })?
    }
}

/// The audit entry of an administrative act by `by` on `subject`.
pub(crate) fn admin_act(
    by: &str,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        actor: by.to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        heads: String::new(),
        details,
    }
}

/// The stored form of a token: the hex SHA-256 of its text.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Seconds since the Unix epoch (0 for earlier times, saturating far in the future).
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether a user with this id exists.
pub(crate) fn user_exists(conn: &Connection, user: &UserId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .exists([user.as_str()])
}

/// Every organisation row, ordered by id.
pub(crate) fn load_organisations(conn: &Connection) -> rusqlite::Result<Vec<Organisation>> {
    conn.prepare_cached("SELECT id, kind, parent, name FROM organisations ORDER BY id")?
        .query_map([], |row| {
            let kind: String = row.get(1)?;
            Ok(Organisation {
                id: OrgId::new(row.get::<_, String>(0)?),
                kind: kind_from_str(&kind).map_err(|e| conversion_error(1, e))?,
                parent: row.get::<_, Option<String>>(2)?.map(OrgId::new),
                name: row.get(3)?,
            })
        })?
        .collect()
}

/// How the `kind` column spells an organisation's kind.
pub(crate) fn kind_to_str(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Region => "region",
        OrgKind::Municipality => "municipality",
        OrgKind::School { mentor: false } => "school",
        OrgKind::School { mentor: true } => "mentor-school",
    }
}

/// The kind a `kind` column value spells.
pub(crate) fn kind_from_str(kind: &str) -> Result<OrgKind, UnknownKind> {
    match kind {
        "region" => Ok(OrgKind::Region),
        "municipality" => Ok(OrgKind::Municipality),
        "school" => Ok(OrgKind::School { mentor: false }),
        "mentor-school" => Ok(OrgKind::School { mentor: true }),
        other => Err(UnknownKind(other.to_owned())),
    }
}

/// A `kind` column value that spells no organisation kind (a database written by other code).
#[derive(Debug, thiserror::Error)]
#[error("unknown organisation kind {0:?}")]
pub(crate) struct UnknownKind(String);

/// A column value that does not convert to our type, as rusqlite reports it.
pub(crate) fn conversion_error(
    column: usize,
    error: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_column_spelling() {
        for kind in [
            OrgKind::Region,
            OrgKind::Municipality,
            OrgKind::School { mentor: false },
            OrgKind::School { mentor: true },
        ] {
            assert_eq!(kind_from_str(kind_to_str(kind)).unwrap(), kind);
        }
        assert!(kind_from_str("ministry").is_err());
    }

    #[test]
    fn token_hash_is_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
