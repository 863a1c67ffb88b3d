//! REST bodies and the handlers' own parsing of what they carry: the first byte picks what the
//! rest is read as — a JSON request body of `/api` (`api-types`, as the server's `JsonBody`
//! extractor reads it), a query string (`serde_urlencoded`, as axum's `Query` reads it), a
//! document id from a path (`store::document_id`, the one parser of ids from outside) or the
//! heads of a submission (`document::parse_heads`). Each must answer Ok or Err, never panic.
#![no_main]

use api_types::{
    AuditFilter, LoginRequest, NewComment, PasswordChange, PasswordReset, RegisterRequest,
    RegistryFilter, ReviewRequest, SubmitRequest,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => drop(serde_json::from_slice::<LoginRequest>(body)),
        1 => drop(serde_json::from_slice::<PasswordChange>(body)),
        2 => drop(serde_json::from_slice::<RegisterRequest>(body)),
        3 => drop(serde_json::from_slice::<SubmitRequest>(body)),
        4 => drop(serde_json::from_slice::<ReviewRequest>(body)),
        5 => drop(serde_json::from_slice::<NewComment>(body)),
        6 => drop(serde_json::from_slice::<PasswordReset>(body)),
        7 => drop(serde_urlencoded::from_bytes::<RegistryFilter>(body)),
        8 => drop(serde_urlencoded::from_bytes::<AuditFilter>(body)),
        9 => {
            if let Ok(text) = std::str::from_utf8(body) {
                if let Ok(id) = store::document_id(text) {
                    // The one spelling: what it accepts prints back as given.
                    assert_eq!(id.to_string(), text, "document_id accepted another spelling");
                }
            }
        }
        10 => {
            if let Ok(text) = std::str::from_utf8(body) {
                if let Ok(request) = serde_json::from_str::<SubmitRequest>(text) {
                    let _ = document::parse_heads(&request.heads.join(","));
                }
                let _ = document::parse_heads(text);
            }
        }
        _ => {
            // Any JSON value at all, as the extractor parses before typing it.
            let _ = serde_json::from_slice::<serde_json::Value>(body);
        }
    }
});
