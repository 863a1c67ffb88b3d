//! Later edits of accounts and organisations on PostgreSQL; the same acts, rows and audit
//! rows as SQLite's `administration.rs`. A move is checked against the whole tree under the
//! organisations' advisory lock (as adding one is); a rename or a change of a user's state
//! locks the row it reads first.

use std::time::SystemTime;

use workflow::{CuratorAssignment, Directory, OrgId, Role, UserId};

use super::accounts::{load_organisations, user_exists};
use super::{Postgres, append, locks};
use crate::StoreError;
use crate::accounts::{LOCK_MARK, admin_act, unix_seconds};

impl Postgres {
    /// See [`Store::rename_organisation`](crate::Store::rename_organisation).
    pub(crate) fn rename_organisation(
        &self,
        org: &OrgId,
        name: &str,
        by: &str,
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let old: Option<String> = tx
                .query_opt(
                    "SELECT name FROM organisations WHERE id = $1 FOR UPDATE",
                    &[&org.as_str()],
                )?
                .map(|row| row.get(0));
            let Some(old) = old else {
                return Err(StoreError::UnknownOrganisation { id: org.clone() });
            };
            if old != name {
                tx.execute(
                    "UPDATE organisations SET name = $2 WHERE id = $1",
                    &[&org.as_str(), &name],
                )?;
                let details = serde_json::json!({ "from": old, "to": name });
                append(
                    &mut tx,
                    &admin_act(by, "rename-organisation", org.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::move_school`](crate::Store::move_school).
    pub(crate) fn move_school(
        &self,
        school: &OrgId,
        to: &OrgId,
        by: &str,
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, 0)",
                &[&locks::ORGANISATIONS],
            )?;
            let directory = Directory::new(load_organisations(&mut tx)?)
                .map_err(StoreError::InvalidOrganisation)?;
            directory
                .check_move(school, to)
                .map_err(StoreError::CannotMove)?;
            let from = directory
                .get(school)
                .and_then(|s| s.parent.clone())
                .unwrap_or_else(|| OrgId::new(""));
            if &from != to {
                tx.execute(
                    "UPDATE organisations SET parent = $2 WHERE id = $1",
                    &[&school.as_str(), &to.as_str()],
                )?;
                let details = serde_json::json!({ "from": from, "to": to });
                append(
                    &mut tx,
                    &admin_act(by, "move-school", school.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::revoke`](crate::Store::revoke).
    pub(crate) fn revoke(
        &self,
        user: &UserId,
        org: &OrgId,
        role: Role,
        by: &str,
    ) -> Result<bool, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if !user_exists(&mut tx, user)? {
                return Err(StoreError::UnknownUser { id: user.clone() });
            }
            let removed = tx.execute(
                "DELETE FROM memberships WHERE user_id = $1 AND org_id = $2 AND role = $3",
                &[&user.as_str(), &org.as_str(), &role.as_str()],
            )?;
            if removed > 0 {
                let details = serde_json::json!({ "org": org, "role": role.as_str() });
                append(&mut tx, &admin_act(by, "revoke", user.as_str(), details))?;
            }
            tx.commit()?;
            Ok(removed > 0)
        })
    }

    /// See [`Store::unassign_curator`](crate::Store::unassign_curator).
    pub(crate) fn unassign_curator(
        &self,
        curator: &UserId,
        school: &OrgId,
        by: &str,
    ) -> Result<bool, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if !user_exists(&mut tx, curator)? {
                return Err(StoreError::UnknownUser {
                    id: curator.clone(),
                });
            }
            let removed = tx.execute(
                "DELETE FROM curator_assignments WHERE curator = $1 AND school = $2",
                &[&curator.as_str(), &school.as_str()],
            )?;
            if removed > 0 {
                let details = serde_json::json!({ "school": school });
                append(
                    &mut tx,
                    &admin_act(by, "unassign-curator", curator.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(removed > 0)
        })
    }

    /// See [`Store::curator_assignments`](crate::Store::curator_assignments).
    pub(crate) fn curator_assignments(&self) -> Result<Vec<CuratorAssignment>, StoreError> {
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT curator, school FROM curator_assignments ORDER BY curator, school",
                    &[],
                )?
                .iter()
                .map(|row| CuratorAssignment {
                    curator: UserId::new(row.get::<_, String>(0)),
                    school: OrgId::new(row.get::<_, String>(1)),
                })
                .collect())
        })
    }

    /// See [`Store::set_active`](crate::Store::set_active).
    pub(crate) fn set_active(
        &self,
        user: &UserId,
        active: bool,
        by: &str,
    ) -> Result<usize, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let hash: Option<String> = tx
                .query_opt(
                    "SELECT password_hash FROM users WHERE id = $1 FOR UPDATE",
                    &[&user.as_str()],
                )?
                .map(|row| row.get(0));
            let Some(hash) = hash else {
                return Err(StoreError::UnknownUser { id: user.clone() });
            };
            let locked = hash.starts_with(LOCK_MARK);
            if locked != active {
                tx.commit()?;
                return Ok(0);
            }
            let new_hash = if active {
                hash[LOCK_MARK.len()..].to_owned()
            } else {
                format!("{LOCK_MARK}{hash}")
            };
            tx.execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                &[&user.as_str(), &new_hash],
            )?;
            let revoked = if active {
                0
            } else {
                tx.execute(
                    "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                    &[&user.as_str(), &unix_seconds(SystemTime::now())],
                )?
            };
            let revoked = usize::try_from(revoked).unwrap_or(usize::MAX);
            let (action, details) = if active {
                ("activate-user", serde_json::json!({}))
            } else {
                (
                    "deactivate-user",
                    serde_json::json!({ "tokens_revoked": revoked }),
                )
            };
            append(&mut tx, &admin_act(by, action, user.as_str(), details))?;
            tx.commit()?;
            Ok(revoked)
        })
    }

    /// See [`Store::deactivated_users`](crate::Store::deactivated_users).
    pub(crate) fn deactivated_users(&self) -> Result<Vec<UserId>, StoreError> {
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT id FROM users WHERE substr(password_hash, 1, 1) = '!' ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|row| UserId::new(row.get::<_, String>(0)))
                .collect())
        })
    }
}
