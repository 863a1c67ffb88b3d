//! The server's records about documents: the registry (owner school and parties, fixed when a
//! document is registered), each document's lifecycle [`State`], the pinned content of every
//! submission and the directors' signatures bound to its hash.
//!
//! A document's id is the only text of its bytes: [`Store::register_document`] takes only the
//! canonical spelling ([`crate::document_id`]), and records that earlier code registered under
//! another spelling are quarantined (migration 4, [`quarantine_aliases`]) and never loaded.
//!
//! Every change of state goes through [`Store::transition`], which runs `workflow::apply` on the
//! stored state inside one immediate transaction together with the rows it implies and the audit
//! row: two requests at once are serialised, so two submits of the same version make one
//! submission and the second is told it is already submitted.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;
use workflow::{
    Context, DocumentId, DocumentRef, FormKind, Heads, OrgId, State, Status, Transition,
    TransitionError, UserId, apply,
};

use crate::accounts::conversion_error;
use crate::audit::{AuditEntry, append};
use crate::{Store, StoreError};

/// A registered document: what the permission table needs, its region and its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    /// Id, form, owner, parties and status (a copy of `state`'s).
    pub document: DocumentRef,
    /// The region whose requirement set judges it (the owner school's region id).
    pub region: String,
    /// Its lifecycle: status, round, submissions with signatures and reviews.
    pub state: State,
    /// Who registered it.
    pub created_by: UserId,
    /// When it was registered (UTC, RFC 3339).
    pub created_at: String,
    /// When its state last changed.
    pub updated_at: String,
}

/// What a submission pins besides its heads: the rules it was judged by and its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pinned {
    /// The form's id (`school-programme`).
    pub form_id: String,
    /// The form schema's version.
    pub form_version: String,
    /// The requirement set's id.
    pub requirements_id: String,
    /// The requirement set's version.
    pub requirements_version: String,
    /// SHA-256 of `content`.
    pub content_sha256: String,
    /// The document's data at the heads, as canonical JSON.
    pub content: String,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionRecord {
    /// The document.
    pub document: DocumentId,
    /// Its round.
    pub round: u32,
    /// The exact version submitted.
    pub heads: Heads,
    /// Form, requirement set and content.
    pub pinned: Pinned,
    /// Who submitted it.
    pub submitted_by: UserId,
    /// When.
    pub submitted_at: String,
    /// When the municipality approved or returned it.
    pub decided_at: Option<String>,
    /// When the region accepted it into the registry.
    pub collected_at: Option<String>,
}

/// A stored signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRecord {
    /// The document.
    pub document: DocumentId,
    /// The round of the submission signed.
    pub round: u32,
    /// The school signed for.
    pub party: OrgId,
    /// The director who signed.
    pub signed_by: UserId,
    /// The hash of the content signed: the submission's `content_sha256`.
    pub content_sha256: String,
    /// When.
    pub signed_at: String,
}

