//! The envelope of an automerge-repo wire message, read before samod sees it.
//!
//! Every message on `/sync` is one CBOR map (`{"type": "sync", "senderId": …, "targetId": …,
//! "documentId": …, "data": …}`). [`Envelope::read`] reads only what the guard judges by —
//! the type, the sender, the document id and the payload — borrowing from the message, never
//! copying its payload, and refusing what no honest peer sends (a document id longer than
//! any real one, a non-map message) before anything is decoded further. samod decodes the
//! message again if the guard lets it through.

use minicbor::Decoder;
use minicbor::data::Type;

/// The longest document id string accepted: a canonical automerge-repo id (base58check of 16
/// bytes and a 4-byte checksum) has at most 28 characters; some slack, but nothing that
/// could make decoding it expensive.
pub const MAX_DOCUMENT_ID_CHARS: usize = 64;

/// The longest peer id, session id or message type accepted.
pub const MAX_NAME_CHARS: usize = 256;

/// The fields of a message the guard judges by.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `type`: `join`, `request`, `sync`, `ephemeral`, `doc-unavailable`, …
    pub kind: &'a str,
    /// `senderId`, if present.
    pub sender: Option<&'a str>,
    /// `targetId`, if present.
    pub target: Option<&'a str>,
    /// `documentId`, if present.
    pub document: Option<DocumentIdField<'a>>,
    /// `data`, if present: the automerge sync message of `request` and `sync`, the payload of
    /// `ephemeral`.
    pub data: Option<&'a [u8]>,
}

/// A `documentId` as sent: a string (every known client) or raw bytes (allowed by samod).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum DocumentIdField<'a> {
    /// The base58check text form.
    Text(&'a str),
    /// The 16 raw bytes.
    Bytes(&'a [u8]),
}

/// Why a message cannot be an automerge-repo message we accept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not CBOR, or not a map of the expected shape.
    #[error("not an automerge-repo message: {0}")]
    Malformed(String),
    /// No `type` field.
    #[error("message without a type")]
    NoType,
    /// A field longer than any honest peer sends.
    #[error("field {field} is {len} long, more than {limit}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The most accepted.
        limit: usize,
    },
}

impl From<minicbor::decode::Error> for EnvelopeError {
    fn from(error: minicbor::decode::Error) -> Self {
        EnvelopeError::Malformed(error.to_string())
    }
}

impl<'a> Envelope<'a> {
    /// Reads the envelope of `message`.
    ///
    /// # Errors
    ///
    /// [`EnvelopeError`] when the message is not a CBOR map with a string `type`, or a field
    /// has the wrong type or an unreasonable length.
    pub fn read(message: &'a [u8]) -> Result<Envelope<'a>, EnvelopeError> {
        let mut decoder = Decoder::new(message);
        let entries = decoder
            .map()?
            .ok_or_else(|| EnvelopeError::Malformed("indefinite-length map".into()))?;
        let mut envelope = Envelope::default();
        let mut kind = None;
        for _ in 0..entries {
            let key = decoder.str()?;
            match key {
                "type" => kind = Some(name(&mut decoder, "type")?),
                "senderId" => envelope.sender = Some(name(&mut decoder, "senderId")?),
                "targetId" => envelope.target = Some(name(&mut decoder, "targetId")?),
                "documentId" => envelope.document = Some(document_id(&mut decoder)?),
                "data" => envelope.data = Some(decoder.bytes()?),
                _ => decoder.skip()?,
            }
        }
        envelope.kind = kind.ok_or(EnvelopeError::NoType)?;
        Ok(envelope)
    }
}

/// A short string field.
fn name<'a>(decoder: &mut Decoder<'a>, field: &'static str) -> Result<&'a str, EnvelopeError> {
    let text = decoder.str()?;
    if text.len() > MAX_NAME_CHARS {
        return Err(EnvelopeError::TooLong {
            field,
            len: text.len(),
            limit: MAX_NAME_CHARS,
        });
    }
    Ok(text)
}

/// A `documentId`, as text or bytes, refused when longer than any real id before it is
/// decoded (base58 decoding is quadratic in the length).
fn document_id<'a>(decoder: &mut Decoder<'a>) -> Result<DocumentIdField<'a>, EnvelopeError> {
    let field = match decoder.datatype()? {
        Type::String => DocumentIdField::Text(decoder.str()?),
        Type::Bytes => DocumentIdField::Bytes(decoder.bytes()?),
        other => {
            return Err(EnvelopeError::Malformed(format!(
                "documentId is a {other}, not a string"
            )));
        }
    };
    let len = match field {
        DocumentIdField::Text(text) => text.len(),
        DocumentIdField::Bytes(bytes) => bytes.len(),
    };
    if len > MAX_DOCUMENT_ID_CHARS {
        return Err(EnvelopeError::TooLong {
            field: "documentId",
            len,
            limit: MAX_DOCUMENT_ID_CHARS,
        });
    }
    Ok(field)
}

