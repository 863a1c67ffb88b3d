//! Russian wording of findings: field names from titles, and what each schema keyword means to
//! a person filling in a form.

use jsonschema::JsonType;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::schema_docs::Label;

/// Separator between the steps of a field's name: «Раздел → строка 3 → Поле».
const STEP: &str = " → ";

/// «План повышения квалификации → строка 3 → Объём, часов»; the root is «Документ».
pub(crate) fn field_name(labels: &[Label]) -> String {
    if labels.is_empty() {
        return "Документ".to_owned();
    }
    let mut out = String::new();
    for (i, label) in labels.iter().enumerate() {
        if i > 0 {
            out.push_str(STEP);
        }
        match label {
            Label::Field(title) => out.push_str(title),
            Label::Row(n) => out.push_str(&format!("строка {n}")),
            Label::Item(n) => out.push_str(&format!("пункт {n}")),
            Label::Named(name) => out.push_str(name),
        }
    }
    out
}

/// «Поле: сообщение (требование Ленинградской области)».
pub(crate) fn finding(field: &str, message: &str, suffix: Option<&str>) -> String {
    match suffix {
        Some(suffix) => format!("{field}: {message} ({suffix})"),
        None => format!("{field}: {message}"),
    }
}

/// How many rows a grouped finding names before «и ещё N».
const ROWS_NAMED: usize = 3;

/// One field name for the same field in several rows, if `names` (as [`field_name`] writes
/// them) differ in exactly one step, the row: «План мероприятий → 2021 год, № 1; 2021 год,
/// № 2; 2022 год, № 1 и ещё 5 → Сроки». `None` when they differ in more steps or none.
pub(crate) fn rows_name(names: &[String]) -> Option<String> {
    let split: Vec<Vec<&str>> = names.iter().map(|n| n.split(STEP).collect()).collect();
    let first = split.first()?;
    if split.iter().any(|steps| steps.len() != first.len()) {
        return None;
    }
    let mut differing =
        (0..first.len()).filter(|&i| split.iter().any(|steps| steps[i] != first[i]));
    let row = differing.next()?;
    if differing.next().is_some() {
        return None;
    }
    let rows: Vec<&str> = split.iter().map(|steps| steps[row]).collect();
    let mut named = rows[..rows.len().min(ROWS_NAMED)].join("; ");
    if rows.len() > ROWS_NAMED {
        named.push_str(&format!(" и ещё {}", rows.len() - ROWS_NAMED));
    }
    let mut steps: Vec<&str> = first.clone();
    steps[row] = &named;
    Some(steps.join(STEP))
}

/// Russian name of a JSON type, in the accusative-free form used after «ожидается».
fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "список",
        JsonType::Boolean => "да или нет",
        JsonType::Integer => "целое число",
        JsonType::Null => "пустое значение",
        JsonType::Number => "число",
        JsonType::Object => "раздел с полями (объект)",
        JsonType::String => "текст",
    }
}

/// What the value actually is, in Russian.
pub(crate) fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "пустое значение",
        Value::Bool(_) => "да или нет",
        Value::Number(n) if n.is_i64() || n.is_u64() => "целое число",
        Value::Number(_) => "число",
        Value::String(_) => "текст",
        Value::Array(_) => "список",
        Value::Object(_) => "раздел с полями (объект)",
    }
}

fn quote(value: &Value) -> String {
    const MAX_CHARS: usize = 60;
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_CHARS {
        let cut: String = text.chars().take(MAX_CHARS).collect();
        format!("«{cut}…»")
    } else {
        format!("«{text}»")
    }
}

fn number(limit: &Value) -> String {
    match limit.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => limit.to_string(),
    }
}

/// «уровня» or «уровней» after «глубже N»: the genitive, singular after 1, 21, 31 …
pub(crate) fn levels_genitive(n: usize) -> &'static str {
    if n % 10 == 1 && n % 100 != 11 {
        "уровня"
    } else {
        "уровней"
    }
}

/// Plural of «символ» / «строка» / «пункт» after a number.
fn plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

