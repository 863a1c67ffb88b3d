//! The one place where a connection's identity is established.
//!
//! Every websocket (and later every API call) goes through [`Identity::establish`]. Today the
//! server has no accounts, so every connection is anonymous and the peer id it claims in the
//! automerge-repo handshake is taken as is; when accounts arrive, this function checks the
//! bearer token and returns the authenticated peer id, which `/sync` binds the transport to.

use axum::http::HeaderMap;
use samod::PeerId;

/// Who is on the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials were checked; the peer's own handshake claim stands.
    Anonymous,
}

impl Identity {
    /// Establishes the identity of an incoming request from its headers and query.
    pub fn establish(_headers: &HeaderMap, _token: Option<&str>) -> Identity {
        Identity::Anonymous
    }

    /// The peer id the connection must present in its handshake, if it is bound to one.
    pub fn expected_peer_id(&self) -> Option<PeerId> {
        match self {
            Identity::Anonymous => None,
        }
    }
}
