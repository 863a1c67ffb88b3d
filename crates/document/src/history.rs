//! Who changed a document and when: the message every change of ours carries, the history read
//! back from it, and versions (heads) written as text.
//!
//! A change's message is JSON: `{"author_id": …, "author": …, "message": …}`. Changes made by
//! other peers with other messages show their message as it is. Change times are unix seconds,
//! as Automerge documents and its JavaScript library count them.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ChangeHash};
use serde::{Deserialize, Serialize};

use crate::error::DocError;

/// The person making a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Stable account id.
    pub id: String,
    /// Name to show, e.g. «Иванова М. П.».
    pub name: String,
}

/// One change of a document's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The change's hash: a version to pass to `to_json_at` or `diff`.
    pub hash: ChangeHash,
    /// Account id of the author, for changes made through this crate.
    pub author_id: Option<String>,
    /// Name of the author, for changes made through this crate.
    pub author: Option<String>,
    /// When the change was made, in unix seconds, by the author's clock (0 if not recorded).
    pub time: i64,
    /// The author's message; for foreign changes, the raw change message.
    pub message: Option<String>,
    /// The changes this one directly follows.
    pub deps: Vec<ChangeHash>,
}

/// The message of a change made through this crate.
#[derive(Serialize, Deserialize)]
struct ChangeMessage<'a> {
    #[serde(borrow)]
    author_id: Cow<'a, str>,
    #[serde(borrow)]
    author: Cow<'a, str>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

/// Commit options recording `author`, `message` and the current time.
pub(crate) fn commit_options(author: &Author, message: Option<&str>) -> CommitOptions {
    let record = ChangeMessage {
        author_id: Cow::Borrowed(&author.id),
        author: Cow::Borrowed(&author.name),
        message: message.map(Cow::Borrowed),
    };
    let time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    CommitOptions::default()
        .with_message(serde_json::to_string(&record).expect("strings serialise"))
        .with_time(time)
}

/// Every change of the document in causal order (a change after those it depends on; among
/// concurrent ones, earlier time first, then by hash).
pub fn history(doc: &Automerge) -> Vec<HistoryEntry> {
    let entries: Vec<HistoryEntry> = doc
        .get_changes_meta(&[])
        .into_iter()
        .map(|change| {
            let raw = change.message.as_deref();
            let parsed = raw.and_then(|m| serde_json::from_str::<ChangeMessage<'_>>(m).ok());
            let (author_id, author, message) = match parsed {
                Some(record) => (
                    Some(record.author_id.into_owned()),
                    Some(record.author.into_owned()),
                    record.message.map(Cow::into_owned),
                ),
                None => (None, None, raw.map(str::to_owned)),
            };
            HistoryEntry {
                hash: change.hash,
                author_id,
                author,
                time: change.timestamp,
                message,
                deps: change.deps,
            }
        })
        .collect();
    causal_order(entries)
}

/// Sorts changes so that each comes after its dependencies (Kahn's algorithm; ties by time,
/// then hash, so that every replica lists the same history in the same order).
fn causal_order(entries: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    let index: HashMap<ChangeHash, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.hash, i))
        .collect();
    let mut waiting: Vec<usize> = entries
        .iter()
        .map(|e| e.deps.iter().filter(|d| index.contains_key(d)).count())
        .collect();
    let mut followers: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (i, entry) in entries.iter().enumerate() {
        for dep in &entry.deps {
            if let Some(&d) = index.get(dep) {
                followers[d].push(i);
            }
        }
    }
    let key = |i: usize| (entries[i].time, entries[i].hash, i);
    let mut ready: BTreeSet<(i64, ChangeHash, usize)> = (0..entries.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(entries.len());
    while let Some(next) = ready.pop_first() {
        let i = next.2;
        order.push(i);
        for &f in &followers[i] {
            waiting[f] -= 1;
            if waiting[f] == 0 {
                ready.insert(key(f));
            }
        }
    }
    let mut slots: Vec<Option<HistoryEntry>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each change is ordered once"))
        .collect()
}

/// Parses heads written as comma-separated hex hashes (`--at HEADS`); spaces around hashes are
/// allowed, and the empty string is the empty heads (the state before the first change).
pub fn parse_heads(text: &str) -> Result<Vec<ChangeHash>, DocError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|hash| {
            hash.trim().parse().map_err(|_| DocError::BadHeads {
                input: text.to_owned(),
            })
        })
        .collect()
}

/// Writes heads as comma-separated hex hashes, the form [`parse_heads`] reads.
pub fn format_heads(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(ChangeHash::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
