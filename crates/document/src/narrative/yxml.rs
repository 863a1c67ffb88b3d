//! A narrative's `XmlFragment` as `y-prosemirror` writes it, read into blocks and brought to
//! new blocks with the fewest edits: top-level nodes are matched by equal prefix and suffix,
//! nodes left between are updated in place where their types agree (a text by its changed
//! middle, a list item by item), and only the rest is removed or inserted.
//!
//! Shape: the fragment holds `paragraph`, `heading` (attribute `level`), `bulletList` and
//! `orderedList` elements; a list holds `listItem`s, each holding a `paragraph`; a paragraph or
//! heading holds one `XmlText` (none when empty) whose formatting attributes are the marks
//! (`bold`, `italic`: `{}` when set), as TipTap's StarterKit names them.

use std::collections::HashMap;
use std::sync::Arc;

use yrs::types::Attrs;
use yrs::types::text::YChange;
use yrs::{
    Any, GetString, Out, ReadTxn, Text, TransactionMut, Xml, XmlElementPrelim, XmlElementRef,
    XmlFragment, XmlFragmentRef, XmlOut, XmlTextPrelim, XmlTextRef,
};

use super::blocks::{Block, BlockKind, Run};

/// Element names as TipTap's StarterKit (and so `y-prosemirror`) writes them.
pub(crate) const PARAGRAPH: &str = "paragraph";
pub(crate) const HEADING: &str = "heading";
pub(crate) const BULLET_LIST: &str = "bulletList";
pub(crate) const ORDERED_LIST: &str = "orderedList";
pub(crate) const LIST_ITEM: &str = "listItem";
/// Mark names.
pub(crate) const BOLD: &str = "bold";
pub(crate) const ITALIC: &str = "italic";

/// A block's place in the fragment: its element (a paragraph or heading, or the paragraph of
/// a list item) and the text inside it.
pub(crate) struct TextBlock {
    /// The element holding the text.
    pub(crate) element: XmlElementRef,
    /// Its (first) text, absent while the block is empty.
    pub(crate) text: Option<XmlTextRef>,
    /// Whether the element holds more than one text.
    pub(crate) split: bool,
    /// What it holds.
    pub(crate) block: Block,
}

/// One top-level node of the fragment.
pub(crate) enum Top {
    /// A paragraph or a heading.
    Single(TextBlock),
    /// A bullet or ordered list and its items (each with its `listItem` element).
    List {
        /// The list element.
        element: XmlElementRef,
        /// [`BlockKind::Bullet`] or [`BlockKind::Ordered`].
        kind: BlockKind,
        /// The items.
        items: Vec<(XmlElementRef, TextBlock)>,
    },
    /// Something else (another editor's node): read as the text of its descendants, replaced
    /// whole when it changes.
    Other(Block),
}

impl Top {
    /// The blocks this node reads as.
    pub(crate) fn blocks(&self) -> Vec<&Block> {
        match self {
            Top::Single(text) => vec![&text.block],
            Top::List { items, .. } => items.iter().map(|(_, item)| &item.block).collect(),
            Top::Other(block) => vec![block],
        }
    }
}

/// Desired top-level nodes: a paragraph or heading, or a list of items of one kind.
#[derive(Debug, PartialEq)]
enum Want<'b> {
    Single(&'b Block),
    List(BlockKind, Vec<&'b Block>),
}

fn group(blocks: &[Block]) -> Vec<Want<'_>> {
    let mut out: Vec<Want<'_>> = Vec::new();
    for block in blocks {
        match block.kind {
            BlockKind::Bullet | BlockKind::Ordered => match out.last_mut() {
                Some(Want::List(kind, items)) if *kind == block.kind => items.push(block),
                _ => out.push(Want::List(block.kind, vec![block])),
            },
            BlockKind::Paragraph | BlockKind::Heading(_) => out.push(Want::Single(block)),
        }
    }
    out
}

/// Reads the fragment's top-level nodes.
pub(crate) fn read<T: ReadTxn>(txn: &T, fragment: &XmlFragmentRef) -> Vec<Top> {
    let mut tops = Vec::new();
    for child in fragment.children(txn) {
        match child {
            XmlOut::Element(element) => tops.push(read_top(txn, element)),
            XmlOut::Text(text) => {
                let runs = runs_of(txn, &text);
                tops.push(Top::Other(
                    Block {
                        kind: BlockKind::Paragraph,
                        runs,
                    }
                    .normalise(),
                ));
            }
            XmlOut::Fragment(_) => {}
        }
    }
    tops
}

