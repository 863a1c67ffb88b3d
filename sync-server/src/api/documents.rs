//! Documents: registering a new one (which fixes its owner school and parties), listing what
//! the caller may see, one document's lifecycle, and the changes between versions.

use api_types::{
    ChangeView, DiffView, DocumentDetail, DocumentSummary, ErrorBody, RegisterRequest,
};
use std::net::SocketAddr;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use workflow::{Action, Directory, DocumentRef, FormKind, OrgId, OrgKind, Role};

use crate::access::{Changed, directory};
use crate::api::auth::Caller;
use crate::api::error::{ApiError, JsonBody, QueryParams};
use crate::api::views;
use crate::api::{authorize, blocking, current_heads, handle, observe_edits, visible};
use crate::state::AppState;

/// Every document the caller may read, by id.
#[utoipa::path(get, path = "/api/documents", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = Vec<DocumentSummary>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DocumentSummary>>, ApiError> {
    let store = state.store.clone();
    let (dir, records) = blocking(move || Ok((directory(&store)?, store.documents()?))).await?;
    let mut out = Vec::new();
    for record in records {
        if authorize(&dir, &caller, &record, Action::Read).is_err() {
            continue;
        }
        // Only documents edits arrived for and not yet compared (the watcher is on it) need
        // loading here; the rest are as recorded.
        let record = if state.arrivals.is_marked(record.document.id.as_str()) {
            observe_edits(&state, record).await?
        } else {
            record
        };
        if authorize(&dir, &caller, &record, Action::Read).is_ok() {
            out.push(views::summary(&dir, &caller, &record));
        }
    }
    Ok(Json(out))
}

