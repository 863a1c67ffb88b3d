//! The lifecycle over HTTP: submit an exact version (validated first), sign it, approve or
//! return it, accept it into the registry. Each handler checks the permission table, then
//! asks `workflow` through [`Store::transition`](store::Store::transition), which refuses
//! illegal transitions with a reason and serialises concurrent requests.

use api_types::{DocumentSummary, ErrorBody, ReviewRequest, SubmitRequest, Verdict};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use store::{DocumentRecord, Pinned};
use workflow::{
    Action, Comment, Directory, Heads, Passage, Transition, TransitionError, signing_party,
};

use crate::access::Changed;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, JsonBody};
use crate::api::views::summary;
use crate::api::{authorize, blocking, handle, visible};
use crate::state::AppState;

/// A stored submission, with the server's validation report.
pub type SubmitResponse = api_types::SubmitResponse<forms::Report>;

/// Submits the version at `heads`: validates it against the region's requirement set in
/// force today (and the municipality's) and, if valid, stores the submission; if invalid answers 422 with the report and
/// stores nothing.
#[utoipa::path(post, path = "/api/documents/{id}/submissions", tag = "lifecycle",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = SubmitRequest,
    responses(
        (status = 201, body = SubmitResponse),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Уже подан или на рассмотрении", body = ErrorBody),
        (status = 422, description = "Документ не соответствует требованиям", body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<SubmitRequest>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    authorize(&dir, &caller, &record, Action::Submit)?;
    if request.heads.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-heads",
            "укажите версию (heads): пустую версию подать нельзя",
        ));
    }
    let heads = document::parse_heads(&request.heads.join(",")).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-heads",
            e.message_ru(),
        )
    })?;
    let handle = handle(&state, &record.document.id).await?;
    // Narratives are pinned as the server holds them when it accepts the submission (the
    // client syncs them before submitting); from then on they are frozen for the parties.
    // The room stays held until the submission is stored, so no update slips in between.
    let pinned_room = state
        .yjs
        .pin(&state.store, record.document.id.as_str())
        .await
        .map_err(ApiError::internal)?;
    let narratives = pinned_room.narratives().map_err(ApiError::internal)?;
    let content = handle
        .with_document(|doc| {
            let mut content = document::to_json_at(doc, &heads)?;
            narratives.overlay_at(doc, &heads, &mut content)?;
            Ok::<_, document::DocError>(content)
        })
        .map_err(|e| match e {
            document::DocError::TooDeep { .. } => ApiError::too_deep(&e),
            e => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-version",
                format!(
                    "сервер не знает этой версии документа — синхронизируйте его и повторите: {}",
                    e.message_ru()
                ),
            ),
        })?;
    let context = SubmissionContext::of(&state, &dir, &record).await?;
    let store = state.store.clone();
    let today = blocking(move || store.today()).await?;
    let (report, pinned) = judge(&state.catalogue, &record, &context, &content, &today)?;
    let Some(pinned) = pinned else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-document",
            format!(
                "документ не соответствует требованиям ({}): ошибок — {}; ничего не сохранено",
                report.requirements_id,
                report.errors.len()
            ),
        )
        .with_details(serde_json::to_value(&report).unwrap_or_default()));
    };
    let heads = Heads::new(heads.iter().map(ToString::to_string));
    let transition = Transition::Submit {
        heads: heads.clone(),
        content_sha256: Some(pinned.content_sha256.clone()),
    };
    let next = run(&state, &caller, &record, transition, Some(pinned.clone())).await?;
    drop(pinned_room);
    Ok((
        StatusCode::CREATED,
        Json(SubmitResponse {
            document: summary(&dir, &caller, &next),
            round: next.state.round(),
            heads: heads.hashes().to_vec(),
            content_sha256: pinned.content_sha256,
            report,
        }),
    ))
}

/// What a submission is judged in, taken from the server's records and never from the
/// document: the owner school's municipality (when it has requirements of its own) and the
/// school's other documents as they are now, for rules across documents.
#[derive(Debug, Default)]
pub struct SubmissionContext {
    /// The owner school's municipality, when the catalogue has a set of its own for it.
    pub municipality: Option<String>,
    /// The owner school's other registered documents: form id and current content (empty
    /// fields dropped). Documents the server holds no copy of yet are left out.
    pub others: Vec<(String, serde_json::Value)>,
    /// The owner school's confirmed identification in effect, as rules read it
    /// (`forms::IDENTIFICATION_ROOT`); `None` when it has none, and rules asking for the
    /// school's category read the one its document declares.
    pub identification: Option<serde_json::Value>,
}

