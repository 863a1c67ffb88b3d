//! Editing accounts and organisations after they exist, on [`Store`]: renaming an
//! organisation, moving a school to another municipality of its region, withdrawing a role,
//! deactivating and reactivating a user, ending a curator's assignment, and listing every
//! assignment and deactivated account.
//!
//! Each act is checked (the tree through `workflow::Directory::check_move`), written and
//! appended to the audit log in one immediate transaction. A deactivated account keeps its
//! roles and its password hash behind [`LOCK_MARK`], so that no password matches it, its
//! tokens are refused, and reactivating restores the account as it was.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use workflow::{CuratorAssignment, Directory, OrgId, Role, UserId};

use crate::accounts::{LOCK_MARK, admin_act, load_organisations, unix_seconds, user_exists};
use crate::audit::append;
use crate::{Store, StoreError};

impl Store {
    /// Renames an organisation (its id, and so everything recorded against it, stays).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownOrganisation`]; [`StoreError::Sqlite`] if the database fails.
    pub fn rename_organisation(&self, org: &OrgId, name: &str, by: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.rename_organisation(org, name, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let old: Option<String> = tx
                .query_row(
                    "SELECT name FROM organisations WHERE id = ?1",
                    [org.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(old) = old else {
                return Ok(Err(StoreError::UnknownOrganisation { id: org.clone() }));
            };
            if old != name {
                tx.execute(
                    "UPDATE organisations SET name = ?2 WHERE id = ?1",
                    params![org.as_str(), name],
                )?;
                let details = serde_json::json!({ "from": old, "to": name });
                append(
                    &tx,
                    &admin_act(by, "rename-organisation", org.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })?
    }

    /// Moves `school` to municipality `to` of the same region. Its documents stay its own;
    /// from now on `to`'s reviewers review them.
    ///
    /// # Errors
    ///
    /// [`StoreError::CannotMove`] naming what the tree forbids; [`StoreError::Sqlite`] if the
    /// database fails.
    pub fn move_school(&self, school: &OrgId, to: &OrgId, by: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.move_school(school, to, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let directory = match Directory::new(load_organisations(&tx)?) {
                Ok(directory) => directory,
                Err(broken) => return Ok(Err(StoreError::InvalidOrganisation(broken))),
            };
            if let Err(refused) = directory.check_move(school, to) {
                return Ok(Err(StoreError::CannotMove(refused)));
            }
            let from = directory
                .get(school)
                .and_then(|s| s.parent.clone())
                .unwrap_or_else(|| OrgId::new(""));
            if &from != to {
                tx.execute(
                    "UPDATE organisations SET parent = ?2 WHERE id = ?1",
                    params![school.as_str(), to.as_str()],
                )?;
                let details = serde_json::json!({ "from": from, "to": to });
                append(&tx, &admin_act(by, "move-school", school.as_str(), details))?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })?
    }

    /// Withdraws `role` at `org` from `user`; says whether they held it.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::Sqlite`] if the database fails.
    pub fn revoke(
        &self,
        user: &UserId,
        org: &OrgId,
        role: Role,
        by: &str,
    ) -> Result<bool, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.revoke(user, org, role, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, user)? {
                return Ok(Err(StoreError::UnknownUser { id: user.clone() }));
            }
            let removed = tx.execute(
                "DELETE FROM memberships WHERE user_id = ?1 AND org_id = ?2 AND role = ?3",
                params![user.as_str(), org.as_str(), role.as_str()],
            )?;
            if removed > 0 {
                let details = serde_json::json!({ "org": org, "role": role.as_str() });
                append(&tx, &admin_act(by, "revoke", user.as_str(), details))?;
            }
            tx.commit()?;
            Ok(Ok(removed > 0))
        })?
    }

    /// Ends `curator`'s assignment to `school`; says whether there was one.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::Sqlite`] if the database fails.
    pub fn unassign_curator(
        &self,
        curator: &UserId,
        school: &OrgId,
        by: &str,
    ) -> Result<bool, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.unassign_curator(curator, school, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !user_exists(&tx, curator)? {
                return Ok(Err(StoreError::UnknownUser {
                    id: curator.clone(),
                }));
            }
            let removed = tx.execute(
                "DELETE FROM curator_assignments WHERE curator = ?1 AND school = ?2",
                params![curator.as_str(), school.as_str()],
            )?;
            if removed > 0 {
                let details = serde_json::json!({ "school": school });
                append(
                    &tx,
                    &admin_act(by, "unassign-curator", curator.as_str(), details),
                )?;
            }
            tx.commit()?;
            Ok(Ok(removed > 0))
        })?
    }

    /// Every curator assignment, by curator and school.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn curator_assignments(&self) -> Result<Vec<CuratorAssignment>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.curator_assignments();
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT curator, school FROM curator_assignments ORDER BY curator, school",
            )?
            .query_map([], |row| {
                Ok(CuratorAssignment {
                    curator: UserId::new(row.get::<_, String>(0)?),
                    school: OrgId::new(row.get::<_, String>(1)?),
                })
            })?
            .collect()
        })
    }

    /// Deactivates `user` (`active` false: no login, every session closed at once) or
    /// reactivates them (`active` true: their password and roles work again). Returns how
    /// many sessions were closed; doing what is already so changes nothing and is not audited.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownUser`]; [`StoreError::Sqlite`] if the database fails.
    pub fn set_active(&self, user: &UserId, active: bool, by: &str) -> Result<usize, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.set_active(user, active, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let hash: Option<String> = tx
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1",
                    [user.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(hash) = hash else {
                return Ok(Err(StoreError::UnknownUser { id: user.clone() }));
            };
            let locked = hash.starts_with(LOCK_MARK);
            if locked != active {
                tx.commit()?;
                return Ok(Ok(0));
            }
            let new_hash = if active {
                hash[LOCK_MARK.len()..].to_owned()
            } else {
                format!("{LOCK_MARK}{hash}")
            };
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![user.as_str(), new_hash],
            )?;
            let revoked =
                if active {
                    0
                } else {
                    tx.prepare_cached(
                    "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                )?
                .execute(params![user.as_str(), unix_seconds(std::time::SystemTime::now())])?
                };
            let (action, details) = if active {
                ("activate-user", serde_json::json!({}))
            } else {
                (
                    "deactivate-user",
                    serde_json::json!({ "tokens_revoked": revoked }),
                )
            };
            append(&tx, &admin_act(by, action, user.as_str(), details))?;
            tx.commit()?;
            Ok(Ok(revoked))
        })?
    }

    /// The users who are deactivated, by id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn deactivated_users(&self) -> Result<Vec<UserId>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.deactivated_users();
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT id FROM users WHERE substr(password_hash, 1, 1) = '!' ORDER BY id",
            )?
            .query_map([], |row| Ok(UserId::new(row.get::<_, String>(0)?)))?
            .collect()
        })
    }
}