impl Store {
    /// Registers a new document: `document` (a draft) owned by its owner school, in `region`,
    /// registered by `by`. The caller has checked that `by` may do so.
    ///
    /// # Errors
    ///
    /// [`StoreError::BadDocumentId`] if the id is not spelled canonically (the caller should
    /// have parsed it with [`crate::document_id`]); [`StoreError::DuplicateDocument`] if the id
    /// is taken; [`StoreError::UnknownOrganisation`] for an owner or party that does not
    /// exist; [`StoreError::Sqlite`] if the database fails.
    pub fn register_document(
        &self,
        document: &DocumentRef,
        region: &str,
        by: &UserId,
    ) -> Result<DocumentRecord, StoreError> {
        // Checked here too, so that no caller can key a record by an alias of another's bytes.
        crate::document_id(document.id.as_str()).map_err(StoreError::BadDocumentId)?;
        let state = State::new(document.id.clone());
        let state_json = serde_json::to_string(&state).map_err(StoreError::Json)?;
        let parties = serde_json::to_string(&document.parties).map_err(StoreError::Json)?;
        if let Some(pg) = self.postgres() {
            return pg.register_document(document, region, by, &parties, &state_json);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if load_record(&tx, &document.id)?.is_some() {
                return Ok(Err(StoreError::DuplicateDocument {
                    id: document.id.clone(),
                }));
            }
            for org in document.all_parties() {
                let exists = tx
                    .prepare_cached("SELECT 1 FROM organisations WHERE id = ?1")?
                    .exists([org.as_str()])?;
                if !exists {
                    return Ok(Err(StoreError::UnknownOrganisation { id: org }));
                }
            }
            tx.execute(
                "INSERT INTO documents (id, form, region, owner_school, parties, created_by,
                     created_at, status, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?7, ?8,
                     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                params![
                    document.id.as_str(),
                    document.form.form_id(),
                    region,
                    document.owner_school.as_str(),
                    parties,
                    by.as_str(),
                    Status::Draft.as_str(),
                    state_json,
                ],
            )?;
            append(&tx, &registration_entry(document, region, by))?;
            let record = load_record(&tx, &document.id)?;
            tx.commit()?;
            Ok(record.ok_or_else(|| StoreError::UnknownDocument {
                id: document.id.clone(),
            }))
        })?
    }

    /// The record of document `id`, if registered.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails or the stored state is invalid.
    pub fn document(&self, id: &DocumentId) -> Result<Option<DocumentRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.document(id);
        }
        self.read(|conn| load_record(conn, id))
    }

    /// Every registered document, ordered by id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails or a stored state is invalid.
    pub fn documents(&self) -> Result<Vec<DocumentRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.documents();
        }
        self.read(|conn| {
            conn.prepare_cached(&format!("{SELECT_RECORD} ORDER BY id"))?
                .query_map([], record_from_row)?
                .collect()
        })
    }

    /// The documents a school owns, ordered by id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails or a stored state is invalid.
    pub fn documents_of(&self, owner_school: &OrgId) -> Result<Vec<DocumentRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.documents_of(owner_school);
        }
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "{SELECT_RECORD} AND owner_school = ?1 ORDER BY id"
            ))?
            .query_map([owner_school.as_str()], record_from_row)?
            .collect()
        })
    }

    /// Performs `transition` on document `id` for `actor`: loads its state, applies the
    /// lifecycle's rules, and stores the next state with what it implies (the pinned
    /// submission, a signature bound to the submission's hash, decision and collection times)
    /// and an audit row, all in one transaction. The caller has checked the permission table.
    ///
    /// A submit needs `pinned` (what the server validated at the submitted heads).
    ///
    /// # Errors
    ///
    /// The inner `Err` is the lifecycle's refusal (nothing stored). The outer:
    /// [`StoreError::UnknownDocument`]; [`StoreError::MissingPin`] for a submit without
    /// `pinned`; [`StoreError::Sqlite`] if the database fails.
    pub fn transition(
        &self,
        id: &DocumentId,
        transition: &Transition,
        actor: &UserId,
        pinned: Option<&Pinned>,
    ) -> Result<Result<DocumentRecord, TransitionError>, StoreError> {
        if matches!(transition, Transition::Submit { .. }) && pinned.is_none() {
            return Err(StoreError::MissingPin { id: id.clone() });
        }
        // A submission's content is the pinned one, whatever the caller said of it.
        let pinned_transition;
        let transition = match (transition, pinned) {
            (Transition::Submit { heads, .. }, Some(pinned)) => {
                pinned_transition = Transition::Submit {
                    heads: heads.clone(),
                    content_sha256: Some(pinned.content_sha256.clone()),
                };
                &pinned_transition
            }
            _ => transition,
        };
        if let Some(pg) = self.postgres() {
            return pg.transition(id, transition, actor, pinned);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(record) = load_record(&tx, id)? else {
                return Ok(Err(StoreError::UnknownDocument { id: id.clone() }));
            };
            let mut step = match Step::plan(&record, transition, actor, pinned) {
                Ok(step) => step,
                Err(refused) => return Ok(Ok(Err(refused))),
            };
            let round = step.round;
            match step.effect {
                Effect::Submission { heads, pinned } => {
                    insert_submission(&tx, id, round, heads, pinned, actor)?;
                }
                Effect::Signature { party } => {
                    let hash = content_hash(&tx, id, round)?;
                    tx.execute(
                        "INSERT INTO signatures (document, round, party, signed_by,
                             content_sha256, signed_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                        params![id.as_str(), round, party.as_str(), actor.as_str(), hash],
                    )?;
                    step.details["content_sha256"] = hash.into();
                }
                Effect::Stamp(column) => stamp(&tx, column, id, round)?,
                Effect::Nothing => {}
            }
            tx.execute(
                "UPDATE documents SET status = ?2, state = ?3,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 WHERE id = ?1",
                params![id.as_str(), step.next.status().as_str(), step.state_json()],
            )?;
            append(&tx, &step.audit_entry(id, actor, transition))?;
            let stored = load_record(&tx, id)?;
            tx.commit()?;
            Ok(stored
                .map(Ok)
                .ok_or_else(|| StoreError::UnknownDocument { id: id.clone() }))
        })?
    }

    /// Every submission of document `id`, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn submissions(&self, id: &DocumentId) -> Result<Vec<SubmissionRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.submissions(id);
        }
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "{SELECT_SUBMISSION} WHERE document = ?1 ORDER BY round"
            ))?
            .query_map([id.as_str()], submission_from_row)?
            .collect()
        })
    }

    /// Every submission of every document in use (not quarantined), by document and round:
    /// the regional registry's source, filtered by the caller.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn all_submissions(&self) -> Result<Vec<SubmissionRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.all_submissions(false);
        }
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "{SELECT_SUBMISSION}
                 WHERE document IN (SELECT id FROM documents WHERE quarantined_at IS NULL)
                 ORDER BY document, round"
            ))?
            .query_map([], submission_from_row)?
            .collect()
        })
    }

    /// As [`Store::all_submissions`], without reading the pinned contents (`pinned.content` is
    /// empty): for lists that need a content only when they have not seen its hash before
    /// ([`Store::submission_content`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn all_submissions_lean(&self) -> Result<Vec<SubmissionRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.all_submissions(true);
        }
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "{SELECT_SUBMISSION_LEAN}
                 WHERE document IN (SELECT id FROM documents WHERE quarantined_at IS NULL)
                 ORDER BY document, round"
            ))?
            .query_map([], submission_from_row)?
            .collect()
        })
    }

    /// The pinned content (canonical JSON) of document `id`'s submission in `round`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn submission_content(
        &self,
        id: &DocumentId,
        round: u32,
    ) -> Result<Option<String>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.submission_content(id, round);
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT content FROM submissions WHERE document = ?1 AND round = ?2",
            )?
            .query_row(params![id.as_str(), round], |row| row.get(0))
            .optional()
        })
    }

    /// The signatures on document `id`, by round and time.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn signatures(&self, id: &DocumentId) -> Result<Vec<SignatureRecord>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.signatures(id);
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT document, round, party, signed_by, content_sha256, signed_at
                 FROM signatures WHERE document = ?1 ORDER BY round, signed_at",
            )?
            .query_map([id.as_str()], |row| {
                Ok(SignatureRecord {
                    document: DocumentId::new(row.get::<_, String>(0)?),
                    round: row.get(1)?,
                    party: OrgId::new(row.get::<_, String>(2)?),
                    signed_by: UserId::new(row.get::<_, String>(3)?),
                    content_sha256: row.get(4)?,
                    signed_at: row.get(5)?,
                })
            })?
            .collect()
        })
    }
}