fn read_top<T: ReadTxn>(txn: &T, element: XmlElementRef) -> Top {
    let tag = element.tag().to_string();
    match tag.as_str() {
        PARAGRAPH => Top::Single(text_block(txn, element, BlockKind::Paragraph)),
        HEADING => {
            let level = heading_level(txn, &element);
            Top::Single(text_block(txn, element, BlockKind::Heading(level)))
        }
        BULLET_LIST | ORDERED_LIST => {
            let kind = if tag == BULLET_LIST {
                BlockKind::Bullet
            } else {
                BlockKind::Ordered
            };
            let mut items = Vec::new();
            for child in element.children(txn) {
                let XmlOut::Element(item) = child else {
                    continue;
                };
                let paragraph = match item.get(txn, 0) {
                    Some(XmlOut::Element(paragraph)) => paragraph,
                    _ => {
                        let block = Block::plain(kind, &descendant_text(txn, &item));
                        items.push((
                            item.clone(),
                            TextBlock {
                                element: item,
                                text: None,
                                split: true,
                                block,
                            },
                        ));
                        continue;
                    }
                };
                items.push((item, text_block(txn, paragraph, kind)));
            }
            Top::List {
                element,
                kind,
                items,
            }
        }
        _ => {
            let text = descendant_text(txn, &element);
            Top::Other(Block::plain(BlockKind::Paragraph, &text))
        }
    }
}

fn heading_level<T: ReadTxn>(txn: &T, element: &XmlElementRef) -> u8 {
    let level = match element.get_attribute(txn, "level") {
        Some(Out::Any(Any::Number(yrs::Number::Int(n)))) => n,
        Some(Out::Any(Any::Number(yrs::Number::Float(f)))) => f as i64,
        Some(Out::Any(Any::String(s))) => s.parse().unwrap_or(1),
        _ => 1,
    };
    level.clamp(1, 6) as u8
}

fn text_block<T: ReadTxn>(txn: &T, element: XmlElementRef, kind: BlockKind) -> TextBlock {
    // Two people typing into one empty paragraph at once each create its text: read them all
    // (as y-prosemirror shows them all); such a block is rewritten whole when edited.
    let texts: Vec<XmlTextRef> = element
        .children(txn)
        .filter_map(|child| match child {
            XmlOut::Text(text) => Some(text),
            _ => None,
        })
        .collect();
    let runs = texts.iter().flat_map(|t| runs_of(txn, t)).collect();
    TextBlock {
        element,
        split: texts.len() > 1,
        text: texts.into_iter().next(),
        block: Block { kind, runs }.normalise(),
    }
}

/// The runs of an `XmlText`: its string chunks and whether `bold`/`italic` (or ProseMirror's
/// `strong`/`em`) are set on them.
pub(crate) fn runs_of<T: ReadTxn>(txn: &T, text: &XmlTextRef) -> Vec<Run> {
    text.diff(txn, YChange::identity)
        .into_iter()
        .filter_map(|chunk| {
            let Out::Any(Any::String(s)) = chunk.insert else {
                return None;
            };
            let set = |names: &[&str]| {
                chunk.attributes.as_ref().is_some_and(|attrs| {
                    names
                        .iter()
                        .any(|name| attrs.get(*name).is_some_and(|v| !matches!(v, Any::Null)))
                })
            };
            Some(Run {
                text: s.to_string(),
                bold: set(&[BOLD, "strong"]),
                italic: set(&[ITALIC, "em"]),
            })
        })
        .collect()
}

fn descendant_text<T: ReadTxn>(txn: &T, element: &XmlElementRef) -> String {
    let mut out = String::new();
    for node in element.successors(txn) {
        if let XmlOut::Text(text) = node {
            out.push_str(&text.get_string(txn));
        }
    }
    out
}

