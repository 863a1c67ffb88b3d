//! The replica's account on a server: the server address, the bearer token, the user and a
//! stable replica id, all kept in the replica's store settings; what each document needs to be
//! registered on the server; and the gate from async code to the blocking REST API.

use serde::{Deserialize, Serialize};
use store::{Store, StoreError};

use crate::api::{ApiClient, ApiError, RegisterRequest, SubmitResponse};
use crate::error::ClientError;
use crate::replica::{Replica, parse_id};

/// Settings key of the server the replica is logged in to (`http://host:port`).
const SERVER_SETTING: &str = "server";
/// Settings key of the bearer token (empty after logout).
const TOKEN_SETTING: &str = "token";
/// Settings key of the logged-in user's id (their login).
const USER_SETTING: &str = "user";
/// Settings key of the logged-in user's name.
const DISPLAY_NAME_SETTING: &str = "display_name";
/// Settings key of the replica's own id, the last part of its peer id `u:<user>:<replica>`.
const REPLICA_ID_SETTING: &str = "replica_id";
/// Settings key prefix of a document's registration record (`registration/<id>`).
const REGISTRATION_PREFIX: &str = "registration/";

/// Who is logged in on a replica, and where.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The server's base URL (`http://host:port`).
    pub server: String,
    /// The user's id (login).
    pub user: String,
    /// The user's name, as the server gave it at login.
    pub display_name: String,
    token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("user", &self.user)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session of `user` on `server` with `token`.
    pub(crate) fn new(server: &str, user: &str, display_name: &str, token: &str) -> Session {
        Session {
            server: server.to_owned(),
            user: user.to_owned(),
            display_name: display_name.to_owned(),
            token: token.to_owned(),
        }
    }

    /// The bearer token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The peer id this user's replica `replica` announces on `/sync`: `u:<user>:<replica>`.
    pub fn peer_id(&self, replica: &str) -> String {
        format!("u:{}:{replica}", self.user)
    }

    /// A REST client of the session's server with its token.
    ///
    /// # Errors
    ///
    /// [`ApiError::BadAddress`] if the stored address became unusable.
    pub fn api(&self) -> Result<ApiClient, ApiError> {
        ApiClient::new(&self.server, Some(self.token.clone()))
    }
}

/// Which schools a new document belongs to, for its registration on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    /// The owner school (organisation id); `None` lets the server take the one school the
    /// user edits for.
    pub school: Option<String>,
    /// The mentor school (organisation id), required for the programme and the agreement.
    pub mentor: Option<String>,
}

/// What the replica remembers about registering one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The form, as created.
    pub form: Option<String>,
    /// The owner school given at creation.
    pub school: Option<String>,
    /// The mentor school given at creation.
    pub mentor: Option<String>,
    /// The server it is known to be registered on.
    pub registered_on: Option<String>,
}

/// What [`Replica::logout`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logout {
    /// Nobody was logged in.
    NotLoggedIn,
    /// The server revoked the token and the replica forgot it.
    Revoked,
    /// The replica forgot the token, but the server could not revoke it (it stays valid on
    /// the server until it expires).
    ForgottenLocally {
        /// Why the server did not revoke it, in Russian.
        reason: String,
    },
}

/// The session stored in `store`, if someone is logged in.
pub(crate) fn session(store: &Store) -> Result<Option<Session>, StoreError> {
    let token = store.setting(TOKEN_SETTING)?.unwrap_or_default();
    let server = store.setting(SERVER_SETTING)?.unwrap_or_default();
    let user = store.setting(USER_SETTING)?.unwrap_or_default();
    if token.is_empty() || server.is_empty() || user.is_empty() {
        return Ok(None);
    }
    Ok(Some(Session {
        server,
        user,
        display_name: store.setting(DISPLAY_NAME_SETTING)?.unwrap_or_default(),
        token,
    }))
}