/// The audit row of `document`'s registration in `region` by `by`.
pub(crate) fn registration_entry(document: &DocumentRef, region: &str, by: &UserId) -> AuditEntry {
    AuditEntry {
        actor: by.as_str().to_owned(),
        action: "register".to_owned(),
        subject: document.id.as_str().to_owned(),
        heads: String::new(),
        details: serde_json::json!({
            "form": document.form.form_id(),
            "region": region,
            "owner_school": document.owner_school,
            "parties": document.parties,
        }),
    }
}

/// What a transition does to the records, decided by `workflow::apply` on the stored state
/// before anything is written; both engines carry it out the same way.
pub(crate) struct Step<'a> {
    /// The state after the transition.
    pub(crate) next: State,
    /// Its round.
    pub(crate) round: u32,
    /// The heads the audit row names.
    pub(crate) heads: String,
    /// The audit row's details (a signature adds the hash it binds to).
    pub(crate) details: serde_json::Value,
    /// The row the transition adds or stamps besides the document's.
    pub(crate) effect: Effect<'a>,
}

/// The row a transition writes besides the document's state.
pub(crate) enum Effect<'a> {
    /// A submit: the pinned submission of the round.
    Submission {
        /// The version submitted.
        heads: &'a Heads,
        /// What the server validated at those heads.
        pinned: &'a Pinned,
    },
    /// A director's signature, bound to the round's content hash.
    Signature {
        /// The school signed for.
        party: &'a OrgId,
    },
    /// A decision or collection: the round's submission gets this time column set.
    Stamp(&'static str),
    /// An edit starting a new round writes only the state.
    Nothing,
}