/// Brings `fragment` (read as `tops`) to `blocks`. With `marks` false the marks of `blocks`
/// are ignored: kept text keeps its marks and typed text takes its neighbour's, as typing
/// does; with `marks` true they are written too.
pub(crate) fn write(
    txn: &mut TransactionMut,
    fragment: &XmlFragmentRef,
    tops: &[Top],
    blocks: &[Block],
    marks: bool,
) {
    let want = group(blocks);
    let same = |top: &Top, want: &Want<'_>| -> bool {
        let have = top.blocks();
        let wanted: Vec<&Block> = match want {
            Want::Single(block) => vec![*block],
            Want::List(_, items) => items.clone(),
        };
        let kind_ok = match (top, want) {
            (Top::Single(_), Want::Single(_)) => true,
            (Top::List { kind, .. }, Want::List(want_kind, _)) => kind == want_kind,
            _ => false,
        };
        kind_ok
            && have.len() == wanted.len()
            && have
                .iter()
                .zip(&wanted)
                .all(|(a, b)| a.kind == b.kind && equal_content(a, b, marks))
    };
    let mut prefix = 0;
    while prefix < tops.len() && prefix < want.len() && same(&tops[prefix], &want[prefix]) {
        prefix += 1;
    }
    let mut suffix = 0;
    while suffix < tops.len() - prefix
        && suffix < want.len() - prefix
        && same(
            &tops[tops.len() - 1 - suffix],
            &want[want.len() - 1 - suffix],
        )
    {
        suffix += 1;
    }
    let mut old = &tops[prefix..tops.len() - suffix];
    let mut new = &want[prefix..want.len() - suffix];
    let mut index = prefix as u32;
    // A split or a join: pair the kept nodes where they share the most text, so the larger
    // part of a split paragraph stays in place (with whatever others type into it) and only
    // the smaller part moves.
    let shift = best_shift(old, new);
    if old.len() < new.len() {
        for want in &new[..shift] {
            insert_top(txn, fragment, index, want, marks);
            index += 1;
        }
        new = &new[shift..];
    } else {
        for _ in 0..shift {
            fragment.remove(txn, index);
        }
        old = &old[shift..];
    }
    let paired = old.len().min(new.len());
    for (top, want) in old.iter().zip(new) {
        match (top, want) {
            (Top::Single(have), Want::Single(block))
                if std::mem::discriminant(&have.block.kind)
                    == std::mem::discriminant(&block.kind) =>
            {
                if let (BlockKind::Heading(a), BlockKind::Heading(b)) =
                    (have.block.kind, block.kind)
                    && a != b
                {
                    have.element.insert_attribute(
                        txn,
                        "level",
                        Any::Number(yrs::Number::Int(b as i64)),
                    );
                }
                update_text(txn, have, block, marks);
            }
            (
                Top::List {
                    element,
                    kind,
                    items,
                },
                Want::List(want_kind, wanted),
            ) if kind == want_kind => update_list(txn, element, items, wanted, marks),
            _ => {
                fragment.remove(txn, index);
                insert_top(txn, fragment, index, want, marks);
            }
        }
        index += 1;
    }
    for _ in paired..old.len() {
        fragment.remove(txn, index);
    }
    for want in &new[paired..] {
        insert_top(txn, fragment, index, want, marks);
        index += 1;
    }
}