/// The `doc-unavailable` message the server sends for a document it will not serve to this
/// peer (unknown, or not registered): the same answer samod gives for a document nobody has.
pub fn doc_unavailable(sender: &str, target: &str, document: &str) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = encoder
        .map(4)
        .and_then(|e| e.str("type"))
        .and_then(|e| e.str("doc-unavailable"))
        .and_then(|e| e.str("senderId"))
        .and_then(|e| e.str(sender))
        .and_then(|e| e.str("targetId"))
        .and_then(|e| e.str(target))
        .and_then(|e| e.str("documentId"))
        .and_then(|e| e.str(document));
    encoder.into_writer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(fields: &[(&str, Value<'_>)]) -> Vec<u8> {
        let mut encoder = minicbor::Encoder::new(Vec::new());
        encoder.map(fields.len() as u64).unwrap();
        for (key, value) in fields {
            encoder.str(key).unwrap();
            match value {
                Value::Text(text) => encoder.str(text).unwrap(),
                Value::Bytes(bytes) => encoder.bytes(bytes).unwrap(),
                Value::Int(n) => encoder.u64(*n).unwrap(),
            };
        }
        encoder.into_writer()
    }

    enum Value<'a> {
        Text(&'a str),
        Bytes(&'a [u8]),
        Int(u64),
    }

    #[test]
    fn reads_the_fields_of_a_sync_message_and_skips_the_rest() {
        let bytes = message(&[
            ("type", Value::Text("sync")),
            ("senderId", Value::Text("u:ivanova:1")),
            ("targetId", Value::Text("server")),
            ("documentId", Value::Text("3kq8NTDmzHZhVqyZMoCdXWEDhVgb")),
            ("count", Value::Int(7)),
            ("data", Value::Bytes(&[1, 2, 3])),
        ]);
        let envelope = Envelope::read(&bytes).unwrap();
        assert_eq!(envelope.kind, "sync");
        assert_eq!(envelope.sender, Some("u:ivanova:1"));
        assert_eq!(envelope.target, Some("server"));
        assert_eq!(
            envelope.document,
            Some(DocumentIdField::Text("3kq8NTDmzHZhVqyZMoCdXWEDhVgb"))
        );
        assert_eq!(envelope.data, Some(&[1u8, 2, 3][..]));
    }

    #[test]
    fn refuses_long_document_ids_before_decoding_them() {
        let long = "1".repeat(250_000);
        let bytes = message(&[
            ("type", Value::Text("request")),
            ("documentId", Value::Text(&long)),
        ]);
        assert!(matches!(
            Envelope::read(&bytes),
            Err(EnvelopeError::TooLong {
                field: "documentId",
                len: 250_000,
                ..
            })
        ));
    }

    #[test]
    fn refuses_what_is_not_a_message() {
        assert!(Envelope::read(b"").is_err());
        assert!(Envelope::read(&[0x80]).is_err());
        assert_eq!(
            Envelope::read(&message(&[("senderId", Value::Text("x"))])),
            Err(EnvelopeError::NoType)
        );
        assert!(Envelope::read(&message(&[("type", Value::Int(3))])).is_err());
        // A deeply nested unknown field is skipped without recursion.
        let mut deep = vec![0xa2, 0x64, b't', b'y', b'p', b'e', 0x63, b'f', b'o', b'o'];
        deep.extend_from_slice(&[0x63, b'x', b'y', b'z']);
        deep.extend(std::iter::repeat_n(0x81, 100_000));
        deep.push(0x00);
        assert_eq!(Envelope::read(&deep).unwrap().kind, "foo");
    }

    #[test]
    fn doc_unavailable_reads_back() {
        let bytes = doc_unavailable("server", "u:a:1", "3kq8NTDmzHZhVqyZMoCdXWEDhVgb");
        let envelope = Envelope::read(&bytes).unwrap();
        assert_eq!(envelope.kind, "doc-unavailable");
        assert_eq!(envelope.target, Some("u:a:1"));
    }
}
