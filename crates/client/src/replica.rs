//! One person's local copy of their documents.

use std::path::Path;
use std::sync::Arc;

use document::{Author, Edit, FieldChange, HistoryEntry, ImportSummary};
use forms::{Catalogue, Report};
use samod::{DocHandle, DocumentId, PeerId, Repo};
use serde_json::Value;
use store::{SqliteStorage, Store};

use crate::account::{Registration, Session};
use crate::error::ClientError;
use crate::narratives::NarrativeEdit;

/// The database file inside a replica's data directory.
pub const DATABASE_FILE: &str = "replica.sqlite3";

/// Settings key of the replica's author id (generated once per replica).
const AUTHOR_ID_SETTING: &str = "author_id";

/// A line of `ravenstvo list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSummary {
    /// The automerge-repo document id.
    pub id: String,
    /// Form id.
    pub form: String,
    /// Region id.
    pub region: String,
    /// The school's name, when the document has one.
    pub school: Option<String>,
    /// Number of changes in the document's history.
    pub changes: usize,
}

/// A local replica: its store, its samod repo and the form catalogue.
pub struct Replica {
    pub(crate) repo: Repo,
    store: Store,
    catalogue: Arc<Catalogue>,
    author: Author,
    /// The session the repo's peer id was built for (`None`: anonymous).
    pub(crate) opened_as: Option<Session>,
}

