//! The timing of a schedule row: when a plan action, a training, a monitoring stage or an
//! agreement's event happens, as the source documents write it.
//!
//! A moment is a day (`2025-09-01`), a month (`2025-09`) or a year (`2025`). A timing is one of
//! `{"at": moment}`, `{"from": moment, "to": moment}`, `{"intervals": [part, …]}` (a part is an
//! `at` or a `from`/`to`) or `{"recurring": kind}`, each with an optional free-text `note`
//! (`common.schema.json#/$defs/timing`). This module parses it, gives its earliest and latest
//! day, renders it in Russian, and implements the JSON Logic operators rules use on it
//! (`timing_ordered`, `timing_within`, `timing_first`, `timing_last`; `forms/README.md` is
//! their specification).

use std::fmt;

use serde_json::Value;

/// A calendar day; ordered by date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    /// The year.
    pub year: u16,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31 (valid for its month).
    pub day: u8,
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A point of a schedule at the precision the document gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A day: `2025-09-01`.
    Day(Day),
    /// A month: `2025-09`.
    Month {
        /// The year.
        year: u16,
        /// The month, 1–12.
        month: u8,
    },
    /// A year: `2025`.
    Year(u16),
}

/// Days in `month` of `year` (Gregorian).
fn days_in(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn digits(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Moment {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a real day); `None` for anything else.
    pub fn parse(text: &str) -> Option<Moment> {
        // Byte by byte: rules parse a moment per table row.
        let bytes = text.as_bytes();
        let number = |range: std::ops::Range<usize>| {
            bytes[range].iter().try_fold(0u16, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0'))
            })
        };
        let dash = |at: usize| bytes[at] == b'-';
        let year = match bytes.len() {
            4 | 7 | 10 => number(0..4)?,
            _ => return None,
        };
        if bytes.len() == 4 {
            return Some(Moment::Year(year));
        }
        let month = u8::try_from(number(5..7)?).ok()?;
        if !dash(4) || !(1..=12).contains(&month) {
            return None;
        }
        if bytes.len() == 7 {
            return Some(Moment::Month { year, month });
        }
        let day = u8::try_from(number(8..10)?).ok()?;
        (dash(7) && (1..=days_in(year, month)).contains(&day)).then_some(Moment::Day(Day {
            year,
            month,
            day,
        }))
    }

    /// The first day the moment covers.
    pub fn first_day(self) -> Day {
        match self {
            Moment::Day(day) => day,
            Moment::Month { year, month } => Day {
                year,
                month,
                day: 1,
            },
            Moment::Year(year) => Day {
                year,
                month: 1,
                day: 1,
            },
        }
    }

    /// The last day the moment covers.
    pub fn last_day(self) -> Day {
        match self {
            Moment::Day(day) => day,
            Moment::Month { year, month } => Day {
                year,
                month,
                day: days_in(year, month),
            },
            Moment::Year(year) => Day {
                year,
                month: 12,
                day: 31,
            },
        }
    }

    /// Russian: «1 сентября 2025 г.», «сентябрь 2025», «2025 год».
    fn render(self, out: &mut String) {
        match self {
            Moment::Day(Day { year, month, day }) => out.push_str(&format!(
                "{day} {} {year} г.",
                MONTHS_GENITIVE[month as usize - 1]
            )),
            Moment::Month { year, month } => {
                out.push_str(&format!("{} {year}", MONTHS[month as usize - 1]))
            }
            Moment::Year(year) => out.push_str(&format!("{year} год")),
        }
    }
}

const MONTHS: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

const MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// A period from one moment to another (both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Where it starts.
    pub from: Moment,
    /// Where it ends.
    pub to: Moment,
}

impl Span {
    /// Whether the end is not before the start: the last day `to` covers is not before the
    /// first day `from` covers.
    pub fn ordered(self) -> bool {
        self.to.last_day() >= self.from.first_day()
    }

