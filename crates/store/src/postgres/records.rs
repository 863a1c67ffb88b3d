//! Document records on PostgreSQL: registration, lifecycle transitions with their pinned
//! submissions and signatures; the same rows and answers as SQLite's `records.rs`, whose
//! [`Step`] decides what a transition writes.
//!
//! SQLite serialises transitions by its single writer; here a transition locks the document's
//! row (`SELECT … FOR UPDATE`) before reading its state, so two submits of one document from
//! two processes run one after the other and the second is refused as already submitted.
//! Registering an id twice at once inserts one row (`ON CONFLICT DO NOTHING`); the other is
//! told the id is taken.

use postgres::GenericClient;
use workflow::{DocumentId, DocumentRef, OrgId, Status, Transition, TransitionError, UserId};

use super::{NOW_TEXT, Postgres, append};
use crate::StoreError;
use crate::records::{
    DocumentRecord, Effect, Pinned, SELECT_RECORD, SELECT_SUBMISSION, SELECT_SUBMISSION_LEAN,
    SignatureRecord, Step, SubmissionRecord, record_from_columns, registration_entry,
};

impl Postgres {
    /// See [`Store::register_document`](crate::Store::register_document); `parties` and
    /// `state` are the JSON to store.
    pub(crate) fn register_document(
        &self,
        document: &DocumentRef,
        region: &str,
        by: &UserId,
        parties: &str,
        state: &str,
    ) -> Result<DocumentRecord, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            if load_record(&mut tx, &document.id, false)?.is_some() {
                return Err(StoreError::DuplicateDocument {
                    id: document.id.clone(),
                });
            }
            for org in document.all_parties() {
                let exists = tx
                    .query_opt(
                        "SELECT 1 FROM organisations WHERE id = $1",
                        &[&org.as_str()],
                    )?
                    .is_some();
                if !exists {
                    return Err(StoreError::UnknownOrganisation { id: org });
                }
            }
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO documents (id, form, region, owner_school, parties, created_by,
                         created_at, status, state, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, {NOW_TEXT}, $7, $8, {NOW_TEXT})
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &document.id.as_str(),
                    &document.form.form_id(),
                    &region,
                    &document.owner_school.as_str(),
                    &parties,
                    &by.as_str(),
                    &Status::Draft.as_str(),
                    &state,
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::DuplicateDocument {
                    id: document.id.clone(),
                });
            }
            append(&mut tx, &registration_entry(document, region, by))?;
            let record = load_record(&mut tx, &document.id, false)?;
            tx.commit()?;
            record.ok_or_else(|| StoreError::UnknownDocument {
                id: document.id.clone(),
            })
        })
    }

    /// See [`Store::document`](crate::Store::document).
    pub(crate) fn document(&self, id: &DocumentId) -> Result<Option<DocumentRecord>, StoreError> {
        self.run(|client| load_record(&mut **client, id, false))
    }

    /// See [`Store::documents`](crate::Store::documents).
    pub(crate) fn documents(&self) -> Result<Vec<DocumentRecord>, StoreError> {
        self.run(|client| {
            client
                .query(&format!("{SELECT_RECORD} ORDER BY id"), &[])?
                .iter()
                .map(record_from_row)
                .collect()
        })
    }

    /// See [`Store::documents_of`](crate::Store::documents_of).
    pub(crate) fn documents_of(
        &self,
        owner_school: &OrgId,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        self.run(|client| {
            client
                .query(
                    &format!("{SELECT_RECORD} AND owner_school = $1 ORDER BY id"),
                    &[&owner_school.as_str()],
                )?
                .iter()
                .map(record_from_row)
                .collect()
        })
    }

    /// See [`Store::transition`](crate::Store::transition).
    pub(crate) fn transition(
        &self,
        id: &DocumentId,
        transition: &Transition,
        actor: &UserId,
        pinned: Option<&Pinned>,
    ) -> Result<Result<DocumentRecord, TransitionError>, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let Some(record) = load_record(&mut tx, id, true)? else {
                return Err(StoreError::UnknownDocument { id: id.clone() });
            };
            let mut step = match Step::plan(&record, transition, actor, pinned) {
                Ok(step) => step,
                Err(refused) => return Ok(Err(refused)),
            };
            let round = i64::from(step.round);
            match step.effect {
                Effect::Submission { heads, pinned } => {
                    tx.execute(
                        &format!(
                            "INSERT INTO submissions (document, round, heads, form_id,
                                 form_version, requirements_id, requirements_version,
                                 content_sha256, content, submitted_by, submitted_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {NOW_TEXT})"
                        ),
                        &[
                            &id.as_str(),
                            &round,
                            &heads.to_string(),
                            &pinned.form_id,
                            &pinned.form_version,
                            &pinned.requirements_id,
                            &pinned.requirements_version,
                            &pinned.content_sha256,
                            &pinned.content,
                            &actor.as_str(),
                        ],
                    )?;
                }
                Effect::Signature { party } => {
                    let hash: String = tx
                        .query_one(
                            "SELECT content_sha256 FROM submissions
                             WHERE document = $1 AND round = $2",
                            &[&id.as_str(), &round],
                        )?
                        .get(0);
                    tx.execute(
                        &format!(
                            "INSERT INTO signatures (document, round, party, signed_by,
                                 content_sha256, signed_at)
                             VALUES ($1, $2, $3, $4, $5, {NOW_TEXT})"
                        ),
                        &[
                            &id.as_str(),
                            &round,
                            &party.as_str(),
                            &actor.as_str(),
                            &hash,
                        ],
                    )?;
                    step.details["content_sha256"] = hash.into();
                }
                Effect::Stamp(column) => {
                    tx.execute(
                        &format!(
                            "UPDATE submissions SET {column} = {NOW_TEXT}
                             WHERE document = $1 AND round = $2"
                        ),
                        &[&id.as_str(), &round],
                    )?;
                }
                Effect::Nothing => {}
            }
            tx.execute(
                &format!(
                    "UPDATE documents SET status = $2, state = $3, updated_at = {NOW_TEXT}
                     WHERE id = $1"
                ),
                &[
                    &id.as_str(),
                    &step.next.status().as_str(),
                    &step.state_json(),
                ],
            )?;
            append(&mut tx, &step.audit_entry(id, actor, transition))?;
            let stored = load_record(&mut tx, id, false)?;
            tx.commit()?;
            stored
                .map(Ok)
                .ok_or_else(|| StoreError::UnknownDocument { id: id.clone() })
        })
    }

    /// See [`Store::submissions`](crate::Store::submissions).
    pub(crate) fn submissions(&self, id: &DocumentId) -> Result<Vec<SubmissionRecord>, StoreError> {
        self.run(|client| {
            client
                .query(
                    &format!("{SELECT_SUBMISSION} WHERE document = $1 ORDER BY round"),
                    &[&id.as_str()],
                )?
                .iter()
                .map(submission_from_row)
                .collect()
        })
    }

    /// See [`Store::all_submissions`](crate::Store::all_submissions), and
    /// [`Store::all_submissions_lean`](crate::Store::all_submissions_lean) when `lean`.
    pub(crate) fn all_submissions(&self, lean: bool) -> Result<Vec<SubmissionRecord>, StoreError> {
        let select = if lean {
            SELECT_SUBMISSION_LEAN
        } else {
            SELECT_SUBMISSION
        };
        self.run(|client| {
            client
                .query(
                    &format!(
                        "{select}
                         WHERE document IN (SELECT id FROM documents WHERE quarantined_at IS NULL)
                         ORDER BY document, round"
                    ),
                    &[],
                )?
                .iter()
                .map(submission_from_row)
                .collect()
        })
    }

    /// See [`Store::submission_content`](crate::Store::submission_content).
    pub(crate) fn submission_content(
        &self,
        id: &DocumentId,
        round: u32,
    ) -> Result<Option<String>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt(
                    "SELECT content FROM submissions WHERE document = $1 AND round = $2",
                    &[&id.as_str(), &i64::from(round)],
                )?
                .map(|row| row.get(0)))
        })
    }

    /// See [`Store::signatures`](crate::Store::signatures).
    pub(crate) fn signatures(&self, id: &DocumentId) -> Result<Vec<SignatureRecord>, StoreError> {
        self.run(|client| {
            client
                .query(
                    "SELECT document, round, party, signed_by, content_sha256, signed_at
                     FROM signatures WHERE document = $1 ORDER BY round, signed_at",
                    &[&id.as_str()],
                )?
                .iter()
                .map(|row| {
                    Ok(SignatureRecord {
                        document: DocumentId::new(row.get::<_, String>(0)),
                        round: round(row.get(1))?,
                        party: OrgId::new(row.get::<_, String>(2)),
                        signed_by: UserId::new(row.get::<_, String>(3)),
                        content_sha256: row.get(4),
                        signed_at: row.get(5),
                    })
                })
                .collect()
        })
    }
}

