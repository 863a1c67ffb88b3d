//! Accounts on PostgreSQL: organisations, users, memberships, curator assignments and bearer
//! tokens; the same rows and answers as SQLite's `accounts.rs`, which hashes passwords and
//! tokens before calling these (no password or token reaches this module in clear).
//!
//! What SQLite's write lock serialised is serialised here by the database: adding an
//! organisation checks the whole tree under the organisations' advisory lock; the other
//! checks are foreign keys and unique keys, and a grant or assignment made twice at once
//! inserts one row (`ON CONFLICT DO NOTHING`) with one audit row.

use std::time::SystemTime;

use postgres::{GenericClient, Transaction};
use workflow::{CuratorAssignment, Directory, Membership, OrgId, Organisation, Role, UserId};

use super::{NOW_TEXT, Postgres, append, locks};
use crate::StoreError;
use crate::accounts::{admin_act, kind_from_str, kind_to_str, unix_seconds};

impl Postgres {
    /// See [`Store::add_organisation`](crate::Store::add_organisation).
    pub(crate) fn add_organisation(&self, org: &Organisation, by: &str) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, 0)",
                &[&locks::ORGANISATIONS],
            )?;
            Directory::new(load_organisations(&mut tx)?)
                .and_then(|mut directory| directory.insert(org.clone()))
                .map_err(StoreError::InvalidOrganisation)?;
            tx.execute(
                "INSERT INTO organisations (id, kind, parent, name) VALUES ($1, $2, $3, $4)",
                &[
                    &org.id.as_str(),
                    &kind_to_str(org.kind),
                    &org.parent.as_ref().map(OrgId::as_str),
                    &org.name,
                ],
            )?;
            append(
                &mut tx,
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
            Ok(())
        })
    }

    /// See [`Store::organisations`](crate::Store::organisations).
    pub(crate) fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        self.run(|client| load_organisations(&mut **client))
    }

    /// Inserts a user with the argon2id PHC string `hash` unless the login is taken, audited;
    /// returns the number of rows inserted (0 or 1).
    pub(crate) fn add_user(
        &self,
        login: &str,
        display_name: &str,
        hash: &str,
        by: &str,
    ) -> Result<u64, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO users (id, login, display_name, password_hash, created_at)
                     VALUES ($1, $1, $2, $3, {NOW_TEXT})
                     ON CONFLICT DO NOTHING"
                ),
                &[&login, &display_name, &hash],
            )?;
            if inserted > 0 {
                let details = serde_json::json!({ "display_name": display_name });
                append(&mut tx, &admin_act(by, "add-user", login, details))?;
            }
            tx.commit()?;
            Ok(inserted)
        })
    }

    /// See [`Store::grant`](crate::Store::grant).
    pub(crate) fn grant(
        &self,
        user: &UserId,
        org: &OrgId,
        role: Role,
        by: &str,
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if !user_exists(&mut tx, user)? {
                return Err(StoreError::UnknownUser { id: user.clone() });
            }
            let kind: Option<String> = tx
                .query_opt(
                    "SELECT kind FROM organisations WHERE id = $1",
                    &[&org.as_str()],
                )?
                .map(|row| row.get(0));
            let Some(kind) = kind else {
                return Err(StoreError::UnknownOrganisation { id: org.clone() });
            };
            let kind = kind_from_str(&kind).map_err(|e| StoreError::Corrupt {
                what: e.to_string(),
            })?;
            if !role.fits(kind) {
                return Err(StoreError::RoleDoesNotFit {
                    role,
                    org: org.clone(),
                    kind,
                });
            }
            let granted = tx.execute(
                "INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&user.as_str(), &org.as_str(), &role.as_str()],
            )?;
            if granted > 0 {
                let details = serde_json::json!({ "org": org, "role": role.as_str() });
                append(&mut tx, &admin_act(by, "grant", user.as_str(), details))?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::users`](crate::Store::users).
    pub(crate) fn users(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        self.run(|client| {
            Ok(client
                .query("SELECT id, display_name FROM users ORDER BY id", &[])?
                .iter()
                .map(|row| (UserId::new(row.get::<_, String>(0)), row.get(1)))
                .collect())
        })
    }

    /// See [`Store::memberships`](crate::Store::memberships).
    pub(crate) fn memberships(&self, user: &UserId) -> Result<Vec<Membership>, StoreError> {
        self.run(|client| {
            client
                .query(
                    "SELECT org_id, role FROM memberships WHERE user_id = $1
                     ORDER BY org_id, role",
                    &[&user.as_str()],
                )?
                .iter()
                .map(|row| {
                    let role: String = row.get(1);
                    Ok(Membership {
                        user: user.clone(),
                        org: OrgId::new(row.get::<_, String>(0)),
                        role: role.parse::<Role>().map_err(|e| StoreError::Corrupt {
                            what: e.to_string(),
                        })?,
                    })
                })
                .collect()
        })
    }

    /// See [`Store::assign_curator`](crate::Store::assign_curator).
    pub(crate) fn assign_curator(
        &self,
        curator: &UserId,
        school: &OrgId,
        by: &str,
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if !user_exists(&mut tx, curator)? {
                return Err(StoreError::UnknownUser {
                    id: curator.clone(),
                });
            }
            let school_exists = tx
                .query_opt(
                    "SELECT 1 FROM organisations WHERE id = $1",
                    &[&school.as_str()],
                )?
                .is_some();
            if !school_exists {
                return Err(StoreError::UnknownOrganisation { id: school.clone() });
            }
            let added = tx.execute(
                "INSERT INTO curator_assignments (curator, school) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&curator.as_str(), &school.as_str()],
            )?;
            if added > 0 {
                let details = serde_json::json!({ "school": school });
                append(
                    &mut tx,
                    &admin_act(by, "assign-curator", curator.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// The schools `user` is assigned to as a curator, by school.
    pub(crate) fn curated(&self, user: &UserId) -> Result<Vec<CuratorAssignment>, StoreError> {
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT school FROM curator_assignments WHERE curator = $1 ORDER BY school",
                    &[&user.as_str()],
                )?
                .iter()
                .map(|row| CuratorAssignment {
                    curator: user.clone(),
                    school: OrgId::new(row.get::<_, String>(0)),
                })
                .collect())
        })
    }

    /// See [`Store::display_name`](crate::Store::display_name).
    pub(crate) fn display_name(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt(
                    "SELECT display_name FROM users WHERE id = $1",
                    &[&user.as_str()],
                )?
                .map(|row| row.get(0)))
        })
    }

    /// The id and stored password hash of the user whose login is `login`.
    pub(crate) fn password_hash(
        &self,
        login: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt(
                    "SELECT id, password_hash FROM users WHERE login = $1",
                    &[&login],
                )?
                .map(|row| (row.get(0), row.get(1))))
        })
    }

    /// Stores a token of `user` by its SHA-256 `hash`, valid from `created` to `expires` (Unix
    /// seconds).
    pub(crate) fn insert_token(
        &self,
        hash: &str,
        user: &UserId,
        created: i64,
        expires: i64,
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if !user_exists(&mut tx, user)? {
                return Err(StoreError::UnknownUser { id: user.clone() });
            }
            tx.execute(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
                &[&hash, &user.as_str(), &created, &expires],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The user of the token whose SHA-256 is `hash`, if it is in force at `now` (Unix
    /// seconds) and its user is not deactivated.
    pub(crate) fn user_for_token(
        &self,
        hash: &str,
        now: i64,
    ) -> Result<Option<UserId>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt(
                    "SELECT user_id FROM tokens JOIN users ON users.id = tokens.user_id
                     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2
                       AND substr(users.password_hash, 1, 1) != '!'",
                    &[&hash, &now],
                )?
                .map(|row| UserId::new(row.get::<_, String>(0))))
        })
    }

    /// Revokes the token whose SHA-256 is `hash`; whether it was known and in force.
    pub(crate) fn revoke_token(&self, hash: &str) -> Result<bool, StoreError> {
        let now = unix_seconds(SystemTime::now());
        self.run(|client| {
            let changed = client.execute(
                "UPDATE tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                &[&hash, &now],
            )?;
            Ok(changed > 0)
        })
    }

    /// See `Store::close_sessions`: `kept` is the SHA-256 of the token to keep.
    pub(crate) fn close_sessions(
        &self,
        user: &UserId,
        new_hash: Option<&str>,
        kept: Option<String>,
        by: &str,
    ) -> Result<usize, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            // Locks the user's row for the transaction: a password set and a deactivation at
            // once apply one after the other.
            let exists = tx
                .query_opt(
                    "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                    &[&user.as_str()],
                )?
                .is_some();
            if !exists {
                return Err(StoreError::UnknownUser { id: user.clone() });
            }
            if let Some(hash) = new_hash {
                tx.execute(
                    "UPDATE users SET password_hash = CASE
                         WHEN substr(password_hash, 1, 1) = '!' THEN '!' || $2 ELSE $2 END
                     WHERE id = $1",
                    &[&user.as_str(), &hash],
                )?;
            }
            let now = unix_seconds(SystemTime::now());
            let kept = kept.unwrap_or_default();
            let revoked = tx.execute(
                "UPDATE tokens SET revoked_at = $2
                 WHERE user_id = $1 AND revoked_at IS NULL AND token_hash != $3",
                &[&user.as_str(), &now, &kept],
            )?;
            let action = if new_hash.is_some() {
                "set-password"
            } else {
                "revoke-tokens"
            };
            let details = serde_json::json!({ "tokens_revoked": revoked });
            append(&mut tx, &admin_act(by, action, user.as_str(), details))?;
            tx.commit()?;
            Ok(usize::try_from(revoked).unwrap_or(usize::MAX))
        })
    }
}

/// Whether a user with this id exists.
pub(super) fn user_exists(
    tx: &mut Transaction<'_>,
    user: &UserId,
) -> Result<bool, postgres::Error> {
    Ok(tx
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&user.as_str()])?
        .is_some())
}

/// Every organisation, ordered by id.
pub(super) fn load_organisations(
    client: &mut impl GenericClient,
) -> Result<Vec<Organisation>, StoreError> {
    client
        .query(
            "SELECT id, kind, parent, name FROM organisations ORDER BY id",
            &[],
        )?
        .iter()
        .map(|row| {
            let kind: String = row.get(1);
            Ok(Organisation {
                id: OrgId::new(row.get::<_, String>(0)),
                kind: kind_from_str(&kind).map_err(|e| StoreError::Corrupt {
                    what: e.to_string(),
                })?,
                parent: row.get::<_, Option<String>>(2).map(OrgId::new),
                name: row.get(3),
            })
        })
        .collect()
}