    fn render(self, out: &mut String) {
        match (self.from, self.to) {
            (Moment::Month { year: a, month: m }, Moment::Month { year: b, month: n })
                if a == b =>
            {
                if m == n {
                    Moment::Month { year: a, month: m }.render(out);
                } else {
                    out.push_str(&format!(
                        "{}–{} {a}",
                        MONTHS[m as usize - 1],
                        MONTHS[n as usize - 1]
                    ));
                }
            }
            (Moment::Year(a), Moment::Year(b)) => {
                if a == b {
                    Moment::Year(a).render(out);
                } else {
                    out.push_str(&format!("{a}–{b} годы"));
                }
            }
            (from, to) if from == to => from.render(out),
            (from, to) => {
                from.render(out);
                out.push_str(" – ");
                to.render(out);
            }
        }
    }
}

/// How a recurring activity repeats, as the sources say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// «в течение года»
    DuringYear,
    /// «ежегодно»
    Annually,
    /// «ежеквартально»
    Quarterly,
    /// «ежемесячно»
    Monthly,
    /// «еженедельно»
    Weekly,
    /// «постоянно»
    Continuously,
    /// «по мере необходимости»
    AsNeeded,
    /// «по отдельному графику»
    SeparateSchedule,
}

impl Recurrence {
    /// Every code with its Russian words, in the order of the schema.
    pub const ALL: [(Recurrence, &'static str, &'static str); 8] = [
        (Recurrence::DuringYear, "during_year", "в течение года"),
        (Recurrence::Annually, "annually", "ежегодно"),
        (Recurrence::Quarterly, "quarterly", "ежеквартально"),
        (Recurrence::Monthly, "monthly", "ежемесячно"),
        (Recurrence::Weekly, "weekly", "еженедельно"),
        (Recurrence::Continuously, "continuously", "постоянно"),
        (Recurrence::AsNeeded, "as_needed", "по мере необходимости"),
        (
            Recurrence::SeparateSchedule,
            "separate_schedule",
            "по отдельному графику",
        ),
    ];

    /// The recurrence a code names.
    pub fn from_code(code: &str) -> Option<Recurrence> {
        Self::ALL
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(r, _, _)| *r)
    }

    /// The Russian words.
    pub fn russian(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(r, _, _)| *r == self)
            .map(|(_, _, words)| *words)
            .unwrap_or_default()
    }
}

/// When something happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// At one moment.
    At(Moment),
    /// Over one period.
    Span(Span),
    /// Over several periods or moments (a moment is a span from itself to itself).
    Intervals(Vec<Span>),
    /// Repeatedly, without dates.
    Recurring(Recurrence),
}

/// A parsed timing: when, and the free-text note beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// When.
    pub when: When,
    /// The free-text note (`note`), if any.
    pub note: Option<String>,
}

/// An `at` or a `from`/`to` object, as a span.
fn parse_part(value: &Value) -> Option<Span> {
    let map = value.as_object()?;
    let moment = |key: &str| map.get(key).and_then(Value::as_str).and_then(Moment::parse);
    if map.contains_key("at") {
        let at = moment("at")?;
        return Some(Span { from: at, to: at });
    }
    Some(Span {
        from: moment("from")?,
        to: moment("to")?,
    })
}

impl Timing {
    /// Parses a timing object; `None` when `value` is not one (missing keys, unknown kind,
    /// a moment that is not a real date, an empty list of intervals).
    pub fn parse(value: &Value) -> Option<Timing> {
        let map = value.as_object()?;
        let note = map.get("note").and_then(Value::as_str).map(str::to_owned);
        let when = if let Some(at) = map.get("at") {
            When::At(Moment::parse(at.as_str()?)?)
        } else if map.contains_key("from") || map.contains_key("to") {
            When::Span(parse_part(value)?)
        } else if let Some(intervals) = map.get("intervals") {
            let parts = intervals
                .as_array()?
                .iter()
                .map(parse_part)
                .collect::<Option<Vec<_>>>()?;
            if parts.is_empty() {
                return None;
            }
            When::Intervals(parts)
        } else if let Some(kind) = map.get("recurring") {
            When::Recurring(Recurrence::from_code(kind.as_str()?)?)
        } else {
            return None;
        };
        Some(Timing { when, note })
    }

