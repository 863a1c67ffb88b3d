//! The content of a narrative as plain data: blocks (paragraphs, headings, list items) of
//! runs of text with marks, their plain-text form, and the Markdown subset people import.
//!
//! Plain text is one line per block: a paragraph or a heading is its text, a bullet item
//! starts with `• `, an ordered item with its number (`1. `, counted within a run of ordered
//! items). Validation, display, exports and diffs read this form; splices count its code points.

use serde_json::{Value, json};

/// What kind of block a line of a narrative is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph.
    Paragraph,
    /// A heading of level 1–6.
    Heading(u8),
    /// An item of a bullet list.
    Bullet,
    /// An item of an ordered list.
    Ordered,
}

/// A stretch of text with the same marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The text.
    pub text: String,
    /// Bold (ProseMirror mark `bold`).
    pub bold: bool,
    /// Italic (ProseMirror mark `italic`).
    pub italic: bool,
}

impl Run {
    /// Unmarked text.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }
}

/// One block: a paragraph, a heading or a list item, holding runs of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What kind of block.
    pub kind: BlockKind,
    /// Its text, in runs of equal marks (adjacent runs differ in marks; none is empty).
    pub runs: Vec<Run>,
}

impl Block {
    /// A block of `kind` holding unmarked `text`.
    pub fn plain(kind: BlockKind, text: &str) -> Self {
        Self {
            kind,
            runs: if text.is_empty() {
                Vec::new()
            } else {
                vec![Run::plain(text)]
            },
        }
    }

    /// The block's text without marks or list marker.
    pub fn text(&self) -> String {
        self.runs.iter().map(|run| run.text.as_str()).collect()
    }

    /// Merges adjacent runs with equal marks and drops empty ones.
    pub(crate) fn normalise(mut self) -> Self {
        let mut runs: Vec<Run> = Vec::with_capacity(self.runs.len());
        for run in self.runs.drain(..) {
            if run.text.is_empty() {
                continue;
            }
            match runs.last_mut() {
                Some(last) if last.bold == run.bold && last.italic == run.italic => {
                    last.text.push_str(&run.text);
                }
                _ => runs.push(run),
            }
        }
        self.runs = runs;
        self
    }
}

/// The list markers of `blocks` in plain text, one per block (`""` for paragraphs and
/// headings).
pub(crate) fn markers(blocks: &[Block]) -> Vec<String> {
    let mut number = 0;
    blocks
        .iter()
        .map(|block| match block.kind {
            BlockKind::Ordered => {
                number += 1;
                format!("{number}. ")
            }
            BlockKind::Bullet => {
                number = 0;
                "• ".to_owned()
            }
            BlockKind::Paragraph | BlockKind::Heading(_) => {
                number = 0;
                String::new()
            }
        })
        .collect()
}

/// The plain text of `blocks`: one line per block, list items with their markers.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (i, (block, marker)) in blocks.iter().zip(markers(blocks)).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&marker);
        for run in &block.runs {
            out.push_str(&run.text);
        }
    }
    out
}