impl SubmissionContext {
    /// The context of `record`'s submission.
    ///
    /// # Errors
    ///
    /// 500 if the store cannot be read.
    pub async fn of(
        state: &AppState,
        dir: &Directory,
        record: &DocumentRecord,
    ) -> Result<SubmissionContext, ApiError> {
        let owner = record.document.owner_school.clone();
        let municipality = dir
            .municipality_of(&owner)
            .map(|m| m.id.as_str().to_owned())
            .filter(|id| {
                state
                    .catalogue
                    .region(&record.region)
                    .is_ok_and(|region| region.municipality(id).is_some())
            });
        let store = state.store.clone();
        let siblings = blocking(move || store.documents_of(&owner)).await?;
        let mut others = Vec::new();
        for sibling in siblings {
            if sibling.document.id == record.document.id {
                continue;
            }
            let Ok(id) = store::repo_document_id(sibling.document.id.as_str()) else {
                continue;
            };
            let Ok(Some(handle)) = state.repo.find(id).await else {
                continue;
            };
            // A sibling too deep to read is left out, as if the school had no such document.
            if let Ok(content) = handle.with_document(|doc| document::to_json(doc)) {
                others.push((
                    sibling.document.form.form_id().to_owned(),
                    forms::without_empty(&content),
                ));
            }
        }
        let identification =
            crate::api::identification::in_effect_for_rules(state, &record.document.owner_school)
                .await?;
        Ok(SubmissionContext {
            municipality,
            others,
            identification,
        })
    }
}

/// Validates `content` (a document's data at the heads to submit) against the edition of the
/// region's requirement set in force on `day` (`YYYY-MM-DD`: today for a submission, its
/// date for one already made, which keeps its verdict when a later edition is published),
/// layered with the owner school's municipality's, and the rules across the
/// school's documents against `context`'s others (rules asking for the school's category read
/// `context`'s confirmed identification in place of the declared one), reading documents made in an older form
/// version in the current one (`forms::migrate`); when valid, also what the submission pins
/// (the content as it is).
///
/// # Errors
///
/// 500 if the catalogue has no requirement set for the document any more (checked at
/// registration, so only if the server's `forms/` lost one).
pub fn judge(
    catalogue: &forms::Catalogue,
    record: &DocumentRecord,
    context: &SubmissionContext,
    content: &serde_json::Value,
    day: &str,
) -> Result<(forms::Report, Option<Pinned>), ApiError> {
    let form = record.document.form.form_id();
    let current = forms::migrate::to_current(form, content.clone());
    let others: Vec<(String, serde_json::Value)> = context
        .others
        .iter()
        .map(|(form, doc)| (form.clone(), forms::migrate::to_current(form, doc.clone())))
        .collect();
    let others: Vec<(&str, &serde_json::Value)> = others
        .iter()
        .map(|(form, doc)| (form.as_str(), doc))
        .collect();
    let report = catalogue
        .validate_edition(
            form,
            &record.region,
            context.municipality.as_deref(),
            &forms::without_empty(&current),
            Some(&others),
            forms::Edition::On(day),
            context.identification.as_ref(),
        )
        .map_err(|e| ApiError::internal(format!("no requirement set: {e}")))?;
    let pinned = report.valid.then(|| {
        let canonical = document::canonical_json(content);
        Pinned {
            form_id: report.form.clone(),
            form_version: report.form_version.clone(),
            requirements_id: report.requirements_id.clone(),
            requirements_version: report.requirements_version.clone(),
            content_sha256: document::text_sha256(&canonical),
            content: canonical,
        }
    });
    Ok((report, pinned))
}

/// A director signs the agreement's submission under review for their school.
#[utoipa::path(post, path = "/api/documents/{id}/signatures", tag = "lifecycle",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = DocumentSummary), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<DocumentSummary>), ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    authorize(&dir, &caller, &record, Action::Sign)?;
    let party =
        signing_party(&dir, &caller.people, &caller.user, &record.document).ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "подписывают договор только директора школ — сторон договора",
            )
        })?;
    let next = run(&state, &caller, &record, Transition::Sign { party }, None).await?;
    Ok((StatusCode::CREATED, Json(summary(&dir, &caller, &next))))
}

/// The municipality approves the version under review, or returns it with comments attached
/// to fields, or to passages of narrative fields (quoted from the version under review).
#[utoipa::path(post, path = "/api/documents/{id}/review", tag = "lifecycle",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = ReviewRequest,
    responses((status = 200, body = DocumentSummary), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "Замечание к неизвестному полю, пустое, или отрывок не в \
            повествовательном поле (`not-a-narrative`), пустой или за концом текста \
            (`bad-passage`)", body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<ReviewRequest>,
) -> Result<Json<DocumentSummary>, ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    authorize(&dir, &caller, &record, Action::Review)?;
    let unprocessable = |error: &str, message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, message)
    };
    let form = record.document.form.form_id();
    for comment in &request.comments {
        let known = comment.pointer.is_empty()
            || matches!(
                state.catalogue.field_kind(form, &comment.pointer),
                Ok(Some(_))
            );
        if !known {
            return Err(unprocessable(
                "unknown-field",
                format!(
                    "замечание к {:?}: в форме нет такого поля (указатель JSON вида /раздел/0/поле)",
                    comment.pointer
                ),
            )
            .with_details(serde_json::json!({ "pointer": comment.pointer })));
        }
    }
    let transition = match request.verdict {
        Verdict::Approve => Transition::Approve,
        Verdict::Return => Transition::Return {
            comments: with_passages(&state, &record, request.comments).await?,
        },
    };
    let next = run(&state, &caller, &record, transition, None).await?;
    Ok(Json(summary(&dir, &caller, &next)))
}