    /// The spans the timing covers (none for a recurring one).
    pub fn spans(&self) -> Vec<Span> {
        match &self.when {
            When::At(at) => vec![Span { from: *at, to: *at }],
            When::Span(span) => vec![*span],
            When::Intervals(parts) => parts.clone(),
            When::Recurring(_) => Vec::new(),
        }
    }

    /// The earliest day covered; `None` for a recurring timing.
    pub fn first_day(&self) -> Option<Day> {
        self.spans().iter().map(|s| s.from.first_day()).min()
    }

    /// The latest day covered; `None` for a recurring timing.
    pub fn last_day(&self) -> Option<Day> {
        self.spans().iter().map(|s| s.to.last_day()).max()
    }

    /// Whether every span ends no earlier than it starts (a recurring timing is).
    pub fn ordered(&self) -> bool {
        self.spans().iter().all(|s| s.ordered())
    }

    /// Whether the timing lies within the period from `start` to `end`: every moment it names
    /// touches the period (its last day not before `start`'s first day, its first day not after
    /// `end`'s last day), so a month or a year the period only partly covers is within it. A
    /// recurring timing is within any period.
    pub fn within(&self, start: Moment, end: Moment) -> bool {
        let inside =
            |m: Moment| m.last_day() >= start.first_day() && m.first_day() <= end.last_day();
        self.spans().iter().all(|s| inside(s.from) && inside(s.to))
    }

    /// The timing in Russian: «сентябрь–ноябрь 2022», «февраль 2022; июнь 2022»,
    /// «ежегодно», with the note after a comma.
    pub fn russian(&self) -> String {
        let mut out = String::new();
        match &self.when {
            When::At(at) => at.render(&mut out),
            When::Span(span) => span.render(&mut out),
            When::Intervals(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str("; ");
                    }
                    part.render(&mut out);
                }
            }
            When::Recurring(kind) => out.push_str(kind.russian()),
        }
        if let Some(note) = self.note.as_deref().filter(|n| !n.trim().is_empty()) {
            out.push_str(", ");
            out.push_str(note.trim());
        }
        out
    }
}

/// Month stems, in order: a month's name in any case starts with its stem.
const MONTH_STEMS: [&str; 12] = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
];

/// The timing a free-text Russian phrase stands for (how 1.x forms wrote some schedules):
/// a moment («2026», «2026 год», «сентябрь 2025 года»), a recurrence at the start of the phrase
/// («ежегодно, март» → `annually` with the note «март»; «по графику» → `separate_schedule`),
/// and anything else as `separate_schedule` with the whole phrase as its note, so that no words
/// are lost. Always a valid timing.
pub fn from_russian(text: &str) -> Value {
    let trimmed = text.trim();
    let lower = trimmed.to_lowercase();
    let at = |moment: String| serde_json::json!({ "at": moment });
    if Moment::parse(trimmed).is_some() {
        return at(trimmed.to_owned());
    }
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let year = |word: &str| digits(word).filter(|y| word.len() == 4 && *y >= 1900);
    match words.as_slice() {
        [y] | [y, "год" | "года" | "г." | "г"] if year(y).is_some() => {
            return at((*y).to_owned());
        }
        [month, y] | [month, y, "год" | "года" | "г." | "г"] if year(y).is_some() => {
            let stem = MONTH_STEMS.iter().position(|stem| {
                month.starts_with(stem) && (*stem != "ма" || ["май", "мая", "мае"].contains(month))
            });
            if let Some(index) = stem {
                return at(format!("{y}-{:02}", index + 1));
            }
        }
        _ => {}
    }
    let phrases = Recurrence::ALL
        .iter()
        .map(|(_, code, words)| (*code, *words))
        .chain([
            ("separate_schedule", "по графику"),
            ("continuously", "постоянно"),
        ]);
    for (code, phrase) in phrases {
        if let Some(rest) = lower.strip_prefix(phrase) {
            let note: String = trimmed
                .chars()
                .skip(phrase.chars().count())
                .collect::<String>()
                .trim_start_matches([',', ';', ' ', '—', '-'])
                .trim()
                .to_owned();
            debug_assert_eq!(rest.trim().is_empty(), note.is_empty());
            return if note.is_empty() {
                serde_json::json!({ "recurring": code })
            } else {
                serde_json::json!({ "recurring": code, "note": note })
            };
        }
    }
    serde_json::json!({ "recurring": "separate_schedule", "note": trimmed })
}

