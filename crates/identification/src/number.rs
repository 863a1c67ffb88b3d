//! Numbers as Russian tables write them: a decimal comma.

/// Parses `3,31`, `3.31`, `0,5 %` (a trailing per cent sign is allowed).
///
/// # Errors
///
/// A Russian message for anything else (including infinities and `NaN`).
pub fn parse(text: &str) -> Result<f64, String> {
    let bare = text
        .trim()
        .trim_end_matches('%')
        .trim()
        .replace(['\u{a0}', ' '], "");
    let value: f64 = bare
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("не число: «{text}»"))?;
    if value.is_finite()
        && bare
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+'))
    {
        Ok(value)
    } else {
        Err(format!("не число: «{text}»"))
    }
}

/// Rounds away the binary noise of sums and differences (`0.1 + 0.2`), to 1e-9.
pub fn clean(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

/// A number with a decimal comma and no trailing zeros: `3,31`, `60`, `0,5`.
pub fn russian(value: f64) -> String {
    let text = format!("{:.6}", clean(value));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    text.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_decimal_commas_and_points() {
        assert_eq!(parse("3,31"), Ok(3.31));
        assert_eq!(parse("3.31"), Ok(3.31));
        assert_eq!(parse("0,5 %"), Ok(0.5));
        assert_eq!(parse("60"), Ok(60.0));
        assert!(parse("три").is_err());
        assert!(parse("inf").is_err());
        assert!(parse("NaN").is_err());
        assert!(parse("1e3").is_err());
    }

    #[test]
    fn writes_decimal_commas() {
        assert_eq!(russian(3.31), "3,31");
        assert_eq!(russian(3.5), "3,5");
        assert_eq!(russian(60.0), "60");
        assert_eq!(russian(0.1 + 0.2), "0,3");
        assert_eq!(russian(-0.0), "0");
    }
}