/// Registers a document created by a school's replica: fixes its owner school, parties and
/// region on the server, so that the school's team and its mentor school can sync it.
///
/// Document ids are chosen by clients and global, so whether an id is taken cannot be hidden
/// from whoever tries to register it: a refusal tells, and so would a success followed by a
/// 404 on sync. What the answers guarantee instead:
///
/// - an id not spelled canonically (a UUID or hex spelling of some document's bytes) is
///   refused with 422 before anything is looked up, so no alias can become a second record
///   leading to another document's content;
/// - the caller's school registering the same document again (same form, owner and parties)
///   gets 200 with the summary: offline clients retry after a lost response, and a retry must
///   not look like a failure;
/// - an id taken by a document the caller may read, registered otherwise, gets 409
///   `already-registered` (they can see that document anyway);
/// - an id taken by a document the caller cannot read gets one generic 409 `id-unavailable`,
///   the same body whatever the document (no owner, form, state or even the id), is appended
///   to the audit log as a security event with the caller's address, and counts towards a
///   per-user limit ([`RefusalLimiter`](crate::api::refusals::RefusalLimiter)). Past the
///   limit every registration of that user is refused with 429 until the window ends, before
///   anything is looked up, so the limit itself reveals nothing.
#[utoipa::path(post, path = "/api/documents", tag = "documents", security(("bearer" = [])),
    request_body = RegisterRequest,
    responses(
        (status = 201, body = DocumentSummary),
        (status = 200, description = "Уже зарегистрирован так же (повтор)", body = DocumentSummary),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "Слишком много отказов", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(crate::net::ClientAddr(peer)): ConnectInfo<crate::net::ClientAddr>,
    caller: Caller,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<DocumentSummary>), ApiError> {
    let now = Instant::now();
    if let Some(wait) = state.refusals.wait(&caller.user, now) {
        let seconds = wait.as_secs().max(1);
        tracing::info!(user = %caller.user, seconds, "registration refused: too many refused ids");
        return Err(ApiError::too_many(
            "too-many-refusals",
            format!(
                "слишком много отказов в регистрации документов с чужими идентификаторами; \
                 повторите через {seconds} с"
            ),
            seconds,
        ));
    }
    let unprocessable = |error: &str, message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, message)
    };
    let id = store::document_id(&request.id).map_err(|e| {
        tracing::debug!(user = %caller.user, error = %e, "registration with a bad id");
        unprocessable("bad-id", e.message_ru())
    })?;
    let form: FormKind = request
        .form
        .parse()
        .map_err(|e: workflow::ParseError| unprocessable("unknown-form", e.message_ru()))?;
    let store = state.store.clone();
    let dir = blocking(move || directory(&store)).await?;
    // The schools where the caller edits or directs a supported school's documents.
    let own_schools: Vec<&OrgId> = caller
        .people
        .roles
        .iter()
        .filter(|m| matches!(m.role, Role::SchoolEditor | Role::SchoolDirector))
        .map(|m| &m.org)
        .collect();
    let owner = match (&request.owner_school, own_schools.as_slice()) {
        (Some(owner), _) => OrgId::new(owner.as_str()),
        (None, [only]) => (*only).clone(),
        (None, _) => {
            return Err(unprocessable(
                "owner-required",
                "укажите школу-владельца (owner_school): вы работаете не в одной школе".into(),
            ));
        }
    };
    if !own_schools.contains(&&owner) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "зарегистрировать документ школы {owner} может только её редактор или директор"
            ),
        ));
    }
    let mentor = request.mentor.as_deref().map(OrgId::new);
    if form.has_mentor() {
        let Some(mentor) = &mentor else {
            return Err(unprocessable(
                "mentor-required",
                format!(
                    "для документа «{}» укажите школу-наставника (mentor)",
                    form.label_ru()
                ),
            ));
        };
        match dir.get(mentor).map(|org| org.kind) {
            Some(OrgKind::School { mentor: true }) => {}
            Some(_) => {
                return Err(unprocessable(
                    "not-a-mentor-school",
                    format!("{mentor} не является школой-наставником"),
                ));
            }
            None => {
                return Err(unprocessable(
                    "unknown-organisation",
                    format!("организация {mentor} не найдена"),
                ));
            }
        }
    }
    let region = dir
        .region_of(&owner)
        .map(|r| r.id.as_str().to_owned())
        .ok_or_else(|| {
            unprocessable("no-region", format!("школа {owner} не относится к региону"))
        })?;
    state
        .catalogue
        .requirement_set(form.form_id(), &region)
        .map_err(|e| unprocessable("no-requirements", e.message_ru()))?;
    let document = DocumentRef::new(id, form, owner, mentor);
    let store = state.store.clone();
    let user = caller.user.clone();
    let asked = document.clone();
    let registered =
        tokio::task::spawn_blocking(move || store.register_document(&asked, &region, &user))
            .await
            .map_err(ApiError::internal)?;
    let record = match registered {
        Ok(record) => record,
        Err(store::StoreError::DuplicateDocument { .. }) => {
            return registered_before(&state, &dir, &caller, &document, peer, now).await;
        }
        Err(other) => return Err(other.into()),
    };
    state.announce(Changed::Document(record.document.id.clone()));
    Ok((
        StatusCode::CREATED,
        Json(views::summary(&dir, &caller, &record)),
    ))
}

