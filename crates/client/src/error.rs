//! Errors of the replica, with Russian messages for people.

use crate::api::ApiError;

/// What went wrong with a replica operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The local database could not be opened or used.
    #[error("local store: {0}")]
    Store(#[from] store::StoreError),
    /// An edit, a read or a history query on a document failed.
    #[error("document: {0}")]
    Document(#[from] document::DocError),
    /// A narrative edit or a narrative's stored data could not be used.
    #[error("narrative: {0}")]
    Narrative(#[from] document::narrative::NarrativeError),
    /// A form or region is unknown.
    #[error("{0}")]
    Lookup(#[from] forms::LookupError),
    /// The text given as a document id is not one in its canonical spelling.
    #[error("bad document id")]
    BadId(#[source] store::DocumentIdError),
    /// The replica has no such document (and no server gave it).
    #[error("document {id} not found")]
    NotFound {
        /// The document id.
        id: String,
    },
    /// The sync server could not be reached.
    #[error("server {url} unreachable: {reason}")]
    ServerUnreachable {
        /// The server's URL.
        url: String,
        /// Why, as far as we know.
        reason: String,
    },
    /// The repo stopped while an operation was running.
    #[error("the replica stopped")]
    Stopped,
    /// A call to the server's REST API failed (refused, or the server is unreachable).
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The operation needs an account and nobody is logged in on this replica.
    #[error("not logged in")]
    NotLoggedIn,
    /// The replica is logged in to one server and was asked to talk to another.
    #[error("logged in to {logged_in}, asked to use {asked}")]
    OtherServer {
        /// The server the replica is logged in to.
        logged_in: String,
        /// The server asked for.
        asked: String,
    },
    /// Someone logged in or out after the replica was opened; its peer id is stale.
    #[error("the session changed since the replica was opened")]
    SessionChanged,
}

impl From<samod::Stopped> for ClientError {
    fn from(_: samod::Stopped) -> Self {
        ClientError::Stopped
    }
}

impl ClientError {
    /// Whether the server could not be reached (as opposed to refusing or failing locally).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ClientError::ServerUnreachable { .. } | ClientError::Api(ApiError::Unreachable { .. })
        )
    }

    /// The error in Russian, for people.
    pub fn message_ru(&self) -> String {
        match self {
            ClientError::Store(e) => format!("локальное хранилище: {e}"),
            ClientError::Document(e) => e.message_ru(),
            ClientError::Narrative(e) => e.message_ru(),
            ClientError::Lookup(e) => e.message_ru(),
            ClientError::BadId(e) => e.message_ru(),
            ClientError::NotFound { id } => format!("документ {id} не найден"),
            ClientError::ServerUnreachable { url, reason } => {
                format!("сервер {url} недоступен: {reason}")
            }
            ClientError::Stopped => "работа с локальной копией прервана".to_owned(),
            ClientError::Api(e) => e.message_ru(),
            ClientError::NotLoggedIn => {
                "вы не вошли: ravenstvo login --server http://сервер:порт --user ЛОГИН".to_owned()
            }
            ClientError::OtherServer { logged_in, asked } => format!(
                "вы вошли на сервер {logged_in}, а указан {asked}; \
                 войдите на него: ravenstvo login --server {asked} --user ЛОГИН"
            ),
            ClientError::SessionChanged => {
                "вход или выход выполнен после открытия локальной копии: откройте её заново"
                    .to_owned()
            }
        }
    }
}
