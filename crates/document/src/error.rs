//! What can go wrong with a document: refused edits, bad pointers and versions, broken documents.
//!
//! `Display` is English for logs and programs; [`DocError::message_ru`] is the Russian sentence
//! for the person who made the edit.

use automerge::AutomergeError;
use forms::{EditError, LookupError};

/// An operation on a document failed; the document is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The document names a form (or a region) the catalogue does not know.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The schema refuses the edit: no such field, or a value of the wrong kind.
    #[error(transparent)]
    Refused(#[from] EditError),
    /// The pointer is not a well-formed JSON pointer for this edit.
    #[error("{pointer}: bad pointer: {problem}")]
    BadPointer {
        /// The pointer as given.
        pointer: String,
        /// What is wrong with it.
        problem: PointerProblem,
    },
    /// Nothing is at this place of the document (the schema may know it, the document does not
    /// have it yet).
    #[error("{pointer}: the document has no value here")]
    NotFound {
        /// The first place on the way that does not exist.
        pointer: String,
    },
    /// A row or item index past the end of its table or list.
    #[error("{pointer}: index out of range, the {} has {len} elements", if *.table { "table" } else { "list" })]
    IndexOutOfRange {
        /// The pointer of the missing element.
        pointer: String,
        /// How many elements there are.
        len: usize,
        /// Whether the list is a table (rows) rather than a list of plain values.
        table: bool,
    },
    /// An insertion into something that is not a table or a list.
    #[error("{pointer}: not a list, cannot insert into it")]
    NotAList {
        /// The pointer of the would-be list.
        pointer: String,
    },
    /// A text splice on something that is not a text.
    #[error("{pointer}: not a text, cannot splice it")]
    NotAText {
        /// The pointer of the value.
        pointer: String,
    },
    /// A text splice reaching past the end of the text.
    #[error(
        "{pointer}: splice at {at} deleting {delete} is past the end of a text of {len} characters"
    )]
    SpliceOutOfRange {
        /// The pointer of the text.
        pointer: String,
        /// Where the splice starts, in Unicode code points.
        at: usize,
        /// How many code points it deletes.
        delete: usize,
        /// Length of the text in Unicode code points.
        len: usize,
    },
    /// The Automerge document does not have the layout of a form document.
    #[error("not a form document: {problem}")]
    NotADocument {
        /// What is missing or malformed.
        problem: String,
    },
    /// A version (change hash) the document does not contain.
    #[error("unknown version {hash}")]
    UnknownHeads {
        /// The hash, in hex.
        hash: String,
    },
    /// A list of versions that does not parse.
    #[error("cannot parse heads {input:?}: expected comma-separated hex change hashes")]
    BadHeads {
        /// The text as given.
        input: String,
    },
    /// The document nests objects deeper than [`crate::MAX_DEPTH`] levels: no form does, and
    /// reading it would take a frame per level. Only a peer writing past our edit checks makes
    /// such a document.
    #[error("the document nests deeper than {limit} levels")]
    TooDeep {
        /// The limit, [`crate::MAX_DEPTH`].
        limit: usize,
    },
    /// Automerge refused an operation (a bug of ours or a corrupt document).
    #[error("automerge: {0}")]
    Automerge(#[from] AutomergeError),
}

/// Why a pointer is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerProblem {
    /// A non-empty pointer must start with `/`.
    NoLeadingSlash,
    /// `~` must be followed by `0` or `1`.
    BadEscape,
    /// A segment inside a list is neither an index nor (for insertion) `-`.
    NotAnIndex,
    /// `-` (the end of a list) is only meaningful as the place of an insertion.
    AppendOutsideInsert,
    /// The edit needs a place inside the document, not the document itself.
    WholeDocument,
}

impl std::fmt::Display for PointerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PointerProblem::NoLeadingSlash => "must start with '/'",
            PointerProblem::BadEscape => "'~' must be followed by '0' or '1'",
            PointerProblem::NotAnIndex => "a list element must be addressed by its index",
            PointerProblem::AppendOutsideInsert => "'-' may only end the pointer of an insertion",
            PointerProblem::WholeDocument => "the edit needs a field, not the whole document",
        })
    }
}

impl PointerProblem {
    fn message_ru(self) -> &'static str {
        match self {
            PointerProblem::NoLeadingSlash => "адрес поля должен начинаться с «/»",
            PointerProblem::BadEscape => "после «~» может стоять только «0» или «1»",
            PointerProblem::NotAnIndex => "строку таблицы или пункт списка указывают номером",
            PointerProblem::AppendOutsideInsert => {
                "«-» (конец списка) можно указать только при вставке"
            }
            PointerProblem::WholeDocument => "нужно указать поле, а не весь документ",
        }
    }
}

