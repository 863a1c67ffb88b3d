//! Reading a document a person hands to the CLI: a file or standard input, bounded in size,
//! checked for UTF-8 and parsed as JSON with a Russian message that says where it broke.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// The largest document the CLI accepts. Real programmes are well under a megabyte; the bound
/// keeps memory predictable when someone passes the wrong file.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Why a document could not be read. `Display` is the Russian message for the person.
#[derive(Debug)]
pub enum InputError {
    /// The file could not be opened or read.
    Io { name: String, error: std::io::Error },
    /// The file is larger than [`MAX_DOCUMENT_BYTES`].
    TooLarge { name: String },
    /// The bytes are not UTF-8.
    NotUtf8 {
        name: String,
        line: usize,
        column: usize,
    },
    /// The text is not well-formed JSON.
    Json {
        name: String,
        line: usize,
        column: usize,
        detail: String,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io { name, error } => {
                write!(f, "{name}: не удалось прочитать: {}", io_reason(error))
            }
            InputError::TooLarge { name } => write!(
                f,
                "{name}: файл слишком большой (больше {} МБ); документ формы не бывает таким большим — проверьте, тот ли это файл",
                MAX_DOCUMENT_BYTES / 1024 / 1024
            ),
            InputError::NotUtf8 { name, line, column } => write!(
                f,
                "{name}: строка {line}, столбец {column}: текст не в кодировке UTF-8; сохраните файл в UTF-8"
            ),
            InputError::Json {
                name,
                line,
                column,
                detail,
            } => {
                write!(
                    f,
                    "{name}: строка {line}, столбец {column}: неверный JSON: {detail}"
                )
            }
        }
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "файл не найден".to_owned(),
        std::io::ErrorKind::PermissionDenied => "нет прав на чтение".to_owned(),
        std::io::ErrorKind::IsADirectory => "это папка, а не файл".to_owned(),
        _ => error.to_string(),
    }
}

/// Reads and parses a JSON document from a path, or from standard input when the path is `-`.
pub fn read_document(path: &Path) -> Result<Value, InputError> {
    let name = if path == Path::new("-") {
        "стандартный ввод".to_owned()
    } else {
        path.display().to_string()
    };
    let io = |error| InputError::Io {
        name: name.clone(),
        error,
    };
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    reader
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(InputError::TooLarge { name });
    }
    parse_document(&name, &bytes)
}

/// Parses bytes as a JSON document; `name` says where they came from in messages.
pub fn parse_document(name: &str, bytes: &[u8]) -> Result<Value, InputError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let (line, column) = position(&bytes[..e.valid_up_to()]);
        return Err(InputError::NotUtf8 {
            name: name.to_owned(),
            line,
            column,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| InputError::Json {
        name: name.to_owned(),
        line: e.line(),
        column: e.column(),
        detail: json_reason(&e),
    })
}

/// 1-based line and column just after `prefix`.
fn position(prefix: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(prefix);
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let detail = text.split(" at line ").next().unwrap_or(&text);
    let russian = match detail {
        d if d.starts_with("recursion limit exceeded") => "слишком глубокая вложенность",
        d if d.starts_with("EOF while parsing") => "текст обрывается раньше, чем закончен JSON",
        d if d.starts_with("trailing characters") => "после конца JSON есть лишние символы",
        d if d.starts_with("trailing comma") => "лишняя запятая",
        d if d.starts_with("expected value") => "ожидалось значение",
        d if d.starts_with("key must be a string") => "имя поля должно быть в кавычках",
        d if d.starts_with("expected `:`") => "после имени поля ожидается двоеточие",
        d if d.starts_with("expected `,` or `}`") => "ожидается запятая или }",
        d if d.starts_with("expected `,` or `]`") => "ожидается запятая или ]",
        d if d.starts_with("control character") => "управляющий символ внутри строки",
        d if d.starts_with("invalid escape") => "неверная escape-последовательность",
        d if d.starts_with("invalid number") || d.starts_with("number out of range") => {
            "неверное число"
        }
        _ => return format!("ошибка разбора ({detail})"),
    };
    russian.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = parse_document("x.json", b"{\n  \"a\": 1,\n  \"b\": ]\n}").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("x.json: строка 3, столбец 8: неверный JSON"),
            "{text}"
        );
    }

    #[test]
    fn invalid_utf8_reports_position() {
        let err = parse_document("x.json", b"{\n \"a\": \"\xff\"}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: строка 2, столбец 8: текст не в кодировке UTF-8; сохраните файл в UTF-8"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let err = parse_document("deep.json", deep.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("слишком глубокая вложенность"),
            "{err}"
        );
    }
}