/// Hands every span of the timing `value` to `each`, in order, reading it in place; `None`
/// when `value` is not a timing (as [`Timing::parse`] decides: then the spans handed so far
/// mean nothing), `Some(())` otherwise (a recurring timing has no spans).
fn scan(value: &Value, mut each: impl FnMut(Span)) -> Option<()> {
    /// The fields of a timing or a part, found in one pass over its few keys (a keyed lookup
    /// hashes the key; a timing has at most three).
    #[derive(Default)]
    struct Fields<'v> {
        at: Option<&'v Value>,
        from: Option<&'v Value>,
        to: Option<&'v Value>,
        intervals: Option<&'v Value>,
        recurring: Option<&'v Value>,
    }
    fn fields(value: &Value) -> Option<Fields<'_>> {
        let mut found = Fields::default();
        for (key, value) in value.as_object()? {
            match key.as_str() {
                "at" => found.at = Some(value),
                "from" => found.from = Some(value),
                "to" => found.to = Some(value),
                "intervals" => found.intervals = Some(value),
                "recurring" => found.recurring = Some(value),
                _ => {}
            }
        }
        Some(found)
    }
    fn moment(value: Option<&Value>) -> Option<Moment> {
        Moment::parse(value?.as_str()?)
    }
    fn span(fields: &Fields<'_>) -> Option<Span> {
        if fields.at.is_some() {
            let at = moment(fields.at)?;
            return Some(Span { from: at, to: at });
        }
        Some(Span {
            from: moment(fields.from)?,
            to: moment(fields.to)?,
        })
    }
    let found = fields(value)?;
    if found.at.is_some() || found.from.is_some() || found.to.is_some() {
        each(span(&found)?);
    } else if let Some(intervals) = found.intervals {
        let parts = intervals.as_array()?;
        if parts.is_empty() {
            return None;
        }
        for part in parts {
            each(span(&fields(part)?)?);
        }
    } else {
        Recurrence::from_code(found.recurring?.as_str()?)?;
    }
    Some(())
}

/// A period bound given to `timing_within`: a moment string, or a timing (its first day for
/// the start, its last day for the end).
fn bound(value: &Value, start: bool) -> Option<Moment> {
    match value {
        Value::String(text) => Moment::parse(text),
        other => {
            let timing = Timing::parse(other)?;
            let day = if start {
                timing.first_day()
            } else {
                timing.last_day()
            }?;
            Some(Moment::Day(day))
        }
    }
}

/// A rule operator on timings (`forms/README.md`, «Operators on timings»).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `timing_ordered`
    Ordered,
    /// `timing_within`
    Within,
    /// `timing_first`
    First,
    /// `timing_last`
    Last,
}

/// What an operator on timings answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `timing_ordered`, `timing_within`.
    Bool(bool),
    /// `timing_first`, `timing_last`: a day, or `null`.
    Day(Option<Day>),
}

impl Op {
    /// The operator a JSON Logic name stands for.
    pub(crate) fn from_name(name: &str) -> Option<Op> {
        OPERATORS
            .iter()
            .position(|n| *n == name)
            .map(|i| [Op::Ordered, Op::Within, Op::First, Op::Last][i])
    }