impl DocError {
    /// The error in Russian, for the person who made the edit: it names the place by its
    /// pointer and says what is wrong in plain words.
    pub fn message_ru(&self) -> String {
        match self {
            DocError::Lookup(e) => lookup_ru(e),
            DocError::Refused(EditError::Lookup(e)) => lookup_ru(e),
            DocError::Refused(e) => e.message_ru(),
            DocError::BadPointer { pointer, problem } => {
                format!("«{pointer}»: неверный адрес поля: {}", problem.message_ru())
            }
            DocError::NotFound { pointer } => format!("{pointer}: в документе здесь ничего нет"),
            DocError::IndexOutOfRange {
                pointer,
                len,
                table,
            } => {
                if *table {
                    format!("{pointer}: в таблице {len} {}", plural(*len, ROWS))
                } else {
                    format!("{pointer}: в списке {len} {}", plural(*len, ITEMS))
                }
            }
            DocError::NotAList { pointer } => {
                format!("{pointer}: это не таблица и не список, вставлять сюда нельзя")
            }
            DocError::NotAText { pointer } => {
                format!("{pointer}: это не текст, править его по буквам нельзя")
            }
            DocError::SpliceOutOfRange {
                pointer,
                at,
                delete,
                len,
            } => format!(
                "{pointer}: в тексте {len} {}, правка с позиции {at} длиной {delete} выходит за его конец",
                plural(*len, CHARS)
            ),
            DocError::NotADocument { problem } => {
                format!("это не документ формы или он повреждён ({problem})")
            }
            DocError::UnknownHeads { hash } => {
                format!("версия {hash} этому документу не известна")
            }
            DocError::BadHeads { input } => {
                format!("«{input}» — не список версий (шестнадцатеричные хэши через запятую)")
            }
            DocError::TooDeep { limit } => format!(
                "документ вложен глубже {limit} {} — в формах так глубоко не бывает, \
                 прочитать его нельзя",
                if limit % 10 == 1 && limit % 100 != 11 {
                    "уровня"
                } else {
                    "уровней"
                }
            ),
            DocError::Automerge(e) => format!("внутренняя ошибка документа: {e}"),
        }
    }
}

fn lookup_ru(e: &LookupError) -> String {
    match e {
        LookupError::UnknownForm { form, known } => {
            format!("форма «{form}» не известна; есть: {}", known.join(", "))
        }
        LookupError::UnknownRegion { region, known } => {
            format!("регион «{region}» не известен; есть: {}", known.join(", "))
        }
        LookupError::NoRequirementSet { form, region } => {
            format!("у региона «{region}» нет требований к форме «{form}»")
        }
        LookupError::UnknownMunicipality { .. } => e.message_ru(),
    }
}

/// Russian word forms for one, few (2–4) and many.
type Forms = [&'static str; 3];
const ROWS: Forms = ["строка", "строки", "строк"];
const ITEMS: Forms = ["элемент", "элемента", "элементов"];
const CHARS: Forms = ["символ", "символа", "символов"];

/// The form of a Russian noun after the number `n`: 1 строка, 2 строки, 5 строк, 21 строка.
fn plural(n: usize, forms: Forms) -> &'static str {
    let (tens, units) = (n % 100, n % 10);
    if (11..=14).contains(&tens) {
        forms[2]
    } else if units == 1 {
        forms[0]
    } else if (2..=4).contains(&units) {
        forms[1]
    } else {
        forms[2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals_follow_the_last_digits() {
        assert_eq!(plural(1, ROWS), "строка");
        assert_eq!(plural(2, ROWS), "строки");
        assert_eq!(plural(5, ROWS), "строк");
        assert_eq!(plural(11, ROWS), "строк");
        assert_eq!(plural(21, ROWS), "строка");
        assert_eq!(plural(0, ROWS), "строк");
    }

    #[test]
    fn too_deep_names_the_limit_in_russian() {
        let e = DocError::TooDeep { limit: 32 };
        assert_eq!(
            e.message_ru(),
            "документ вложен глубже 32 уровней — в формах так глубоко не бывает, прочитать его нельзя"
        );
        assert!(
            DocError::TooDeep { limit: 21 }
                .message_ru()
                .contains("21 уровня")
        );
    }

    #[test]
    fn index_out_of_range_names_the_table_size_in_russian() {
        let e = DocError::IndexOutOfRange {
            pointer: "/action_plan/3".into(),
            len: 2,
            table: true,
        };
        assert_eq!(e.message_ru(), "/action_plan/3: в таблице 2 строки");
    }
}
