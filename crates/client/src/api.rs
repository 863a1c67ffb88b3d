//! The sync server's REST API (`/api`), typed: login, documents and their lifecycle, the
//! regional registry and its exports.
//!
//! Calls are blocking (`ureq`); from async code run them on the blocking pool, as
//! [`Replica::call`](crate::Replica::call) does. Only plain `http://` servers are supported:
//! the client is built without TLS, and an `https://` address is refused up front with a
//! message saying so (put a TLS-terminating proxy on the same host, or wait for TLS support).
//!
//! Every refusal of the server carries its Russian `message`, its HTTP status and its stable
//! `error` code ([`ApiError::Refused`]); a server that cannot be reached at all is
//! [`ApiError::Unreachable`], so callers can tell "try again later" from "you may not".

use std::time::Duration;

pub mod campaigns;

pub use api_types::{
    CategoryView, IdentificationQuery, IdentificationView, IdentifiedSchoolView,
    SchoolIdentification,
};
pub use api_types::{
    ChangeView, CommentView, DiffView, DocumentDetail, DocumentSummary, ErrorBody, LoginRequest,
    LoginResponse, NewComment, OrgView, Passage, PasswordChange, RegisterRequest, RegistryFilter,
    RegistryRow, ReviewRequest, RoleView, SessionsClosed, SignatureView, SubmissionView,
    SubmitRequest, Verdict, WhoAmI,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long to wait for a TCP connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole call may take (an export of a large registry included).
const CALL_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest answer read (an XLSX export of a whole region is well below this).
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// Why an API call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached (no connection, timeout, name not found).
    #[error("server {url} unreachable: {reason}")]
    Unreachable {
        /// The server's base URL.
        url: String,
        /// Why, in Russian.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("HTTP {status} {code}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's stable error code (`forbidden`, `invalid-document`, …).
        code: String,
        /// The server's message, in Russian, for the person.
        message: String,
        /// Structured detail (a validation report, the reason of a refusal), or `null`; boxed
        /// to keep errors small.
        details: Box<Value>,
    },
    /// The server answered, but not with what the API promises (a proxy's page, another
    /// program on that port).
    #[error("unexpected answer from {url}: {reason}")]
    BadAnswer {
        /// The URL called.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The server address is not one the client can use.
    #[error("bad server address {url:?}: {reason}")]
    BadAddress {
        /// The address given.
        url: String,
        /// Why, in Russian.
        reason: String,
    },
}

impl ApiError {
    /// The error in Russian, for people: the server's own message for a refusal.
    pub fn message_ru(&self) -> String {
        match self {
            ApiError::Unreachable { url, reason } => format!("сервер {url} недоступен: {reason}"),
            ApiError::Refused { message, .. } => message.clone(),
            ApiError::BadAnswer { url, reason } => {
                format!("сервер ответил не так, как ожидалось ({url}): {reason}")
            }
            ApiError::BadAddress { url, reason } => format!("адрес сервера «{url}»: {reason}"),
        }
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's error code of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// `http://host:port[/prefix]` from what a person typed: `ws://` becomes `http://`, a
/// trailing `/` or `/sync` is dropped; `https://` is refused (no TLS in this build).
///
/// # Errors
///
/// [`ApiError::BadAddress`] when the text is not an `http://` or `ws://` URL.
pub fn server_base(server: &str) -> Result<String, ApiError> {
    let bad = |reason: &str| ApiError::BadAddress {
        url: server.to_owned(),
        reason: reason.to_owned(),
    };
    let mut url =
        url::Url::parse(server.trim()).map_err(|_| bad("это не адрес вида http://сервер:порт"))?;
    match url.scheme() {
        "http" | "ws" => {}
        "https" | "wss" => {
            return Err(bad(
                "защищённые соединения (https) эта версия не поддерживает; укажите http://…",
            ));
        }
        _ => return Err(bad("ожидается адрес вида http://сервер:порт")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("не указан сервер"));
    }
    url.set_scheme("http").map_err(|()| bad("неверная схема"))?;
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/sync").unwrap_or(path).to_owned();
    url.set_path(&path);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A stored submission (`POST /api/documents/{id}/submissions`), with its validation report.
pub type SubmitResponse = api_types::SubmitResponse<forms::Report>;

/// A registry filter as query pairs, leaving out what is `None`.
fn filter_pairs(filter: &RegistryFilter) -> Vec<(&'static str, &str)> {
    [
        ("municipality", &filter.municipality),
        ("school", &filter.school),
        ("form", &filter.form),
        ("status", &filter.status),
        ("from", &filter.from),
        ("to", &filter.to),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    .collect()
}

/// The file format of a registry export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl ExportFormat {
    /// The format's name in the API (`csv`, `xlsx`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A client of one server's REST API, with a bearer token or without.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl ApiClient {
    /// A client of `server` (see [`server_base`] for the accepted forms) using `token`.
    ///
    /// # Errors
    ///
    /// [`ApiError::BadAddress`] when the address is not a plain `http://` one.
    pub fn new(server: &str, token: Option<String>) -> Result<ApiClient, ApiError> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CALL_TIMEOUT))
            .build()
            .into();
        Ok(ApiClient {
            base: server_base(server)?,
            token: token.filter(|t| !t.is_empty()),
            agent,
        })
    }

    /// The server's base URL (`http://host:port`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Logs in and returns the token (the client itself keeps using its own token).
    ///
    /// # Errors
    ///
    /// [`ApiError::Refused`] with status 401 for a wrong login or password, 429 when too
    /// many attempts failed; [`ApiError::Unreachable`].
    pub fn login(&self, user: &str, password: &str) -> Result<LoginResponse, ApiError> {
        let body = LoginRequest {
            user: user.to_owned(),
            password: password.to_owned(),
        };
        self.json(self.post("/api/login", Some(&body))?)
    }

    /// Revokes the client's token.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn logout(&self) -> Result<(), ApiError> {
        self.empty(self.post::<()>("/api/logout", None)?)
    }

    /// Revokes every other token of the caller (this one stays).
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn logout_others(&self) -> Result<SessionsClosed, ApiError> {
        self.json(self.post::<()>("/api/logout/others", None)?)
    }

    /// Changes the caller's password; the server closes their other sessions.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers: 401 for a wrong current password, 422 for a new one
    /// that does not pass the server's rules (the message says which), 429 after too many
    /// wrong attempts.
    pub fn change_password(&self, current: &str, new: &str) -> Result<SessionsClosed, ApiError> {
        let body = PasswordChange {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        self.json(self.post("/api/password", Some(&body))?)
    }

    /// Who the token belongs to and what roles they hold.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (401 for a missing or expired token).
    pub fn whoami(&self) -> Result<WhoAmI, ApiError> {
        self.json(self.get("/api/whoami", &[])?)
    }

    /// Every document the caller may read.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn documents(&self) -> Result<Vec<DocumentSummary>, ApiError> {
        self.json(self.get("/api/documents", &[])?)
    }

    /// Registers a document the client created (fixing its owner school and parties).
    ///
    /// # Errors
    ///
    /// [`ApiError::Refused`]: 409 `already-registered`, 403, 422 (`mentor-required`, …).
    pub fn register(&self, request: &RegisterRequest) -> Result<DocumentSummary, ApiError> {
        self.json(self.post("/api/documents", Some(request))?)
    }

    /// One document with its submissions, signatures and decisions.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (404 for unknown or not visible).
    pub fn document(&self, id: &str) -> Result<DocumentDetail, ApiError> {
        self.json(self.get(&format!("/api/documents/{}", segment(id)), &[])?)
    }

    /// The changes between two versions; `None` asks for the server's defaults (since the
    /// last round the caller reviewed, up to the version under review or the current one).
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn diff(
        &self,
        id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<DiffView, ApiError> {
        let mut query = Vec::new();
        if let Some(from) = from {
            query.push(("from", from));
        }
        if let Some(to) = to {
            query.push(("to", to));
        }
        self.json(self.get(&format!("/api/documents/{}/diff", segment(id)), &query)?)
    }

    /// Submits the version at `heads`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Refused`]: 422 `invalid-document` (the report in `details`), 422
    /// `unknown-version` (sync first), 422 `document-too-deep`, 409 `transition-refused`, 409
    /// `not-synced`, 403.
    pub fn submit(&self, id: &str, heads: &[String]) -> Result<SubmitResponse, ApiError> {
        let body = SubmitRequest {
            heads: heads.to_vec(),
        };
        self.json(self.post(
            &format!("/api/documents/{}/submissions", segment(id)),
            Some(&body),
        )?)
    }

    /// Signs the submission under review for the caller's school (a director).
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn sign(&self, id: &str) -> Result<DocumentSummary, ApiError> {
        self.json(self.post::<()>(&format!("/api/documents/{}/signatures", segment(id)), None)?)
    }

    /// Approves or returns the submission under review.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn review(&self, id: &str, request: &ReviewRequest) -> Result<DocumentSummary, ApiError> {
        self.json(self.post(
            &format!("/api/documents/{}/review", segment(id)),
            Some(request),
        )?)
    }

    /// Accepts the approved submission into the regional registry.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn collect(&self, id: &str) -> Result<DocumentSummary, ApiError> {
        self.json(self.post::<()>(&format!("/api/documents/{}/collect", segment(id)), None)?)
    }

    /// The regional registry, filtered.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (403 for anyone but a regional coordinator).
    pub fn registry(&self, filter: &RegistryFilter) -> Result<Vec<RegistryRow>, ApiError> {
        self.json(self.get("/api/registry", &filter_pairs(filter))?)
    }

    /// The registry as a file, filtered.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn export(
        &self,
        filter: &RegistryFilter,
        format: ExportFormat,
    ) -> Result<Vec<u8>, ApiError> {
        let mut query = filter_pairs(filter);
        query.push(("format", format.as_str()));
        let (url, mut response) = self.get("/api/registry/export", &query)?;
        if !response.status().is_success() {
            return Err(refusal(&url, response));
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| self.transport(&url, e))
    }

    /// Uploads a table of indicators (CSV or XLSX bytes) for identification.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (422 with every bad row and column, 403 for anyone
    /// but the region's coordinator).
    pub fn identify(
        &self,
        query: &IdentificationQuery,
        table: &[u8],
    ) -> Result<IdentificationView, ApiError> {
        let url = self.url("/api/identification");
        let year = query.year.map(|y| y.to_string()).unwrap_or_default();
        let mut pairs = vec![("region", query.region.as_str()), ("year", year.as_str())];
        if let Some(m) = &query.municipality {
            pairs.push(("municipality", m.as_str()));
        }
        let content_type = if table.starts_with(b"PK\x03\x04") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "text/csv; charset=utf-8"
        };
        let mut request = self
            .agent
            .post(&url)
            .header("Accept", "application/json")
            .header("Content-Type", content_type)
            .query_pairs(pairs);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = request.send(table).map_err(|e| self.transport(&url, e))?;
        self.json((url, response))
    }

    /// The region's identifications, newest first.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn identifications(&self, region: &str) -> Result<Vec<IdentificationView>, ApiError> {
        self.json(self.get("/api/identification", &[("region", region)])?)
    }

    /// Confirms an identification (the region's coordinator).
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (409 if confirmed already).
    pub fn confirm_identification(&self, id: i64) -> Result<IdentificationView, ApiError> {
        self.json(self.post::<()>(&format!("/api/identification/{id}/confirm"), None)?)
    }

    /// The identification in effect for a school.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (404 for a school the caller may not see).
    pub fn school_identification(&self, school: &str) -> Result<SchoolIdentification, ApiError> {
        self.json(self.get(
            &format!("/api/schools/{}/identification", segment(school)),
            &[],
        )?)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Answer, ApiError> {
        let url = self.url(path);
        let mut request = self
            .agent
            .get(&url)
            .header("Accept", "application/json")
            .query_pairs(query.iter().copied());
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = request.call().map_err(|e| self.transport(&url, e))?;
        Ok((url, response))
    }

    fn post<B: Serialize>(&self, path: &str, body: Option<&B>) -> Result<Answer, ApiError> {
        let url = self.url(path);
        let mut request = self.agent.post(&url).header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = match body {
            Some(body) => {
                let bytes = serde_json::to_vec(body).map_err(|e| ApiError::BadAnswer {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
                request
                    .header("Content-Type", "application/json")
                    .send(&bytes[..])
            }
            None => request.send_empty(),
        }
        .map_err(|e| self.transport(&url, e))?;
        Ok((url, response))
    }

    /// A successful answer's JSON body, or the refusal.
    fn json<T: DeserializeOwned>(&self, (url, mut response): Answer) -> Result<T, ApiError> {
        if !response.status().is_success() {
            return Err(refusal(&url, response));
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| self.transport(&url, e))?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::BadAnswer {
            url,
            reason: format!("не тот JSON: {e}"),
        })
    }

    /// A successful answer with no body we need, or the refusal.
    fn empty(&self, (url, response): Answer) -> Result<(), ApiError> {
        if response.status().is_success() {
            Ok(())
        } else {
            Err(refusal(&url, response))
        }
    }

    fn transport(&self, url: &str, error: ureq::Error) -> ApiError {
        tracing::debug!(%url, %error, "HTTP call failed");
        let reason = match &error {
            ureq::Error::Timeout(_) => "нет ответа".to_owned(),
            ureq::Error::HostNotFound => "сервер с таким именем не найден".to_owned(),
            ureq::Error::ConnectionFailed => "соединение не установлено".to_owned(),
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                "соединение отклонено (сервер не запущен?)".to_owned()
            }
            ureq::Error::BodyExceedsLimit(_) => {
                return ApiError::BadAnswer {
                    url: url.to_owned(),
                    reason: "ответ слишком большой".to_owned(),
                };
            }
            ureq::Error::Protocol(_) => {
                return ApiError::BadAnswer {
                    url: url.to_owned(),
                    reason: format!("не HTTP-ответ ({error})"),
                };
            }
            other => other.to_string(),
        };
        ApiError::Unreachable {
            url: self.base.clone(),
            reason,
        }
    }
}

