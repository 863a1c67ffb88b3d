//! Form documents over Automerge (being written).
