//! Errors of the replica, with Russian messages for people.

/// What went wrong with a replica operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The local database could not be opened or used.
    #[error("local store: {0}")]
    Store(#[from] store::StoreError),
    /// An edit, a read or a history query on a document failed.
    #[error("document: {0}")]
    Document(#[from] document::DocError),
    /// A form or region is unknown.
    #[error("{0}")]
    Lookup(#[from] forms::LookupError),
    /// The text given as a document id is not one.
    #[error("bad document id {id:?}")]
    BadId {
        /// The text given.
        id: String,
    },
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
}

impl From<samod::Stopped> for ClientError {
    fn from(_: samod::Stopped) -> Self {
        ClientError::Stopped
    }
}

impl ClientError {
    /// The error in Russian, for people.
    pub fn message_ru(&self) -> String {
        match self {
            ClientError::Store(e) => format!("локальное хранилище: {e}"),
            ClientError::Document(e) => e.message_ru(),
            ClientError::Lookup(e) => e.message_ru(),
            ClientError::BadId { id } => format!("«{id}» — не идентификатор документа"),
            ClientError::NotFound { id } => format!("документ {id} не найден"),
            ClientError::ServerUnreachable { url, reason } => {
                format!("сервер {url} недоступен: {reason}")
            }
            ClientError::Stopped => "работа с локальной копией прервана".to_owned(),
        }
    }
}