impl Replica {
    /// Opens (or creates) the replica under `data_dir`. `author_name` is who edits from here;
    /// the author id is generated on first open and kept in the replica.
    ///
    /// When someone is logged in (see [`Replica::login`]), the samod repo announces the peer
    /// id `u:<user>:<replica>` the server expects of that user's replicas; otherwise a random
    /// anonymous one.
    pub async fn open(
        data_dir: &Path,
        catalogue: Arc<Catalogue>,
        author_name: &str,
    ) -> Result<Self, ClientError> {
        let store = Store::open(data_dir.join(DATABASE_FILE))?;
        let author_id = match store.setting(AUTHOR_ID_SETTING)? {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                store.set_setting(AUTHOR_ID_SETTING, &id)?;
                id
            }
        };
        let opened_as = crate::account::session(&store)?;
        let mut builder = Repo::build_tokio().with_storage(SqliteStorage::new(store.clone()));
        if let Some(session) = &opened_as {
            let replica = crate::account::replica_id(&store)?;
            builder = builder.with_peer_id(PeerId::from(session.peer_id(&replica).as_str()));
        }
        let repo = builder.load().await;
        let author = Author {
            id: author_id,
            name: author_name.to_owned(),
        };
        Ok(Self {
            repo,
            store,
            catalogue,
            author,
            opened_as,
        })
    }

    /// Who edits from this replica.
    pub fn author(&self) -> &Author {
        &self.author
    }

    /// The replica's local store.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The form catalogue the replica checks edits against.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Creates a document of `form` for `region` from `data` (`{}` for an empty one), to be
    /// registered on the server by whoever is logged in when it is first synced.
    pub async fn create(
        &self,
        form: &str,
        region: &str,
        data: &Value,
    ) -> Result<String, ClientError> {
        self.create_for(form, region, data, &Registration::default())
            .await
    }

    /// Like [`Replica::create`], recording the owner school and the mentor school the
    /// document is registered with on its first sync. `data` made under an older form version
    /// is taken in the current shapes (`forms::migrate`).
    pub async fn create_for(
        &self,
        form: &str,
        region: &str,
        data: &Value,
        registration: &Registration,
    ) -> Result<String, ClientError> {
        self.create_in(form, region, None, data, registration).await
    }

    /// Like [`Replica::create_for`], for a school of `municipality` (one of the region's with
    /// requirements of its own): local validation then layers its set over the region's.
    pub async fn create_in(
        &self,
        form: &str,
        region: &str,
        municipality: Option<&str>,
        data: &Value,
        registration: &Registration,
    ) -> Result<String, ClientError> {
        self.catalogue.requirement_set(form, region)?;
        let data = forms::migrate::to_current(form, data.clone());
        let doc = document::create_in(
            &self.catalogue,
            form,
            region,
            municipality,
            &data,
            &self.author,
        )?;
        let handle = self.repo.create(doc).await?;
        let id = handle.document_id().to_string();
        crate::account::record_new(&self.store, &id, form, registration)?;
        Ok(id)
    }

    /// Every document the replica holds, with its form, region and school.
    pub async fn list(&self) -> Result<Vec<DocSummary>, ClientError> {
        let mut out = Vec::new();
        for id in self.store.document_ids()? {
            out.push(self.summary(&id).await?);
        }
        Ok(out)
    }

    /// A document's form, region, school and size.
    pub async fn summary(&self, id: &str) -> Result<DocSummary, ClientError> {
        let handle = self.handle(id).await?;
        handle.with_document(|doc| {
            let meta = document::meta(doc)?;
            let school =
                document::get(doc, "/school/name")?.and_then(|v| v.as_str().map(str::to_owned));
            Ok(DocSummary {
                id: handle.document_id().to_string(),
                form: meta.form,
                region: meta.region,
                school,
                changes: doc.get_changes(&[]).len(),
            })
        })
    }

    /// The document's data as JSON, now or at the given heads (`abc…,def…`), with its fields
    /// in the form's order and its narratives' plain text (narratives have their own history:
    /// at older heads they read as they are now, in the rows of that version).
    pub async fn show(&self, id: &str, at: Option<&str>) -> Result<Value, ClientError> {
        let handle = self.handle(id).await?;
        let heads = at.map(document::parse_heads).transpose()?;
        let (meta, mut data) = handle.with_document(|doc| -> Result<_, ClientError> {
            let data = match &heads {
                Some(heads) => document::to_json_at(doc, heads)?,
                None => document::to_json(doc)?,
            };
            Ok((document::meta(doc)?, data))
        })?;
        self.with_narratives(id, &mut data, heads.as_deref())
            .await?;
        self.catalogue.order_like_schema(&meta.form, &mut data)?;
        Ok(data)
    }

    /// The document's current heads, formatted for `--at`.
    pub async fn heads(&self, id: &str) -> Result<String, ClientError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| document::format_heads(&doc.get_heads())))
    }

    /// Applies edits as one change, all or nothing. A text splice or a string set on a
    /// narrative field edits the narrative (Yjs) instead, after the other edits.
    pub async fn edit(
        &self,
        id: &str,
        edits: &[Edit],
        message: Option<&str>,
    ) -> Result<(), ClientError> {
        let handle = self.handle(id).await?;
        let form = handle.with_document(|doc| document::meta(doc))?.form;
        let mut plain = Vec::new();
        let mut narrative = Vec::new();
        for edit in edits {
            let on_narrative =
                matches!(
                    edit,
                    Edit::Splice { .. }
                        | Edit::Set {
                            value: Value::String(_) | Value::Null,
                            ..
                        }
                ) && document::narrative::is_narrative(&self.catalogue, &form, edit.pointer())?;
            if on_narrative {
                narrative.push(edit);
            } else {
                plain.push(edit.clone());
            }
        }
        if !plain.is_empty() {
            handle.with_document(|doc| {
                document::apply(doc, &self.catalogue, &plain, &self.author, message)
            })?;
        }
        for edit in narrative {
            let change = match edit {
                Edit::Splice {
                    at, delete, insert, ..
                } => NarrativeEdit::Splice {
                    at: *at,
                    delete: *delete,
                    insert,
                },
                Edit::Set {
                    value: Value::String(text),
                    ..
                } => NarrativeEdit::Text(text),
                _ => NarrativeEdit::Text(""),
            };
            self.edit_narrative(id, edit.pointer(), change).await?;
        }
        Ok(())
    }

    /// Makes the document equal to `data` (taken in the current shapes if it was made under an
    /// older form version: `forms::migrate`) with the smallest set of edits (narrative strings
    /// into the narratives).
    pub async fn import(
        &self,
        id: &str,
        data: &Value,
        message: Option<&str>,
    ) -> Result<ImportSummary, ClientError> {
        let handle = self.handle(id).await?;
        let data = handle.with_document(|doc| -> Result<_, ClientError> {
            let form = document::meta(doc)?.form;
            Ok(forms::migrate::to_current(&form, data.clone()))
        })?;
        let summary = handle.with_document(|doc| {
            document::import(doc, &self.catalogue, &data, &self.author, message)
        })?;
        self.import_narratives(id, &data).await?;
        Ok(summary)
    }

    /// Who changed the document, when and why, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, ClientError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| document::history(doc)))
    }

    /// Field-level changes between two versions.
    pub async fn diff(
        &self,
        id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<FieldChange>, ClientError> {
        let handle = self.handle(id).await?;
        let (from, to) = (document::parse_heads(from)?, document::parse_heads(to)?);
        Ok(handle.with_document(|doc| document::diff(doc, &from, &to))?)
    }

    /// Validates the document's current state against its region's requirements and, for a
    /// document made for a municipality, that municipality's own (a document made in an older
    /// form version is read in the current one: `forms::migrate`).
    pub async fn validate(&self, id: &str) -> Result<Report, ClientError> {
        let handle = self.handle(id).await?;
        let (meta, mut data) = handle.with_document(|doc| -> Result<_, ClientError> {
            Ok((document::meta(doc)?, document::to_json(doc)?))
        })?;
        self.with_narratives(id, &mut data, None).await?;
        let current = forms::migrate::to_current(&meta.form, data);
        Ok(self.catalogue.validate_in(
            &meta.form,
            &meta.region,
            meta.municipality.as_deref(),
            &forms::without_empty(&current),
        )?)
    }

    /// Stops the repo, waiting for every storage write: call before exiting.
    pub async fn close(&self) {
        if let Err(e) = self.compact_narratives() {
            tracing::warn!(error = %e, "cannot compact narratives");
        }
        self.repo.stop().await;
    }

    /// The handle of a document held locally.
    pub(crate) async fn handle(&self, id: &str) -> Result<DocHandle, ClientError> {
        let doc_id = parse_id(id)?;
        // Only local documents: a replica without a connection answers from storage at once.
        match self.repo.find(doc_id).await? {
            Some(handle) => Ok(handle),
            None => Err(ClientError::NotFound { id: id.to_owned() }),
        }
    }
}

/// Parses a document id as printed by `ravenstvo new` (surrounding spaces and an `automerge:`
/// URL prefix are dropped). Any other spelling of the id's bytes (a UUID, hex) is refused, as
/// the server refuses it: one document, one id.
pub(crate) fn parse_id(id: &str) -> Result<DocumentId, ClientError> {
    let bare = id.trim().trim_start_matches("automerge:");
    store::repo_document_id(bare).map_err(ClientError::BadId)
}

/// The document id `id` as the server expects it (the base58check spelling `ravenstvo new`
/// prints; surrounding spaces and an `automerge:` prefix are dropped), for calls about
/// documents this replica may not hold.
///
/// # Errors
///
/// [`ClientError::BadId`] for anything else, including a UUID or hex spelling of an id.
pub fn document_id(id: &str) -> Result<String, ClientError> {
    Ok(parse_id(id)?.to_string())
}