    /// Evaluates the operator on its evaluated arguments (missing ones are `null`). Runs once
    /// per table row, so it reads the timing in place ([`scan`]) without building a
    /// [`Timing`]; it answers exactly what the [`Timing`] methods do.
    pub(crate) fn evaluate(self, args: &[&Value]) -> Outcome {
        let arg = |i: usize| args.get(i).copied().unwrap_or(&Value::Null);
        match self {
            Op::Ordered => {
                let mut ordered = true;
                let scanned = scan(arg(0), |span| ordered &= span.ordered());
                Outcome::Bool(scanned.is_none() || ordered)
            }
            Op::Within => {
                let (Some(start), Some(end)) = (bound(arg(1), true), bound(arg(2), false)) else {
                    return Outcome::Bool(true);
                };
                let inside = |m: Moment| {
                    m.last_day() >= start.first_day() && m.first_day() <= end.last_day()
                };
                let mut within = true;
                let scanned = scan(arg(0), |span| {
                    within &= inside(span.from) && inside(span.to)
                });
                Outcome::Bool(scanned.is_none() || within)
            }
            Op::First => {
                let mut first: Option<Day> = None;
                let scanned = scan(arg(0), |span| {
                    let day = span.from.first_day();
                    first = Some(first.map_or(day, |f| f.min(day)));
                });
                Outcome::Day(scanned.and(first))
            }
            Op::Last => {
                let mut last: Option<Day> = None;
                let scanned = scan(arg(0), |span| {
                    let day = span.to.last_day();
                    last = Some(last.map_or(day, |l| l.max(day)));
                });
                Outcome::Day(scanned.and(last))
            }
        }
    }
}

/// [`Op::evaluate`] by name, as JSON; `None`: not an operator on timings.
pub(crate) fn operator(name: &str, args: &[&Value]) -> Option<Value> {
    Some(match Op::from_name(name)?.evaluate(args) {
        Outcome::Bool(b) => Value::Bool(b),
        Outcome::Day(day) => day.map_or(Value::Null, |d| Value::String(d.to_string())),
    })
}

/// The names of the operators on timings.
pub(crate) const OPERATORS: [&str; 4] = [
    "timing_ordered",
    "timing_within",
    "timing_first",
    "timing_last",
];

