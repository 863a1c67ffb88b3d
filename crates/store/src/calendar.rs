//! Calendar days (`YYYY-MM-DD`) counted in Rust, for the engines whose SQL has no lenient
//! date check (PostgreSQL refuses an invalid date with an error where SQLite answers NULL).
//! Same answers as SQLite's `date(?1, '+N days')` over years 0000–9999.

/// The day `days` after `day` (before it when negative); `None` when `day` is not a calendar
/// date spelled `YYYY-MM-DD`, or the answer falls outside years 0000–9999.
pub(crate) fn add_days(day: &str, days: i64) -> Option<String> {
    let (year, month, date) = parse(day)?;
    let number = days_from_civil(year, month, date).checked_add(days)?;
    let (year, month, date) = civil_from_days(number);
    (0..=9999)
        .contains(&year)
        .then(|| format!("{year:04}-{month:02}-{date:02}"))
}

/// Year, month and day of `text` if it is exactly `YYYY-MM-DD` and names a real day.
fn parse(text: &str) -> Option<(i64, u32, u32)> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range.clone())
            .filter(|part| part.iter().all(u8::is_ascii_digit))
            .and_then(|_| text.get(range))
            .and_then(|part| part.parse::<u32>().ok())
    };
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, date) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let year = i64::from(year);
    // A real day: it survives the round trip through the day count.
    (month >= 1
        && date >= 1
        && civil_from_days(days_from_civil(year, month, date)) == (year, month, date))
        .then_some((year, month, date))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, date: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(date) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of day number `days` since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let date = u32::try_from(day_of_year - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_added_across_months_years_and_leap_days() {
        assert_eq!(add_days("2026-12-06", 0).as_deref(), Some("2026-12-06"));
        assert_eq!(add_days("2026-12-31", 1).as_deref(), Some("2027-01-01"));
        assert_eq!(add_days("2024-02-28", 1).as_deref(), Some("2024-02-29"));
        assert_eq!(add_days("2025-02-28", 1).as_deref(), Some("2025-03-01"));
        assert_eq!(add_days("2025-03-01", -1).as_deref(), Some("2025-02-28"));
        assert_eq!(add_days("2000-03-01", -1).as_deref(), Some("2000-02-29"));
        assert_eq!(add_days("1970-01-01", -1).as_deref(), Some("1969-12-31"));
        assert_eq!(add_days("2026-09-01", -30).as_deref(), Some("2026-08-02"));
    }

    #[test]
    fn what_is_not_a_calendar_date_is_none() {
        for text in [
            "2025-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-01",
            "2026-01-1",
            "26-01-01",
            "2026/01/01",
            "2026-01-01T",
            "",
            "abcd-ef-gh",
            "+026-01-01",
        ] {
            assert_eq!(add_days(text, 1), None, "{text:?}");
        }
        assert_eq!(add_days("9999-12-31", 1), None);
        assert_eq!(add_days("0000-01-01", -1), None);
    }

    #[test]
    fn agrees_with_sqlite_over_many_days() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for (day, offset) in [
            ("2024-02-29", 365),
            ("1900-02-28", 1),
            ("2100-02-28", 1),
            ("2026-12-06", -10_000),
            ("2026-12-06", 100_000),
            ("0001-01-01", 0),
        ] {
            let sqlite: Option<String> = conn
                .query_row(
                    "SELECT CASE WHEN length(?1) = 10 AND date(?1) = ?1
                        THEN date(?1, printf('%+d days', ?2)) END",
                    rusqlite::params![day, offset],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(add_days(day, offset), sqlite, "{day} {offset:+}");
        }
    }
}