/// The replica's stable id (random, generated once), without `:`.
pub(crate) fn replica_id(store: &Store) -> Result<String, StoreError> {
    if let Some(id) = store
        .setting(REPLICA_ID_SETTING)?
        .filter(|id| !id.is_empty())
    {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    store.set_setting(REPLICA_ID_SETTING, &id)?;
    Ok(id)
}

/// The registration record of document `id`, if the replica has one.
pub(crate) fn record(store: &Store, id: &str) -> Result<Option<Record>, StoreError> {
    Ok(store
        .setting(&format!("{REGISTRATION_PREFIX}{id}"))?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

fn save(store: &Store, id: &str, record: &Record) -> Result<(), StoreError> {
    let text = serde_json::to_string(record).unwrap_or_else(|_| "{}".to_owned());
    store.set_setting(&format!("{REGISTRATION_PREFIX}{id}"), &text)
}

/// Records a document just created here, to be registered on its first sync.
pub(crate) fn record_new(
    store: &Store,
    id: &str,
    form: &str,
    registration: &Registration,
) -> Result<(), StoreError> {
    save(
        store,
        id,
        &Record {
            form: Some(form.to_owned()),
            school: registration.school.clone(),
            mentor: registration.mentor.clone(),
            registered_on: None,
        },
    )
}

/// Notes that document `id` is registered on `server` (registered here, found registered, or
/// fetched from it).
pub(crate) fn mark_registered(store: &Store, id: &str, server: &str) -> Result<(), StoreError> {
    let mut record = record(store, id)?.unwrap_or_default();
    if record.registered_on.as_deref() == Some(server) {
        return Ok(());
    }
    record.registered_on = Some(server.to_owned());
    save(store, id, &record)
}

/// A registration to attempt: the document and what to send.
pub(crate) struct Pending {
    /// The request.
    pub request: RegisterRequest,
}

impl Replica {
    /// Who is logged in on this replica, if anyone.
    ///
    /// # Errors
    ///
    /// [`ClientError::Store`] if the settings cannot be read.
    pub fn session(&self) -> Result<Option<Session>, ClientError> {
        Ok(session(self.store())?)
    }

    /// The server this replica last logged in to, even if logged out since.
    ///
    /// # Errors
    ///
    /// [`ClientError::Store`] if the settings cannot be read.
    pub fn server(&self) -> Result<Option<String>, ClientError> {
        Ok(self
            .store()
            .setting(SERVER_SETTING)?
            .filter(|s| !s.is_empty()))
    }

    /// The replica's stable id (the last part of its peer id).
    ///
    /// # Errors
    ///
    /// [`ClientError::Store`] if the settings cannot be read or written.
    pub fn replica_id(&self) -> Result<String, ClientError> {
        Ok(replica_id(self.store())?)
    }

    /// Logs `user` in on `server` and keeps the server, the token and the user in the
    /// replica. The repo's peer id follows the session the next time the replica is opened.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`]: a refusal (401 wrong login or password, 429 too many attempts)
    /// or an unreachable server.
    pub async fn login(
        &self,
        server: &str,
        user: &str,
        password: &str,
    ) -> Result<Session, ClientError> {
        let api = ApiClient::new(server, None)?;
        let (user, password) = (user.to_owned(), password.to_owned());
        let (base, answer) = blocking(move || {
            let answer = api.login(&user, &password)?;
            Ok((api.base().to_owned(), answer))
        })
        .await?;
        let store = self.store();
        store.set_setting(SERVER_SETTING, &base)?;
        store.set_setting(USER_SETTING, &answer.user)?;
        store.set_setting(DISPLAY_NAME_SETTING, &answer.display_name)?;
        store.set_setting(TOKEN_SETTING, &answer.token)?;
        replica_id(store)?;
        Ok(Session::new(
            &base,
            &answer.user,
            &answer.display_name,
            &answer.token,
        ))
    }

    /// Revokes the token on the server (when it can be reached) and forgets it here. The
    /// server address and the user stay, as a hint for the next login.
    ///
    /// # Errors
    ///
    /// [`ClientError::Store`] if the token cannot be forgotten.
    pub async fn logout(&self) -> Result<Logout, ClientError> {
        let Some(session) = self.session()? else {
            return Ok(Logout::NotLoggedIn);
        };
        let revoked = match session.api() {
            Ok(api) => blocking(move || Ok(api.logout()?)).await,
            Err(e) => Err(e.into()),
        };
        self.store().set_setting(TOKEN_SETTING, "")?;
        Ok(match revoked {
            Ok(()) => Logout::Revoked,
            // An expired or revoked token is as good as revoked.
            Err(ClientError::Api(ApiError::Refused { status: 401, .. })) => Logout::Revoked,
            Err(e) => Logout::ForgottenLocally {
                reason: e.message_ru(),
            },
        })
    }

    /// Runs `call` with a REST client of the logged-in session, on the blocking pool.
    ///
    /// # Errors
    ///
    /// [`ClientError::NotLoggedIn`] when nobody is logged in; [`ClientError::Api`] as the
    /// call fails.
    pub async fn call<T, F>(&self, call: F) -> Result<T, ClientError>
    where
        T: Send + 'static,
        F: FnOnce(&ApiClient) -> Result<T, ApiError> + Send + 'static,
    {
        let session = self.session()?.ok_or(ClientError::NotLoggedIn)?;
        let api = session.api()?;
        blocking(move || Ok(call(&api)?)).await
    }

    /// Submits the local document's current version (its heads) for review. Sync it first,
    /// so that the server has that version.
    ///
    /// # Errors
    ///
    /// [`ClientError::NotFound`] for a document not held here; [`ClientError::Api`] as the
    /// server refuses (422 `invalid-document` carries the validation report in `details`).
    pub async fn submit(&self, id: &str) -> Result<SubmitResponse, ClientError> {
        let handle = self.handle(id).await?;
        let id = handle.document_id().to_string();
        let heads: Vec<String> = handle.with_document(|doc| {
            doc.get_heads()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        });
        self.call(move |api| api.submit(&id, &heads)).await
    }

    /// The registrations still to attempt on `server` among `ids` (local documents).
    pub(crate) async fn pending_registrations(
        &self,
        server: &str,
        ids: &[String],
    ) -> Result<Vec<Pending>, ClientError> {
        let mut pending = Vec::new();
        for id in ids {
            let record = record(self.store(), id)?.unwrap_or_default();
            if record.registered_on.as_deref() == Some(server) {
                continue;
            }
            let form = match record.form {
                Some(form) => form,
                // Created before registrations were recorded: the document knows its form.
                None => {
                    let handle = self.handle(id).await?;
                    handle.with_document(|doc| document::meta(doc))?.form
                }
            };
            pending.push(Pending {
                request: RegisterRequest {
                    id: id.clone(),
                    form,
                    owner_school: record.school,
                    mentor: record.mentor,
                },
            });
        }
        Ok(pending)
    }

    /// Registers `pending` documents with `api`; a document already registered (409, or one
    /// the server shows the user) counts as registered. Returns the refusals, per document, in
    /// Russian.
    ///
    /// # Errors
    ///
    /// [`ClientError::Api`] with [`ApiError::Unreachable`] when the server cannot be reached,
    /// or a 401 when the token is no longer valid.
    pub(crate) async fn register(
        &self,
        api: ApiClient,
        pending: Vec<Pending>,
    ) -> Result<Vec<(String, String)>, ClientError> {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store().clone();
        blocking(move || {
            let mut refused = Vec::new();
            for Pending { request } in pending {
                let outcome = match api.register(&request) {
                    Ok(_) => Ok(()),
                    Err(ApiError::Refused { code, .. }) if code == "already-registered" => Ok(()),
                    Err(e @ ApiError::Refused { status: 401, .. }) => return Err(e.into()),
                    Err(e @ ApiError::Refused { .. }) => {
                        // Someone else may have registered it (the school, for a mentor who
                        // fetched it before): a document the server shows us is registered.
                        match api.document(&request.id) {
                            Ok(_) => Ok(()),
                            Err(_) => Err(e),
                        }
                    }
                    Err(e) => return Err(e.into()),
                };
                match outcome {
                    Ok(()) => {
                        tracing::debug!(document = %request.id, "registered");
                        mark_registered(&store, &request.id, api.base())?;
                    }
                    Err(e) => refused.push((
                        request.id,
                        format!("не зарегистрирован на сервере: {}", e.message_ru()),
                    )),
                }
            }
            Ok(refused)
        })
        .await
    }

    /// Notes that the documents `ids` came from `server`, so are registered there.
    pub(crate) fn mark_fetched(&self, server: &str, ids: &[String]) -> Result<(), ClientError> {
        for id in ids {
            let id = parse_id(id)?.to_string();
            mark_registered(self.store(), &id, server)?;
        }
        Ok(())
    }
}

/// Runs blocking work (HTTP calls, SQLite) on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(ClientError::Stopped),
    }
}