/// How many nodes of the longer side to skip before pairing the shorter side with it, chosen
/// to keep the most text (common prefix and suffix of each pair); small middles only.
fn best_shift(old: &[Top], new: &[Want<'_>]) -> usize {
    let (short, long) = (old.len().min(new.len()), old.len().max(new.len()));
    if short == 0 || short == long || short > 4 || long > 64 {
        return 0;
    }
    let text_of = |blocks: Vec<&Block>| -> String {
        blocks
            .iter()
            .map(|b| b.text())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let olds: Vec<String> = old.iter().map(|t| text_of(t.blocks())).collect();
    let news: Vec<String> = new
        .iter()
        .map(|w| match w {
            Want::Single(b) => b.text(),
            Want::List(_, items) => text_of(items.clone()),
        })
        .collect();
    (0..=long - short)
        .max_by_key(|&shift| {
            let kept: usize = (0..short)
                .map(|i| {
                    let (a, b) = if old.len() < new.len() {
                        (&olds[i], &news[shift + i])
                    } else {
                        (&olds[shift + i], &news[i])
                    };
                    common(a, b)
                })
                .sum();
            (kept, std::cmp::Reverse(shift))
        })
        .unwrap_or(0)
}

/// Code points of common prefix and suffix of two texts (not overlapping).
fn common(a: &str, b: &str) -> usize {
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let (la, lb) = (a.chars().count(), b.chars().count());
    let suffix = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take(la.min(lb) - prefix)
        .take_while(|(x, y)| x == y)
        .count();
    prefix + suffix
}

fn equal_content(a: &Block, b: &Block, marks: bool) -> bool {
    if marks {
        a.runs == b.runs
    } else {
        a.text() == b.text()
    }
}

fn update_list(
    txn: &mut TransactionMut,
    list: &XmlElementRef,
    items: &[(XmlElementRef, TextBlock)],
    wanted: &[&Block],
    marks: bool,
) {
    let mut prefix = 0;
    while prefix < items.len()
        && prefix < wanted.len()
        && equal_content(&items[prefix].1.block, wanted[prefix], marks)
    {
        prefix += 1;
    }
    let mut suffix = 0;
    while suffix < items.len() - prefix
        && suffix < wanted.len() - prefix
        && equal_content(
            &items[items.len() - 1 - suffix].1.block,
            wanted[wanted.len() - 1 - suffix],
            marks,
        )
    {
        suffix += 1;
    }
    let old = &items[prefix..items.len() - suffix];
    let new = &wanted[prefix..wanted.len() - suffix];
    let paired = old.len().min(new.len());
    for ((_, have), block) in old.iter().zip(new) {
        update_text(txn, have, block, marks);
    }
    let mut index = (prefix + paired) as u32;
    for _ in paired..old.len() {
        list.remove(txn, index);
    }
    for block in &new[paired..] {
        let item = list.insert(txn, index, XmlElementPrelim::empty(LIST_ITEM));
        let paragraph = item.insert(txn, 0, XmlElementPrelim::empty(PARAGRAPH));
        fill(txn, &paragraph, block);
        index += 1;
    }
}

fn insert_top(
    txn: &mut TransactionMut,
    fragment: &XmlFragmentRef,
    index: u32,
    want: &Want<'_>,
    _marks: bool,
) {
    match want {
        Want::Single(block) => {
            let (tag, level) = match block.kind {
                BlockKind::Heading(level) => (HEADING, Some(level)),
                _ => (PARAGRAPH, None),
            };
            let element = fragment.insert(txn, index, XmlElementPrelim::empty(tag));
            if let Some(level) = level {
                element.insert_attribute(txn, "level", Any::Number(yrs::Number::Int(level as i64)));
            }
            fill(txn, &element, block);
        }
        Want::List(kind, items) => {
            let tag = if *kind == BlockKind::Bullet {
                BULLET_LIST
            } else {
                ORDERED_LIST
            };
            let list = fragment.insert(txn, index, XmlElementPrelim::empty(tag));
            for (i, block) in items.iter().enumerate() {
                let item = list.insert(txn, i as u32, XmlElementPrelim::empty(LIST_ITEM));
                let paragraph = item.insert(txn, 0, XmlElementPrelim::empty(PARAGRAPH));
                fill(txn, &paragraph, block);
            }
        }
    }
}

/// Writes `block`'s runs into a new, empty element; its text is created even when empty, so
/// that people typing into it at once type into one text.
fn fill(txn: &mut TransactionMut, element: &XmlElementRef, block: &Block) {
    let text = element.insert(txn, 0, XmlTextPrelim::new(""));
    let mut at = 0;
    for run in &block.runs {
        text.insert_with_attributes(txn, at, &run.text, mark_attrs(run));
        at += utf16_len(&run.text);
    }
}

/// The formatting attributes of a run: both marks named, `{}` when set and null when not, so
/// that inserted text never takes its neighbour's marks.
pub(crate) fn mark_attrs(run: &Run) -> Attrs {
    let value = |on: bool| {
        if on {
            Any::Map(Arc::new(HashMap::new()))
        } else {
            Any::Null
        }
    };
    Attrs::from([
        (Arc::from(BOLD), value(run.bold)),
        (Arc::from(ITALIC), value(run.italic)),
    ])
}

/// Replaces the changed middle of a block's text (common prefix and suffix kept), then its
/// marks where `marks` asks and they differ.
fn update_text(txn: &mut TransactionMut, have: &TextBlock, block: &Block, marks: bool) {
    if have.split {
        let len = have.element.len(txn);
        have.element.remove_range(txn, 0, len);
        fill(txn, &have.element, block);
        return;
    }
    let old = have.block.text();
    let new = block.text();
    let text = match &have.text {
        Some(text) => text.clone(),
        None if new.is_empty() => return,
        None => have.element.insert(txn, 0, XmlTextPrelim::new("")),
    };
    splice_diff(txn, &text, &old, &new);
    if marks {
        let now = Block {
            kind: block.kind,
            runs: runs_of(txn, &text),
        }
        .normalise();
        if now.runs != block.runs {
            let mut at = 0;
            for run in &block.runs {
                let len = utf16_len(&run.text);
                text.format(txn, at, len, mark_attrs(run));
                at += len;
            }
        }
    }
}

/// Turns `text` (holding `old`) into `new` by one removal and one insertion of the middle
/// that differs.
pub(crate) fn splice_diff(txn: &mut TransactionMut, text: &XmlTextRef, old: &str, new: &str) {
    if old == new {
        return;
    }
    let prefix: usize = old
        .chars()
        .zip(new.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let removed = &old[prefix..old.len() - suffix];
    let inserted = &new[prefix..new.len() - suffix];
    let at = utf16_len(&old[..prefix]);
    if !removed.is_empty() {
        text.remove_range(txn, at, utf16_len(removed));
    }
    if !inserted.is_empty() {
        text.insert(txn, at, inserted);
    }
}

/// Length of `s` in UTF-16 code units, Yjs's unit of text positions.
pub(crate) fn utf16_len(s: &str) -> u32 {
    s.chars().map(|c| c.len_utf16() as u32).sum()
}