/// The Russian message for one schema error, without the field name.
///
/// `choices` are the allowed values of an enumeration field with their titles, when the failing
/// field is one; `rows` says whether the array holds table rows (objects) or plain values.
pub(crate) fn schema_message(
    kind: &ValidationErrorKind,
    instance: &Value,
    choices: Option<&[(&Value, Option<&str>)]>,
    rows: bool,
) -> String {
    use ValidationErrorKind as K;
    match kind {
        K::Required { .. } => "обязательное поле не заполнено".to_owned(),
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => type_name(*t).to_owned(),
                TypeKind::Multiple(ts) => {
                    ts.iter().map(type_name).collect::<Vec<_>>().join(" или ")
                }
            };
            format!("ожидается {expected}, указано: {}", value_kind(instance))
        }
        K::Format { format } => match format.as_str() {
            "date" => format!(
                "дата должна быть в формате ГГГГ-ММ-ДД, например 2025-09-01 (указано {})",
                quote(instance)
            ),
            "email" => format!("неверный адрес электронной почты {}", quote(instance)),
            "uri" => format!("неверная ссылка {}", quote(instance)),
            other => format!("значение {} не в формате «{other}»", quote(instance)),
        },
        K::Minimum { limit } => format!("не менее {}", number(limit)),
        K::Maximum { limit } => format!("не более {}", number(limit)),
        K::ExclusiveMinimum { limit } => format!("должно быть больше {}", number(limit)),
        K::ExclusiveMaximum { limit } => format!("должно быть меньше {}", number(limit)),
        K::MinLength { limit: 1 } => "поле не должно быть пустым".to_owned(),
        K::MinLength { limit } => format!(
            "не короче {limit} {}",
            plural(*limit, "символа", "символов", "символов")
        ),
        K::MaxLength { limit } => format!(
            "не длиннее {limit} {}",
            plural(*limit, "символа", "символов", "символов")
        ),
        K::MinItems { limit } if rows => format!(
            "нужно не менее {limit} {}",
            plural(*limit, "строки", "строк", "строк")
        ),
        K::MinItems { limit } => format!(
            "нужно не менее {limit} {}",
            plural(*limit, "пункта", "пунктов", "пунктов")
        ),
        K::MaxItems { limit } => format!("не более {limit} элементов"),
        K::UniqueItems => "значения в списке повторяются".to_owned(),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            format!("поля, которых нет в форме: {}", unexpected.join(", "))
        }
        K::Constant { expected_value } => format!("должно быть {}", quote(expected_value)),
        K::Enum { .. } | K::OneOfNotValid { .. } | K::AnyOf { .. } => match choices {
            Some(choices) if !choices.is_empty() => {
                let allowed = choices
                    .iter()
                    .map(|(value, title)| title.map_or_else(|| quote(value), |t| format!("«{t}»")))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "значение {} не из списка; допустимо: {allowed}",
                    quote(instance)
                )
            }
            _ => "значение не подходит ни под один из допустимых вариантов".to_owned(),
        },
        K::Pattern { .. } => format!("неверный формат значения {}", quote(instance)),
        K::Contains => "в списке нет обязательного элемента".to_owned(),
        K::MultipleOf { .. } => "значение не кратно требуемому шагу".to_owned(),
        _ => "значение не соответствует требованиям формы".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_read_as_titles_with_rows() {
        let labels = [
            Label::Field("План повышения квалификации".into()),
            Label::Row(3),
            Label::Field("Объём, часов".into()),
        ];
        assert_eq!(
            field_name(&labels),
            "План повышения квалификации → строка 3 → Объём, часов"
        );
        assert_eq!(field_name(&[]), "Документ");
    }

    #[test]
    fn plurals_follow_russian_grammar() {
        assert_eq!(plural(1, "строки", "строк", "строк"), "строки");
        assert_eq!(plural(3, "a", "b", "c"), "b");
        assert_eq!(plural(11, "a", "b", "c"), "c");
        assert_eq!(plural(22, "a", "b", "c"), "b");
        assert_eq!(plural(10, "a", "b", "c"), "c");
    }
}
