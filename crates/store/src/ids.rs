//! The one spelling of a document id.
//!
//! A document id is 16 bytes. automerge-repo (and samod's `Display`) spells them in
//! base58check; samod's `FromStr` also accepts the same bytes as a UUID in any case, braced,
//! as `urn:uuid:` or as 32 hex digits. The server's records are keyed by the id's text, while
//! the repo finds content by its bytes: if two spellings were both accepted, a record made
//! under an alias would lead to another record's content. So every id that comes from outside
//! (a registration, a URL path, a CLI argument) goes through [`document_id`] or
//! [`repo_document_id`], which accept the base58check spelling and nothing else; an id that
//! is accepted is therefore the only text of its bytes.

use workflow::DocumentId;

/// Why a text is not a document id in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    /// The text spells no document id at all.
    #[error("{given:?} is not a document id")]
    NotAnId {
        /// The text given.
        given: String,
    },
    /// The text spells the 16 bytes of a document id, but not as base58check (a UUID, hex).
    #[error("{given:?} is document {canonical} spelled otherwise than in base58check")]
    NotCanonical {
        /// The text given.
        given: String,
        /// The canonical spelling of the same bytes.
        canonical: String,
    },
}

impl DocumentIdError {
    /// The error in Russian, naming the expected form. It does not repeat the canonical
    /// spelling: whoever sends an alias is told to use the id as ravenstvo prints it.
    pub fn message_ru(&self) -> String {
        let given = match self {
            DocumentIdError::NotAnId { given } | DocumentIdError::NotCanonical { given, .. } => {
                given
            }
        };
        let shown: String = given.chars().take(80).collect();
        format!(
            "«{shown}» — не идентификатор документа в принятом виде: идентификатор записывается \
             только в виде base58check automerge-repo, как его печатает ravenstvo new \
             (например, 2pGptkPin4tJUHWEBjWkCsXnckmw); запись в виде UUID или шестнадцатеричных \
             цифр не принимается"
        )
    }
}

/// The samod id of `text`, if `text` is a document id spelled canonically (base58check of its
/// 16 bytes, exactly as samod prints it: no prefix, no spaces).
///
/// # Errors
///
/// [`DocumentIdError::NotAnId`] if samod cannot parse it; [`DocumentIdError::NotCanonical`]
/// if it parses but is another spelling of the bytes.
pub fn repo_document_id(text: &str) -> Result<samod::DocumentId, DocumentIdError> {
    let parsed: samod::DocumentId = text.parse().map_err(|_| DocumentIdError::NotAnId {
        given: text.to_owned(),
    })?;
    // base58check is a bijection between byte strings and texts, so printing the bytes back
    // gives the text itself exactly when it was spelled that way.
    let canonical = parsed.to_string();
    if canonical == text {
        Ok(parsed)
    } else {
        Err(DocumentIdError::NotCanonical {
            given: text.to_owned(),
            canonical,
        })
    }
}

/// The document id `text`, if it is spelled canonically (see [`repo_document_id`]).
///
/// # Errors
///
/// As [`repo_document_id`].
pub fn document_id(text: &str) -> Result<DocumentId, DocumentIdError> {
    repo_document_id(text).map(|_| DocumentId::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spellings(id: &samod::DocumentId) -> Vec<String> {
        let hex: String = id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let uuid = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        vec![
            uuid.clone(),
            uuid.to_uppercase(),
            format!("{{{uuid}}}"),
            format!("urn:uuid:{uuid}"),
            hex.clone(),
            hex.to_uppercase(),
            format!(" {id}"),
            format!("{id}\n"),
            format!("automerge:{id}"),
        ]
    }

    #[test]
    fn only_the_base58check_spelling_is_a_document_id() {
        for bytes in [[0u8; 16], [0xab; 16], *b"0123456789abcdef"] {
            let id = samod::DocumentId::try_from(bytes.to_vec()).unwrap();
            let canonical = id.to_string();
            assert_eq!(repo_document_id(&canonical).unwrap(), id);
            assert_eq!(document_id(&canonical).unwrap().as_str(), canonical);
            for alias in spellings(&id) {
                let parsed = alias.parse::<samod::DocumentId>().ok();
                let refused = document_id(&alias).unwrap_err();
                match refused {
                    DocumentIdError::NotCanonical { canonical: c, .. } => {
                        assert_eq!(parsed.as_ref(), Some(&id), "{alias}");
                        assert_eq!(c, canonical);
                    }
                    DocumentIdError::NotAnId { .. } => assert!(parsed.is_none(), "{alias}"),
                }
            }
        }
    }

    #[test]
    fn the_example_in_the_message_is_a_document_id() {
        assert!(document_id("2pGptkPin4tJUHWEBjWkCsXnckmw").is_ok());
    }

    #[test]
    fn what_is_no_id_is_refused_with_a_russian_message_naming_the_form() {
        for text in ["", "x", "doc-1", "2pGptkPin4tJUHWEBjWkCsXnckmX"] {
            let error = document_id(text).unwrap_err();
            assert!(matches!(error, DocumentIdError::NotAnId { .. }), "{text}");
            assert!(error.message_ru().contains("base58check"));
        }
    }
}