/// The comments of a return as the lifecycle keeps them: each passage checked against the
/// narrative it points into, as the version under review holds it (its pinned content, so
/// later edits cannot move the words), and quoted from there. A passage is refused (422,
/// naming the field) on a field that is not a narrative, when empty or past the text's end.
/// With no submission under review nothing is checked here: the transition is refused anyway.
async fn with_passages(
    state: &AppState,
    record: &DocumentRecord,
    comments: Vec<api_types::NewComment>,
) -> Result<Vec<Comment>, ApiError> {
    let plain = |c: api_types::NewComment| Comment {
        pointer: c.pointer,
        text: c.text,
        passage: None,
    };
    let under_review = record
        .state
        .current()
        .filter(|s| s.review.is_none())
        .map(|s| s.id.round);
    let Some(round) = under_review.filter(|_| comments.iter().any(|c| c.passage.is_some())) else {
        return Ok(comments.into_iter().map(plain).collect());
    };
    let form_id = record.document.form.form_id();
    let field = |pointer: &str| match state.catalogue.form(form_id) {
        _ if pointer.is_empty() => "документ в целом".to_owned(),
        Ok(form) => state.catalogue.field_name(form, pointer),
        Err(_) => pointer.to_owned(),
    };
    let store = state.store.clone();
    let id = record.document.id.clone();
    let submissions = blocking(move || store.submissions(&id)).await?;
    let content: serde_json::Value = submissions
        .iter()
        .find(|s| s.round == round)
        .map(|s| serde_json::from_str(&s.pinned.content))
        .transpose()
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(format!("no pinned content for round {round}")))?;
    comments
        .into_iter()
        .map(|c| {
            let Some(range) = c.passage else {
                return Ok(plain(c));
            };
            let details = serde_json::json!({
                "pointer": c.pointer, "start": range.start, "end": range.end,
            });
            let narrative = !c.pointer.is_empty()
                && document::narrative::is_narrative(&state.catalogue, form_id, &c.pointer)
                    .unwrap_or(false);
            if !narrative {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not-a-narrative",
                    format!(
                        "замечание к полю «{}»: отрывок текста можно указать только в поле с \
                         форматированным текстом (повествовании); уберите отрывок или выберите \
                         такое поле",
                        field(&c.pointer)
                    ),
                )
                .with_details(details));
            }
            // A narrative the submitted version left empty is absent or "" in its content.
            let text = content
                .pointer(&c.pointer)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let passage = Passage::in_text(text, range.start as usize, range.end as usize)
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "bad-passage",
                        e.message_ru(&field(&c.pointer)),
                    )
                    .with_details(details)
                })?;
            Ok(Comment {
                pointer: c.pointer,
                text: c.text,
                passage: Some(passage),
            })
        })
        .collect()
}

/// The regional coordinator accepts the approved version into the registry.
#[utoipa::path(post, path = "/api/documents/{id}/collect", tag = "lifecycle",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DocumentSummary), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn collect(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DocumentSummary>, ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    authorize(&dir, &caller, &record, Action::Collect)?;
    let next = run(&state, &caller, &record, Transition::Collect, None).await?;
    Ok(Json(summary(&dir, &caller, &next)))
}

/// Stores `transition` by `caller` and tells `/sync` the document's sharing may change; a
/// refused transition is 409 with the lifecycle's reason.
async fn run(
    state: &AppState,
    caller: &Caller,
    record: &DocumentRecord,
    transition: Transition,
    pinned: Option<Pinned>,
) -> Result<DocumentRecord, ApiError> {
    let store = state.store.clone();
    let id = record.document.id.clone();
    let user = caller.user.clone();
    let name = transition.name();
    let outcome =
        blocking(move || store.transition(&id, &transition, &user, pinned.as_ref())).await?;
    match outcome {
        Ok(next) => {
            tracing::info!(document = %next.document.id, user = %caller.user, transition = name, status = %next.document.status.as_str(), "transition");
            state.announce(Changed::Document(next.document.id.clone()));
            Ok(next)
        }
        Err(refused) => Err(refused_transition(&refused)),
    }
}

fn refused_transition(refused: &TransitionError) -> ApiError {
    let status = match refused {
        TransitionError::NoComments
        | TransitionError::BlankComment { .. }
        | TransitionError::BadPassage { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    ApiError::new(status, "transition-refused", refused.message_ru())
        .with_details(serde_json::json!({ "reason": refused.to_string() }))
}