/// Splits a line of plain text into its block kind and text: `• ` makes a bullet item,
/// digits and `. ` an ordered item, anything else a paragraph.
pub(crate) fn parse_line(line: &str) -> (BlockKind, &str) {
    if let Some(rest) = line.strip_prefix("• ") {
        return (BlockKind::Bullet, rest);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = line[digits..].strip_prefix(". ")
    {
        return (BlockKind::Ordered, rest);
    }
    (BlockKind::Paragraph, line)
}

/// The ProseMirror JSON of `blocks` as TipTap's StarterKit names nodes and marks
/// (`doc`, `paragraph`, `heading{level}`, `bulletList`, `orderedList`, `listItem`, `text`
/// with marks `bold` and `italic`): what `y-prosemirror` reads from the same fragment.
pub fn prosemirror_json(blocks: &[Block]) -> Value {
    let mut content: Vec<Value> = Vec::new();
    let mut list: Option<(BlockKind, Vec<Value>)> = None;
    let flush = |list: &mut Option<(BlockKind, Vec<Value>)>, content: &mut Vec<Value>| {
        if let Some((kind, items)) = list.take() {
            let name = if kind == BlockKind::Bullet {
                "bulletList"
            } else {
                "orderedList"
            };
            content.push(json!({"type": name, "content": items}));
        }
    };
    for block in blocks {
        let paragraph = node_with_text("paragraph", None, &block.runs);
        match block.kind {
            BlockKind::Bullet | BlockKind::Ordered => {
                if list.as_ref().is_some_and(|(kind, _)| *kind != block.kind) {
                    flush(&mut list, &mut content);
                }
                let item = json!({"type": "listItem", "content": [paragraph]});
                list.get_or_insert_with(|| (block.kind, Vec::new()))
                    .1
                    .push(item);
            }
            BlockKind::Paragraph => {
                flush(&mut list, &mut content);
                content.push(paragraph);
            }
            BlockKind::Heading(level) => {
                flush(&mut list, &mut content);
                content.push(node_with_text("heading", Some(level), &block.runs));
            }
        }
    }
    flush(&mut list, &mut content);
    json!({"type": "doc", "content": content})
}

fn node_with_text(name: &str, level: Option<u8>, runs: &[Run]) -> Value {
    let mut node = json!({"type": name});
    if let Some(level) = level {
        node["attrs"] = json!({"level": level});
    }
    let texts: Vec<Value> = runs
        .iter()
        .map(|run| {
            let mut text = json!({"type": "text", "text": run.text});
            let mut marks = Vec::new();
            if run.bold {
                marks.push(json!({"type": "bold"}));
            }
            if run.italic {
                marks.push(json!({"type": "italic"}));
            }
            if !marks.is_empty() {
                text["marks"] = Value::Array(marks);
            }
            text
        })
        .collect();
    if !texts.is_empty() {
        node["content"] = Value::Array(texts);
    }
    node
}

/// Reads the Markdown subset narratives hold: ATX headings (`#`…`######`), bullet items
/// (`-`, `*`, `+`), ordered items (`1.`), paragraphs separated by blank lines (the lines of
/// one paragraph are joined by a space), and inline `**bold**`, `__bold__`, `*italic*`,
/// `_italic_`. Anything else is text as written.
pub fn parse_markdown(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            let text = paragraph.join(" ");
            blocks.push(inline(BlockKind::Paragraph, &text));
            paragraph.clear();
        }
    };
    for raw in markdown.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut paragraph, &mut blocks);
            continue;
        }
        let hashes = line.bytes().take_while(|b| *b == b'#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            flush(&mut paragraph, &mut blocks);
            blocks.push(inline(
                BlockKind::Heading(hashes as u8),
                line[hashes..].trim(),
            ));
            continue;
        }
        if let Some(rest) = ["- ", "* ", "+ "]
            .iter()
            .find_map(|marker| line.strip_prefix(marker))
        {
            flush(&mut paragraph, &mut blocks);
            blocks.push(inline(BlockKind::Bullet, rest.trim()));
            continue;
        }
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && let Some(rest) = line[digits..].strip_prefix(". ")
        {
            flush(&mut paragraph, &mut blocks);
            blocks.push(inline(BlockKind::Ordered, rest.trim()));
            continue;
        }
        paragraph.push(line);
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

/// One block's inline Markdown: `**`/`__` toggle bold, `*`/`_` toggle italic (an unclosed
/// marker is text).
fn inline(kind: BlockKind, text: &str) -> Block {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let (mut bold, mut italic) = (false, false);
    let mut current = String::new();
    let closes = |from: usize, marker: &[char]| -> bool {
        chars[from..]
            .windows(marker.len())
            .any(|window| window == marker)
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if (c == '*' || c == '_') && chars.get(i + 1) == Some(&c) {
            let marker = [c, c];
            if bold || closes(i + 2, &marker) {
                runs.push(Run {
                    text: std::mem::take(&mut current),
                    bold,
                    italic,
                });
                bold = !bold;
                i += 2;
                continue;
            }
        } else if c == '*' || c == '_' {
            let marker = [c];
            if italic || closes(i + 1, &marker) {
                runs.push(Run {
                    text: std::mem::take(&mut current),
                    bold,
                    italic,
                });
                italic = !italic;
                i += 1;
                continue;
            }
        }
        current.push(c);
        i += 1;
    }
    runs.push(Run {
        text: current,
        bold,
        italic,
    });
    Block { kind, runs }.normalise()
}