/// The answer to registering `asked` when its id is taken (see [`register`]): the summary
/// again for the same registration by someone who may read it, 409 `already-registered` for
/// another registration by them, and the generic, audited, counted 409 `id-unavailable` for
/// anyone else.
async fn registered_before(
    state: &AppState,
    dir: &Directory,
    caller: &Caller,
    asked: &DocumentRef,
    peer: SocketAddr,
    now: Instant,
) -> Result<(StatusCode, Json<DocumentSummary>), ApiError> {
    let store = state.store.clone();
    let id = asked.id.clone();
    let existing = blocking(move || store.document(&id))
        .await?
        .ok_or_else(|| ApiError::internal(format!("{} is taken but has no record", asked.id)))?;
    if authorize(dir, caller, &existing, Action::Read).is_ok() {
        let mut parties = existing.document.all_parties();
        let mut asked_parties = asked.all_parties();
        parties.sort();
        asked_parties.sort();
        let same = existing.document.form == asked.form
            && existing.document.owner_school == asked.owner_school
            && parties == asked_parties;
        if same {
            tracing::debug!(document = %asked.id, user = %caller.user, "registered again");
            return Ok((StatusCode::OK, Json(views::summary(dir, caller, &existing))));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already-registered",
            format!(
                "документ {} уже зарегистрирован с другой формой или другими сторонами; \
                 его состояние: ravenstvo status {}",
                asked.id, asked.id
            ),
        ));
    }
    state.refusals.refuse(&caller.user, now);
    let store = state.store.clone();
    let event = store::AuditEntry {
        actor: caller.user.as_str().to_owned(),
        action: "register-refused".to_owned(),
        subject: asked.id.as_str().to_owned(),
        heads: String::new(),
        details: serde_json::json!({ "address": peer.ip().to_string() }),
    };
    blocking(move || store.audit(&event)).await?;
    tracing::warn!(document = %asked.id, user = %caller.user, address = %peer.ip(), "registration of someone else's id refused");
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "id-unavailable",
        "этот идентификатор документа уже занят; создайте новый документ (ravenstvo new) и \
         зарегистрируйте его",
    ))
}

/// One document with its lifecycle: submissions, signatures, decisions, comments.
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("id" = String, Path, description = "Идентификатор документа")),
    responses((status = 200, body = DocumentDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DocumentDetail>, ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    let store = state.store.clone();
    let doc = record.document.id.clone();
    let (submissions, signatures) =
        blocking(move || Ok((store.submissions(&doc)?, store.signatures(&doc)?))).await?;
    let form = state.catalogue.form(record.document.form.form_id()).ok();
    let field_name = |pointer: &str| form.map(|f| state.catalogue.field_name(f, pointer));
    let heads = current_heads(&state, &record.document.id)
        .await
        .unwrap_or_default();
    Ok(Json(views::detail(
        &dir,
        &caller,
        &record,
        heads,
        &submissions,
        &signatures,
        &field_name,
    )))
}

/// Which versions to compare (query parameters, not path segments).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version's heads, comma-separated; by default the last version the caller
    /// reviewed (or the empty document). Given empty, the empty document.
    #[param(pattern = "^([0-9a-f]{64}(,[0-9a-f]{64})*)?$")]
    pub from: Option<String>,
    /// The newer version's heads; by default the version under review, or the current one.
    /// Given empty, the empty document.
    #[param(pattern = "^([0-9a-f]{64}(,[0-9a-f]{64})*)?$")]
    pub to: Option<String>,
}