/// A response with the URL it answers.
type Answer = (String, ureq::http::Response<ureq::Body>);

/// The server's `{error, message, details}` of an error answer, or a Russian stand-in when
/// the body is not that.
fn refusal(url: &str, mut response: ureq::http::Response<ureq::Body>) -> ApiError {
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError::Refused {
            status,
            code: body.error,
            message: body.message,
            details: Box::new(body.details),
        },
        Err(_) => ApiError::Refused {
            status,
            code: format!("http-{status}"),
            message: format!(
                "сервер ответил ошибкой HTTP {status} на {url}{}",
                if status == 404 {
                    " (нет такого адреса: это сервер Равенства той же версии?)"
                } else {
                    ""
                }
            ),
            details: Box::new(Value::Null),
        },
    }
}

/// A document id as one path segment (ids are base58, but never trust input into a path).
fn segment(id: &str) -> String {
    let bare = id.trim().trim_start_matches("automerge:");
    url::form_urlencoded::byte_serialize(bare.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_normalise_to_http_bases() {
        assert_eq!(
            server_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(server_base("ws://h:1/sync").unwrap(), "http://h:1");
        assert_eq!(server_base(" http://h/app/ ").unwrap(), "http://h/app");
        let https = server_base("https://h").unwrap_err();
        assert!(https.message_ru().contains("https"), "{https}");
        assert!(server_base("ftp://h").is_err());
        assert!(server_base("не адрес").is_err());
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(segment("automerge:abc"), "abc");
        assert_eq!(segment("a/b"), "a%2Fb");
    }

    #[test]
    fn registry_filters_become_query_pairs() {
        let filter = RegistryFilter {
            form: Some("school-programme".into()),
            to: Some("2026-12-31".into()),
            ..Default::default()
        };
        assert_eq!(
            filter_pairs(&filter),
            vec![("form", "school-programme"), ("to", "2026-12-31")]
        );
    }

    #[test]
    fn an_unreachable_server_is_not_a_refusal() {
        // Port 9 (discard) on localhost: nothing listens there in a test environment.
        let api = ApiClient::new("http://127.0.0.1:9", None).unwrap();
        match api.whoami() {
            Err(ApiError::Unreachable { url, .. }) => assert_eq!(url, "http://127.0.0.1:9"),
            other => panic!("expected unreachable, got {other:?}"),
        }
    }
}