impl<'a> Step<'a> {
    /// Applies the lifecycle's rules to `record`'s state; `Err` is the lifecycle's refusal.
    /// A submit must come with `pinned` (checked by the caller).
    pub(crate) fn plan(
        record: &DocumentRecord,
        transition: &'a Transition,
        actor: &UserId,
        pinned: Option<&'a Pinned>,
    ) -> Result<Step<'a>, TransitionError> {
        let ctx = Context::new(&record.document, actor.clone());
        let next = apply(&record.state, transition, &ctx)?;
        let round = next.round();
        let mut details = serde_json::to_value(transition).unwrap_or_default();
        let mut heads = next
            .current()
            .map(|s| s.heads.to_string())
            .unwrap_or_default();
        let effect = match transition {
            Transition::Submit {
                heads: submitted, ..
            } => match pinned {
                Some(pinned) => {
                    details["content_sha256"] = pinned.content_sha256.clone().into();
                    details["requirements"] =
                        format!("{} {}", pinned.requirements_id, pinned.requirements_version)
                            .into();
                    Effect::Submission {
                        heads: submitted,
                        pinned,
                    }
                }
                None => Effect::Nothing,
            },
            Transition::Sign { party } => Effect::Signature { party },
            Transition::Approve | Transition::Return { .. } => Effect::Stamp("decided_at"),
            Transition::Collect => Effect::Stamp("collected_at"),
            Transition::Edit => {
                heads = String::new();
                details["previous_round"] = record.state.round().into();
                Effect::Nothing
            }
        };
        Ok(Step {
            next,
            round,
            heads,
            details,
            effect,
        })
    }

    /// The next state as stored (JSON).
    pub(crate) fn state_json(&self) -> String {
        serde_json::to_string(&self.next).unwrap_or_default()
    }

    /// The audit row of this transition of document `id` by `actor`.
    pub(crate) fn audit_entry(
        &self,
        id: &DocumentId,
        actor: &UserId,
        transition: &Transition,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.as_str().to_owned(),
            action: transition.name().to_owned(),
            subject: id.as_str().to_owned(),
            heads: self.heads.clone(),
            details: self.details.clone(),
        }
    }
}

/// A `documents` row's columns, parsed into a record (`Err` names what does not parse).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_from_columns(
    id: String,
    form: &str,
    region: String,
    owner_school: String,
    parties: &str,
    created_by: String,
    created_at: String,
    state: &str,
    updated_at: String,
) -> Result<DocumentRecord, String> {
    let form: FormKind = form.parse().map_err(|e| format!("form of {id}: {e}"))?;
    let parties: Vec<OrgId> =
        serde_json::from_str(parties).map_err(|e| format!("parties of {id}: {e}"))?;
    let state: State = serde_json::from_str(state).map_err(|e| format!("state of {id}: {e}"))?;
    Ok(DocumentRecord {
        document: DocumentRef {
            id: DocumentId::new(id),
            form,
            owner_school: OrgId::new(owner_school),
            parties,
            status: state.status(),
        },
        region,
        state,
        created_by: UserId::new(created_by),
        created_at,
        updated_at,
    })
}

/// The records in use: a quarantined record is never loaded, so it cannot be shown, changed
/// or taken for a duplicate. Callers add `AND …` and `ORDER BY …`.
pub(crate) const SELECT_RECORD: &str = "SELECT id, form, region, owner_school, parties, created_by,
    created_at, state, updated_at FROM documents WHERE quarantined_at IS NULL";

/// [`SELECT_SUBMISSION`] with an empty text in place of each content.
pub(crate) const SELECT_SUBMISSION_LEAN: &str =
    "SELECT document, round, heads, form_id, form_version,
    requirements_id, requirements_version, content_sha256, '', submitted_by, submitted_at,
    decided_at, collected_at FROM submissions";

pub(crate) const SELECT_SUBMISSION: &str = "SELECT document, round, heads, form_id, form_version,
    requirements_id, requirements_version, content_sha256, content, submitted_by, submitted_at,
    decided_at, collected_at FROM submissions";

fn load_record(conn: &Connection, id: &DocumentId) -> rusqlite::Result<Option<DocumentRecord>> {
    conn.prepare_cached(&format!("{SELECT_RECORD} AND id = ?1"))?
        .query_row([id.as_str()], record_from_row)
        .optional()
}

