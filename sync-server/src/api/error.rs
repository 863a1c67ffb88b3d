//! The REST API's one error shape: `{"error", "message", "details"}` with a stable English code,
//! a Russian message for the person, and whatever structured data helps (a validation report,
//! the statuses in which an action is possible). Nothing a client sends produces a 500: a 500
//! means our own storage failed, and says so without internals.

use api_types::ErrorBody;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// An error answer: a status and its body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    // Boxed: handlers return `Result<_, ApiError>` everywhere and the happy path stays small.
    body: Box<ErrorBody>,
    /// Seconds to send as `Retry-After` (a rate limit's answer), if any.
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `status`, code `error` and Russian `message`, no details.
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                error: error.to_owned(),
                message: message.into(),
                details: Value::Null,
            }),
            retry_after: None,
        }
    }

    /// 429: `message` and code `error`, to be retried after `seconds` (sent as `Retry-After`
    /// and as `details.retry_after`).
    pub fn too_many(error: &str, message: impl Into<String>, seconds: u64) -> ApiError {
        let mut too_many = ApiError::new(StatusCode::TOO_MANY_REQUESTS, error, message)
            .with_details(serde_json::json!({ "retry_after": seconds }));
        too_many.retry_after = Some(seconds);
        too_many
    }

    /// Its Russian message (for logs of work no request waits for).
    pub fn message(&self) -> &str {
        &self.body.message
    }

    /// The same error with `details`.
    pub fn with_details(mut self, details: Value) -> ApiError {
        self.body.details = details;
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    /// 401: no valid token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "нужно войти: токен не передан, неверен, отозван или истёк",
        )
    }

    /// 404 for a document the caller may not know about: the same answer as for one that
    /// does not exist, so ids cannot be probed.
    pub fn no_document(id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("документ {id} не найден или нет доступа к нему"),
        )
    }

    /// 422 `document-too-deep`: the document (as a peer wrote it over /sync, past the editing
    /// checks) nests deeper than any form, so it cannot be read; `error` says how deep.
    pub fn too_deep(error: &document::DocError) -> ApiError {
        tracing::debug!(%error, "document too deep to read");
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "document-too-deep",
            error.message_ru(),
        )
    }

    /// 500: our storage failed. Logged with its cause; the client learns only that it did.
    pub fn internal(error: impl std::fmt::Display + std::fmt::Debug) -> ApiError {
        // The debug form carries the causes (e.g. SQLite's own message under a store error).
        tracing::error!(%error, cause = ?error, "request failed inside the server");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "внутренняя ошибка сервера; данные не изменены, повторите позже",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(*self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> ApiError {
        ApiError::internal(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let (status, error) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not-json")
            }
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed-json"),
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "wrong-fields"),
            JsonRejection::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            _ => (StatusCode::BAD_REQUEST, "bad-request"),
        };
        // axum's text is English with a fixed preamble; keep serde's part, which names the
        // place (`line 1 column 2`, the field).
        let text = rejection.body_text();
        let detail = text
            .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
            .trim_start_matches("Failed to parse the request body as JSON: ")
            .to_owned();
        let message = match error {
            "not-json" => "тело запроса должно быть JSON (Content-Type: application/json)".into(),
            "malformed-json" => format!("неверный JSON: {detail}"),
            "wrong-fields" => {
                format!("в запросе не хватает полей или они неверного типа: {detail}")
            }
            "too-large" => "тело запроса слишком большое или не прочитано".into(),
            _ => format!("неверный запрос: {detail}"),
        };
        ApiError::new(status, error, message)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        // axum's text is English with a fixed preamble; keep serde's part, which names the
        // parameter.
        let text = rejection.body_text();
        let detail = text
            .trim_start_matches("Failed to deserialize query string: ")
            .to_owned();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            format!("неверные параметры запроса: {detail}"),
        )
    }
}

/// Query parameters whose rejections become [`ApiError`]s (axum's own are plain text).
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct QueryParams<T>(pub T);

/// A JSON body whose rejections become [`ApiError`]s (axum's own are plain text).
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);