impl Day {
    /// `YYYY-MM-DD` in ASCII bytes, without allocating (for comparisons with date strings).
    pub(crate) fn iso_bytes(self) -> [u8; 10] {
        let mut out = *b"0000-00-00";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for i in (0..width).rev() {
                out[at + i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, u32::from(self.year));
        put(5, 2, u32::from(self.month));
        put(8, 2, u32::from(self.day));
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn russian(value: Value) -> String {
        Timing::parse(&value).expect("a timing").russian()
    }

    #[test]
    fn moments_parse_at_three_precisions_and_refuse_unreal_days() {
        assert_eq!(Moment::parse("2025"), Some(Moment::Year(2025)));
        assert_eq!(
            Moment::parse("2025-09"),
            Some(Moment::Month {
                year: 2025,
                month: 9
            })
        );
        assert!(matches!(Moment::parse("2024-02-29"), Some(Moment::Day(_))));
        for bad in [
            "2025-02-29",
            "2025-13",
            "2025-9",
            "25",
            "2025-09-01-01",
            "сентябрь",
            "",
        ] {
            assert_eq!(Moment::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn first_and_last_days_follow_the_precision() {
        let t = Timing::parse(&json!({"intervals": [
            {"from": "2022-04", "to": "2022-06"}, {"at": "2022-02"}, {"from": "2022-09", "to": "2022"}
        ]}))
        .unwrap();
        assert_eq!(t.first_day().unwrap().to_string(), "2022-02-01");
        assert_eq!(t.last_day().unwrap().to_string(), "2022-12-31");
        let recurring = Timing::parse(&json!({"recurring": "annually"})).unwrap();
        assert_eq!(recurring.first_day(), None);
        assert!(recurring.ordered());
    }

    #[test]
    fn renders_the_way_the_sources_write() {
        assert_eq!(
            russian(json!({"from": "2022-09", "to": "2022-11"})),
            "сентябрь–ноябрь 2022"
        );
        assert_eq!(
            russian(json!({"from": "2021-09", "to": "2022-05"})),
            "сентябрь 2021 – май 2022"
        );
        assert_eq!(russian(json!({"at": "2025-09"})), "сентябрь 2025");
        assert_eq!(russian(json!({"at": "2025-09-01"})), "1 сентября 2025 г.");
        assert_eq!(russian(json!({"at": "2019"})), "2019 год");
        assert_eq!(
            russian(json!({"from": "2020", "to": "2021"})),
            "2020–2021 годы"
        );
        assert_eq!(
            russian(
                json!({"intervals": [{"at": "2022-02"}, {"at": "2022-06"}, {"at": "2022-11"}]})
            ),
            "февраль 2022; июнь 2022; ноябрь 2022"
        );
        let words: Vec<String> = [
            "during_year",
            "annually",
            "continuously",
            "as_needed",
            "separate_schedule",
        ]
        .iter()
        .map(|k| russian(json!({ "recurring": k })))
        .collect();
        assert_eq!(
            words,
            [
                "в течение года",
                "ежегодно",
                "постоянно",
                "по мере необходимости",
                "по отдельному графику"
            ]
        );
        assert_eq!(
            russian(json!({"recurring": "as_needed", "note": "по запросу школ"})),
            "по мере необходимости, по запросу школ"
        );
    }

    #[test]
    fn the_reversed_interval_of_the_kadoshkino_roadmap_is_not_ordered() {
        // 002:405: «сентябрь 2022 года – ноябрь 2021 года».
        let row = json!({"intervals": [
            {"from": "2022-04", "to": "2022-06"}, {"from": "2022-09", "to": "2021-11"}
        ]});
        assert_eq!(operator("timing_ordered", &[&row]), Some(json!(false)));
        let same_month = json!({"from": "2022-09", "to": "2022-09-15"});
        assert_eq!(
            operator("timing_ordered", &[&same_month]),
            Some(json!(true))
        );
    }

    #[test]
    fn within_takes_months_and_years_the_period_touches() {
        let (start, end) = (json!("2025-09-15"), json!("2027-06-30"));
        let within = |t: Value| operator("timing_within", &[&t, &start, &end]).unwrap();
        assert_eq!(within(json!({"at": "2025-09"})), json!(true));
        assert_eq!(within(json!({"at": "2027"})), json!(true));
        assert_eq!(within(json!({"at": "2025-08"})), json!(false));
        assert_eq!(
            within(json!({"from": "2026-01", "to": "2027-07"})),
            json!(false)
        );
        assert_eq!(within(json!({"recurring": "continuously"})), json!(true));
        assert_eq!(within(Value::Null), json!(true));
        assert_eq!(within(json!({"at": "сентябрь"})), json!(true));
        let missing_bound = operator("timing_within", &[&json!({"at": "2030"}), &Value::Null]);
        assert_eq!(missing_bound, Some(json!(true)));
    }

    #[test]
    fn free_text_schedules_become_timings_keeping_their_words() {
        let cases = [
            ("сентябрь 2025 года", json!({"at": "2025-09"})),
            ("Май 2026", json!({"at": "2026-05"})),
            ("2026 год", json!({"at": "2026"})),
            ("2025-10-01", json!({"at": "2025-10-01"})),
            (
                "ежегодно, март",
                json!({"recurring": "annually", "note": "март"}),
            ),
            (
                "ежегодно, октябрь — апрель",
                json!({"recurring": "annually", "note": "октябрь — апрель"}),
            ),
            ("еженедельно", json!({"recurring": "weekly"})),
            ("ежеквартально", json!({"recurring": "quarterly"})),
            (
                "по графику, ежемесячно",
                json!({"recurring": "separate_schedule", "note": "ежемесячно"}),
            ),
            (
                "Постоянно, по мере необходимости",
                json!({"recurring": "continuously", "note": "по мере необходимости"}),
            ),
            (
                "по итогам каждой четверти",
                json!({"recurring": "separate_schedule", "note": "по итогам каждой четверти"}),
            ),
        ];
        for (text, expected) in cases {
            let timing = from_russian(text);
            assert_eq!(timing, expected, "{text}");
            assert!(Timing::parse(&timing).is_some(), "{text}");
        }
    }

    #[test]
    fn first_and_last_are_days_or_null() {
        let t = json!({"from": "2025-09", "to": "2025-11"});
        assert_eq!(operator("timing_first", &[&t]), Some(json!("2025-09-01")));
        assert_eq!(operator("timing_last", &[&t]), Some(json!("2025-11-30")));
        assert_eq!(
            operator("timing_first", &[&json!({"recurring": "annually"})]),
            Some(Value::Null)
        );
        assert_eq!(operator("timing_last", &[&json!(7)]), Some(Value::Null));
        assert_eq!(operator("unknown", &[]), None);
    }
}