/// Quarantines every record in use whose id is not spelled canonically, each with an audit
/// row, on `conn` inside the migration's transaction (migration 4).
///
/// Such a record was registered by earlier code that accepted any spelling samod parses. It
/// never served its registrant over `/sync` (the share policy looks records up by the
/// canonical spelling samod prints), so the only thing it still did was lead REST calls to
/// the content of whatever document has the same bytes: possibly another school's. It is
/// therefore taken out of use rather than renamed (renaming could collide with, or take over,
/// the rightful canonical record); its rows stay for the audit trail. An owner who registered
/// their own document that way registers it again under the canonical id.
pub(crate) fn quarantine_aliases(conn: &Connection) -> rusqlite::Result<()> {
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT id, owner_school, created_by FROM documents WHERE quarantined_at IS NULL")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, owner_school, created_by) in rows {
        let Some(entry) = quarantine_entry(&id, &owner_school, &created_by) else {
            continue;
        };
        conn.execute(
            "UPDATE documents SET quarantined_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE id = ?1",
            [&id],
        )?;
        append(conn, &entry)?;
    }
    Ok(())
}

/// The audit row quarantining the record `id` (registered by `created_by` for
/// `owner_school`), or `None` when its id is canonical and it stays in use. Shared by both
/// engines' migration 4.
pub(crate) fn quarantine_entry(
    id: &str,
    owner_school: &str,
    created_by: &str,
) -> Option<AuditEntry> {
    let canonical = match crate::document_id(id) {
        Ok(_) => return None,
        Err(crate::DocumentIdError::NotCanonical { canonical, .. }) => Some(canonical),
        Err(crate::DocumentIdError::NotAnId { .. }) => None,
    };
    tracing::warn!(document = %id, canonical = ?canonical, %owner_school, "record under a non-canonical id quarantined");
    Some(AuditEntry {
        // Nobody asked for it: the program did it, as for what the server observes.
        actor: "system".to_owned(),
        action: "quarantine-document".to_owned(),
        subject: id.to_owned(),
        heads: String::new(),
        details: serde_json::json!({
            "reason": "the id is not spelled in base58check",
            "same_bytes_as": canonical,
            "owner_school": owner_school,
            "created_by": created_by,
        }),
    })
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<DocumentRecord> {
    let id = DocumentId::new(row.get::<_, String>(0)?);
    let form: String = row.get(1)?;
    let form: FormKind = form.parse().map_err(|e| conversion_error(1, e))?;
    let parties: String = row.get(4)?;
    let parties: Vec<OrgId> = serde_json::from_str(&parties).map_err(|e| conversion_error(4, e))?;
    let state: String = row.get(7)?;
    let state: State = serde_json::from_str(&state).map_err(|e| conversion_error(7, e))?;
    Ok(DocumentRecord {
        document: DocumentRef {
            id,
            form,
            owner_school: OrgId::new(row.get::<_, String>(3)?),
            parties,
            status: state.status(),
        },
        region: row.get(2)?,
        state,
        created_by: UserId::new(row.get::<_, String>(5)?),
        created_at: row.get(6)?,
        updated_at: row.get(8)?,
    })
}

fn submission_from_row(row: &Row<'_>) -> rusqlite::Result<SubmissionRecord> {
    let heads: String = row.get(2)?;
    Ok(SubmissionRecord {
        document: DocumentId::new(row.get::<_, String>(0)?),
        round: row.get(1)?,
        heads: Heads::new(heads.split(',').filter(|h| !h.is_empty())),
        pinned: Pinned {
            form_id: row.get(3)?,
            form_version: row.get(4)?,
            requirements_id: row.get(5)?,
            requirements_version: row.get(6)?,
            content_sha256: row.get(7)?,
            content: row.get(8)?,
        },
        submitted_by: UserId::new(row.get::<_, String>(9)?),
        submitted_at: row.get(10)?,
        decided_at: row.get(11)?,
        collected_at: row.get(12)?,
    })
}

fn insert_submission(
    conn: &Connection,
    id: &DocumentId,
    round: u32,
    heads: &Heads,
    pinned: &Pinned,
    actor: &UserId,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO submissions (document, round, heads, form_id, form_version, requirements_id,
             requirements_version, content_sha256, content, submitted_by, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        params![
            id.as_str(),
            round,
            heads.to_string(),
            pinned.form_id,
            pinned.form_version,
            pinned.requirements_id,
            pinned.requirements_version,
            pinned.content_sha256,
            pinned.content,
            actor.as_str(),
        ],
    )?;
    Ok(())
}

fn content_hash(conn: &Connection, id: &DocumentId, round: u32) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT content_sha256 FROM submissions WHERE document = ?1 AND round = ?2",
    )?
    .query_row(params![id.as_str(), round], |row| row.get(0))
}

/// Sets a time column (`decided_at`, `collected_at`) of a submission to now.
fn stamp(conn: &Connection, column: &str, id: &DocumentId, round: u32) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE submissions SET {column} = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             WHERE document = ?1 AND round = ?2"
        ),
        params![id.as_str(), round],
    )?;
    Ok(())
}