/// The record of document `id` in use, locking its row until the end of the transaction
/// when `for_update`.
fn load_record(
    client: &mut impl GenericClient,
    id: &DocumentId,
    for_update: bool,
) -> Result<Option<DocumentRecord>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    client
        .query_opt(
            &format!("{SELECT_RECORD} AND id = $1{lock}"),
            &[&id.as_str()],
        )?
        .as_ref()
        .map(record_from_row)
        .transpose()
}

/// A record from a row of [`SELECT_RECORD`].
fn record_from_row(row: &postgres::Row) -> Result<DocumentRecord, StoreError> {
    record_from_columns(
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
        row.get(6),
        row.get(7),
        row.get(8),
    )
    .map_err(|what| StoreError::Corrupt { what })
}

/// A submission from a row of [`SELECT_SUBMISSION`] (or its lean twin).
fn submission_from_row(row: &postgres::Row) -> Result<SubmissionRecord, StoreError> {
    let heads: String = row.get(2);
    Ok(SubmissionRecord {
        document: DocumentId::new(row.get::<_, String>(0)),
        round: round(row.get(1))?,
        heads: workflow::Heads::new(heads.split(',').filter(|h| !h.is_empty())),
        pinned: Pinned {
            form_id: row.get(3),
            form_version: row.get(4),
            requirements_id: row.get(5),
            requirements_version: row.get(6),
            content_sha256: row.get(7),
            content: row.get(8),
        },
        submitted_by: UserId::new(row.get::<_, String>(9)),
        submitted_at: row.get(10),
        decided_at: row.get(11),
        collected_at: row.get(12),
    })
}

/// A stored round number (BIGINT) as the `u32` the lifecycle counts in.
fn round(stored: i64) -> Result<u32, StoreError> {
    u32::try_from(stored).map_err(|_| StoreError::Corrupt {
        what: format!("round number {stored}"),
    })
}