/// What changed between two versions; for a reviewer by default the changes since the last
/// round they reviewed.
#[utoipa::path(get, path = "/api/documents/{id}/diff", tag = "documents",
    security(("bearer" = [])), params(("id" = String, Path), DiffQuery),
    responses((status = 200, body = DiffView), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<DiffQuery>,
) -> Result<Json<DiffView>, ApiError> {
    let (_, record) = visible(&state, &caller, &id).await?;
    let current = record.state.current();
    let reviewed_before = record
        .state
        .submissions()
        .iter()
        .rev()
        .filter(|s| Some(s.id.round) != current.map(|c| c.id.round))
        .find(|s| s.review.as_ref().is_some_and(|r| r.by == caller.user));
    let parse = |text: &str| {
        document::parse_heads(text).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-heads",
                e.message_ru(),
            )
        })
    };
    let from = match &query.from {
        Some(text) => parse(text)?,
        None => match reviewed_before {
            Some(s) => parse(&s.heads.to_string())?,
            None => Vec::new(),
        },
    };
    let handle = handle(&state, &record.document.id).await?;
    let to = match (&query.to, current) {
        (Some(text), _) => parse(text)?,
        (None, Some(s)) if record.document.status == workflow::Status::Submitted => {
            parse(&s.heads.to_string())?
        }
        _ => handle.with_document(|doc| doc.get_heads()),
    };
    let changes = handle
        .with_document(|doc| document::diff(doc, &from, &to))
        .map_err(|e| match e {
            document::DocError::TooDeep { .. } => ApiError::too_deep(&e),
            e => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-heads",
                e.message_ru(),
            ),
        })?;
    let changes = with_narratives(&state, &record, &from, &to, changes).await?;
    let form = state.catalogue.form(record.document.form.form_id()).ok();
    Ok(Json(DiffView {
        from_round: if query.from.is_none() {
            reviewed_before.map(|s| s.id.round)
        } else {
            None
        },
        from: from.iter().map(ToString::to_string).collect(),
        to: to.iter().map(ToString::to_string).collect(),
        changes: changes
            .into_iter()
            .map(|c| ChangeView {
                field: form.map_or_else(
                    || c.pointer.clone(),
                    |f| state.catalogue.field_name(f, &c.pointer),
                ),
                pointer: c.pointer,
                kind: format!("{:?}", c.kind).to_lowercase(),
                old: c.old,
                new: c.new,
            })
            .collect(),
    }))
}

/// `changes` (from Automerge) with the narratives' text changes: a side is read as a
/// submission pinned it when its heads are a submission's (the empty heads are the empty
/// document), or as the server holds the narratives now when they are the current heads.
/// Between other versions the narratives' history is not kept, and `changes` is returned as
/// it is.
async fn with_narratives(
    state: &AppState,
    record: &store::DocumentRecord,
    from: &[automerge::ChangeHash],
    to: &[automerge::ChangeHash],
    changes: Vec<document::FieldChange>,
) -> Result<Vec<document::FieldChange>, ApiError> {
    let sorted = |heads: &[automerge::ChangeHash]| {
        let mut heads: Vec<String> = heads.iter().map(ToString::to_string).collect();
        heads.sort_unstable();
        heads
    };
    let store = state.store.clone();
    let id = record.document.id.clone();
    let submissions = blocking(move || store.submissions(&id)).await?;
    let pinned = |heads: &[automerge::ChangeHash]| -> Option<Value> {
        let want = sorted(heads);
        submissions.iter().find_map(|s| {
            let mut have = s.heads.hashes().to_vec();
            have.sort_unstable();
            (have == want)
                .then(|| serde_json::from_str(&s.pinned.content).ok())
                .flatten()
        })
    };
    let old = if from.is_empty() {
        Some(Value::Object(serde_json::Map::new()))
    } else {
        pinned(from)
    };
    let Some(old) = old else {
        return Ok(changes);
    };
    let handle = handle(state, &record.document.id).await?;
    let new = match pinned(to) {
        Some(new) => new,
        None => {
            let current = handle.with_document(|doc| sorted(&doc.get_heads()));
            if current != sorted(to) {
                return Ok(changes);
            }
            let narratives = state
                .yjs
                .snapshot(&state.store, record.document.id.as_str())
                .await
                .map_err(ApiError::internal)?;
            handle
                .with_document(|doc| {
                    let mut data = document::to_json(doc)?;
                    narratives.overlay(doc, &mut data)?;
                    Ok::<_, document::DocError>(data)
                })
                .map_err(|e| ApiError::internal(e.to_string()))?
        }
    };
    let form = record.document.form.form_id();
    let narrative = |pointer: &str| {
        document::narrative::is_narrative(&state.catalogue, form, pointer).unwrap_or(false)
    };
    let texts = document::narrative::narrative_changes(&state.catalogue, form, &old, &new)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut changes: Vec<document::FieldChange> = changes
        .into_iter()
        .filter(|change| !narrative(&change.pointer))
        .collect();
    changes.extend(texts);
    Ok(changes)
}
