//! Each region's method on its own source's thresholds, from the real `forms/` files: the
//! boundaries exactly where the source puts them, the ranking with ties, tables refused whole.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use identification::method::{NAME_COLUMN, SCHOOL_COLUMN};
use identification::{InputError, Method, SchoolResult, identify};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn method(region: &str, municipality: Option<&str>) -> Method {
    Method::find(&forms_dir(), region, municipality)
        .unwrap()
        .expect("the place has a method")
}

/// A `;` CSV with the method's full header; each row gives (school, [(column, value)]).
fn table(method: &Method, rows: &[(&str, Vec<(&str, &str)>)]) -> Vec<u8> {
    let mut header = vec![SCHOOL_COLUMN.to_owned(), NAME_COLUMN.to_owned()];
    header.extend(method.columns.iter().map(|c| c.name.clone()));
    let mut text = header.join(";");
    for (school, cells) in rows {
        text.push('\n');
        let line: Vec<String> = header
            .iter()
            .map(|h| {
                if h == SCHOOL_COLUMN {
                    (*school).to_owned()
                } else if h == NAME_COLUMN {
                    format!("Школа {school}")
                } else {
                    cells
                        .iter()
                        .find(|(c, _)| c == h)
                        .map(|(_, v)| (*v).to_owned())
                        .unwrap_or_default()
                }
            })
            .collect();
        for (column, _) in cells {
            assert!(header.iter().any(|h| h == column), "no column {column}");
        }
        text.push_str(&line.join(";"));
    }
    text.into_bytes()
}

fn run(method: &Method, rows: &[(&str, Vec<(&str, &str)>)]) -> Vec<SchoolResult> {
    identify(method, &table(method, rows), None).unwrap()
}

const OLYMPIADS: &str =
    "Участники региональных и всероссийских олимпиад и конкурсов за три года, %";
const SENIOR: &str = "Продолжили обучение на старшей ступени за три года, %";
const OGE_RU: &str = "ОГЭ, русский язык: средний балл в предыдущем учебном году";
const OGE_MA: &str = "ОГЭ, математика: средний балл в предыдущем учебном году";
const EGE_RU_SCHOOL: &str = "ЕГЭ, русский язык: средний балл школы в предыдущем учебном году";
const EGE_RU_REGION: &str = "ЕГЭ, русский язык: среднерегиональный балл в предыдущем учебном году";

#[test]
fn kadoshkino_strict_bounds_hold_exactly_at_the_source_numbers() {
    let m = method("mordovia", Some("kadoshkino"));
    let results = run(
        &m,
        &[
            (
                "below",
                vec![
                    (OLYMPIADS, "0,49"),
                    (SENIOR, "59,9"),
                    (OGE_RU, "3,31"),
                    (OGE_MA, "3,19"),
                ],
            ),
            (
                "at",
                vec![
                    (OLYMPIADS, "0,5"),
                    (SENIOR, "60"),
                    (OGE_RU, "3,5"),
                    (OGE_MA, "3,2"),
                ],
            ),
        ],
    );
    let below = &results[0].reasons;
    assert!(
        below
            .iter()
            .any(|r| r == "1.1: участники олимпиад и конкурсов за три года, % 0,49 < 0,5"),
        "{below:#?}"
    );
    assert!(
        below
            .iter()
            .any(|r| r == "2.1: продолжили обучение на старшей ступени за три года, % 59,9 < 60")
    );
    assert!(
        below
            .iter()
            .any(|r| r == "4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5")
    );
    assert!(
        below
            .iter()
            .any(|r| r == "4.4: средний балл ОГЭ по математике 3,19 < 3,2")
    );
    let at = &results[1].reasons;
    assert!(
        !at.iter().any(|r| r.starts_with("1.1:")
            || r.starts_with("2.1:")
            || r.starts_with("4.2:")
            || r.starts_with("4.4:")),
        "«менее 0,5 %», «менее 60 %», «ниже 3,5», «ниже 3,2» are strict: {at:#?}"
    );
}

#[test]
fn kadoshkino_five_of_twelve_is_low_results_and_four_is_not() {
    let m = method("mordovia", Some("kadoshkino"));
    let four = vec![
        (OLYMPIADS, "0,2"),
        (SENIOR, "50"),
        (OGE_RU, "3,1"),
        (OGE_MA, "3,0"),
    ];
    let mut five = four.clone();
    five.push((EGE_RU_REGION, "70"));
    five.push((EGE_RU_SCHOOL, "49,5"));
    let mut gap_twenty = four.clone();
    gap_twenty.push((EGE_RU_REGION, "70"));
    gap_twenty.push((EGE_RU_SCHOOL, "50"));
    let results = run(
        &m,
        &[("four", four), ("five", five), ("twenty", gap_twenty)],
    );
    assert_eq!(results[0].categories, Vec::<String>::new());
    assert_eq!(results[0].status, None);
    assert!(
        results[0].reasons[0]
            .contains("не относится (выявлено показателей — 4 из 12, нужно 5 и более)"),
        "{:?}",
        results[0].reasons
    );
    assert_eq!(results[1].categories, vec!["low_results".to_owned()]);
    assert_eq!(results[1].status.as_deref(), Some("low_results"));
    assert!(results[1].reasons.iter().any(|r| r == "4.6: отставание среднего балла ЕГЭ по русскому языку от среднерегионального 20,5 > 20"), "{:?}", results[1].reasons);
    // «более 20»: a gap of exactly 20 points is not the indicator.
    assert!(results[2].categories.is_empty(), "{:?}", results[2].reasons);
}

#[test]
fn kadoshkino_vpr_needs_all_three_subjects_below_the_region() {
    let m = method("mordovia", Some("kadoshkino"));
    let vpr = |ru: &'static str, ma: &'static str, world: &'static str| {
        vec![
            ("ВПР, русский язык: средний балл школы", ru),
            ("ВПР, русский язык: среднерегиональный балл", "30"),
            ("ВПР, математика: средний балл школы", ma),
            ("ВПР, математика: среднерегиональный балл", "30"),
            ("ВПР, окружающий мир: средний балл школы", world),
            ("ВПР, окружающий мир: среднерегиональный балл", "30"),
        ]
    };
    let results = run(
        &m,
        &[
            ("all", vpr("20", "22", "21")),
            ("two", vpr("20", "30", "21")),
            ("sum", vpr("29", "29", "29")),
        ],
    );
    assert!(results[0].reasons.iter().any(|r| r.starts_with("3.1: ВПР ниже среднерегиональных по трём предметам: русский язык 20 < 30 (среднерегиональный); математика 22 < 30")));
    assert!(
        results[0].reasons.iter().any(|r| r
            == "3.2: отставание суммы баллов ВПР по трём предметам от среднерегиональной 27 > 20"),
        "{:?}",
        results[0].reasons
    );
    assert!(!results[1].reasons.iter().any(|r| r.starts_with("3.1:")));
    assert!(results[2].reasons.iter().any(|r| r.starts_with("3.1:")));
    assert!(
        !results[2].reasons.iter().any(|r| r.starts_with("3.2:")),
        "a gap of 3 is not 20"
    );
}

#[test]
fn empty_cells_are_not_assessed_rather_than_found() {
    let m = method("mordovia", Some("kadoshkino"));
    let results = run(&m, &[("blank", vec![])]);
    assert!(results[0].categories.is_empty());
    assert!(
        results[0]
            .reasons
            .iter()
            .any(|r| r.starts_with("не оценены (нет данных): 1.1, 2.1, 3.1, 3.2, 4.1"))
    );
}

const INDEX: &str = "Результаты ЕГЭ, ОГЭ и ВПР за последние 3 года, индекс";
const LEN_OLYMPIADS: &str =
    "Участники региональных и всероссийских олимпиад и конкурсов за 3 года, %";
const SATISFACTION: &str =
    "Удовлетворённость качеством образовательных услуг по независимой оценке, %";
const QUALITY: &str = "Качество знаний по региональным мониторингам, %";
const SOCIAL: &str = "Индекс социального благополучия";

#[test]
fn leningrad_lowest_quarter_is_a_ranking_with_ties_taken_in() {
    let m = method("leningrad", None);
    // Eight schools: 25 % is two places; two schools tie at the second place.
    let values = ["10", "20", "20", "30", "40", "50", "60", "70"];
    let rows: Vec<(&str, Vec<(&str, &str)>)> = ["a", "b", "c", "d", "e", "f", "g", "h"]
        .into_iter()
        .zip(values)
        .map(|(school, value)| (school, vec![(INDEX, value), (SOCIAL, value)]))
        .collect();
    let results = run(&m, &rows);
    let low: Vec<&str> = results
        .iter()
        .filter(|r| r.categories.contains(&"low_results".to_owned()))
        .map(|r| r.school.as_str())
        .collect();
    assert_eq!(low, ["a", "b", "c"], "the tie at the boundary is in");
    let adverse: Vec<&str> = results
        .iter()
        .filter(|r| r.status.as_deref() == Some("both"))
        .map(|r| r.school.as_str())
        .collect();
    assert_eq!(adverse, ["a", "b", "c"]);
    assert!(results[1].reasons.iter().any(|r| r == "1: результаты ЕГЭ, ОГЭ и ВПР за 3 года 20 — среди 25 % школ с самыми низкими значениями (место 2 из 8; в 25 % входят места 1–2)"), "{:?}", results[1].reasons);
    // Ten schools: 25 % of 10 is 2.5, three places.
    let rows: Vec<(String, Vec<(&str, String)>)> = (1..=10)
        .map(|i| (format!("s{i:02}"), vec![(INDEX, i.to_string())]))
        .collect();
    let rows: Vec<(&str, Vec<(&str, &str)>)> = rows
        .iter()
        .map(|(s, cells)| {
            (
                s.as_str(),
                cells.iter().map(|(c, v)| (*c, v.as_str())).collect(),
            )
        })
        .collect();
    let results = run(&m, &rows);
    let low: Vec<&str> = results
        .iter()
        .filter(|r| !r.categories.is_empty())
        .map(|r| r.school.as_str())
        .collect();
    assert_eq!(low, ["s01", "s02", "s03"]);
}

#[test]
fn leningrad_non_strict_bounds_include_the_boundary() {
    let m = method("leningrad", None);
    let results = run(
        &m,
        &[
            (
                "at",
                vec![
                    (LEN_OLYMPIADS, "0,5"),
                    (SATISFACTION, "40"),
                    (QUALITY, "40/38/55"),
                ],
            ),
            (
                "above",
                vec![
                    (LEN_OLYMPIADS, "0,51"),
                    (SATISFACTION, "40,1"),
                    (QUALITY, "41/38/55"),
                ],
            ),
            (
                "senior",
                vec![("Продолжили обучение на старшей ступени, %", "60")],
            ),
        ],
    );
    let at = &results[0].reasons;
    assert!(
        at.iter()
            .any(|r| r == "4: участники олимпиад и конкурсов за 3 года, % 0,5 ≤ 0,5"),
        "{at:#?}"
    );
    assert!(
        at.iter()
            .any(|r| r == "5: удовлетворённость качеством образовательных услуг, % 40 ≤ 40")
    );
    assert!(at.iter().any(|r| r == "6: мониторингов с качеством знаний 40 % и ниже: 2 из 3 (40; 38; 55) ≥ 2"));
    assert_eq!(results[0].categories, ["low_results"]);
    assert!(results[1].categories.is_empty(), "{:?}", results[1].reasons);
    assert!(results[2].categories.is_empty(), "«менее 60 %» is strict");
}

#[test]
fn registers_include_a_school_by_decision_with_its_basis() {
    for region in ["lipetsk", "oryol"] {
        let m = method(region, None);
        let flag = m.columns[0].name.clone();
        let basis = "Основание включения";
        let results = run(
            &m,
            &[
                (
                    "in",
                    vec![(flag.as_str(), "да"), (basis, "приказ от 12.03.2025 № 245")],
                ),
                ("out", vec![(flag.as_str(), "нет")]),
            ],
        );
        assert_eq!(
            results[0].status.as_deref(),
            Some("low_results"),
            "{region}"
        );
        assert!(
            results[0]
                .reasons
                .iter()
                .any(|r| r.ends_with("да — основание: приказ от 12.03.2025 № 245")),
            "{:?}",
            results[0].reasons
        );
        assert!(results[1].categories.is_empty());
        // Included without a basis: refused.
        let bad = table(&m, &[("in", vec![(flag.as_str(), "да")])]);
        let error = identify(&m, &bad, None).unwrap_err();
        assert!(
            error
                .message_ru()
                .contains("строка 2, «Основание включения»: школа включена"),
            "{}",
            error.message_ru()
        );
    }
}

#[test]
fn a_table_with_errors_is_refused_whole_naming_rows_and_columns() {
    let m = method("mordovia", Some("kadoshkino"));
    let bytes = table(
        &m,
        &[
            ("good", vec![(OGE_RU, "3,4")]),
            ("bad", vec![(OGE_RU, "три")]),
            ("good", vec![]),
            ("stranger", vec![]),
        ],
    );
    let known: BTreeSet<String> = ["good", "bad"].map(String::from).into();
    let InputError::Cells(errors) = identify(&m, &bytes, Some(&known)).unwrap_err() else {
        panic!("cells");
    };
    let messages: Vec<String> = errors.iter().map(|e| e.message_ru()).collect();
    assert_eq!(
        messages,
        [
            format!("строка 3, «{OGE_RU}»: не число: «три»"),
            "строка 4, «Код школы»: школа «good» уже есть в строке 2".to_owned(),
            "строка 5, «Код школы»: школы с кодом «stranger» нет среди школ, для которых проводится идентификация".to_owned(),
        ]
    );
    // A missing and an unknown column.
    let text = "Код школы;Школа;Лишний столбец\ngood;Школа\n";
    let InputError::Cells(errors) = identify(&m, text.as_bytes(), None).unwrap_err() else {
        panic!("cells");
    };
    assert!(
        errors[0]
            .message_ru()
            .starts_with("строка 1, «Лишний столбец»: такого столбца в методике нет")
    );
    assert_eq!(errors.len(), 1 + m.columns.len());
}

#[test]
fn xlsx_is_read_like_csv() {
    let m = method("mordovia", Some("kadoshkino"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut header = vec![SCHOOL_COLUMN.to_owned(), NAME_COLUMN.to_owned()];
    header.extend(m.columns.iter().map(|c| c.name.clone()));
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, name).unwrap();
    }
    let oge = header.iter().position(|h| h == OGE_RU).unwrap();
    sheet.write_string(1, 0, "xl").unwrap();
    sheet.write_string(1, 1, "МБОУ «Кадошкинская СОШ»").unwrap();
    sheet.write_number(1, oge as u16, 3.31).unwrap();
    sheet.write_string(2, 0, "xl2").unwrap();
    sheet.write_string(2, oge as u16, "три").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let error = identify(&m, &bytes, None).unwrap_err();
    assert_eq!(
        error.cells()[0].row,
        Some(3),
        "rows numbered as the spreadsheet does"
    );
    sheet_fix(&m, oge);

    fn sheet_fix(m: &Method, oge: usize) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, SCHOOL_COLUMN).unwrap();
        sheet.write_string(0, 1, NAME_COLUMN).unwrap();
        for (col, column) in m.columns.iter().enumerate() {
            sheet.write_string(0, col as u16 + 2, &column.name).unwrap();
        }
        sheet.write_string(1, 0, "xl").unwrap();
        sheet.write_number(1, oge as u16, 3.31).unwrap();
        let results = identify(m, &book.save_to_buffer().unwrap(), None).unwrap();
        assert!(
            results[0]
                .reasons
                .iter()
                .any(|r| r == "4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5")
        );
    }
}

/// Collapses runs of whitespace, as the rules' quote test does.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_category_and_indicator_quotes_the_lines_it_cites() {
    let places = [
        ("lipetsk", None),
        ("leningrad", None),
        ("oryol", None),
        ("mordovia", Some("kadoshkino")),
    ];
    let mut checked = 0;
    for (region, municipality) in places {
        let m = method(region, municipality);
        let cited = m
            .categories
            .iter()
            .map(|c| (c.id.clone(), &c.source, &c.quote))
            .chain(
                m.indicators()
                    .map(|(c, i)| (format!("{} {}", c.id, i.id), &i.source, &i.quote)),
            );
        for (id, source, quote) in cited {
            let (file, lines) = source.rsplit_once(':').unwrap();
            let (first, last) = lines.split_once('-').unwrap_or((lines, lines));
            let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
            let text = std::fs::read_to_string(forms_dir().join("sources").join(file)).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let passage = normalise(&lines[first - 1..last].join("\n"));
            assert!(
                passage.contains(&normalise(quote)),
                "{}: {id}: «{quote}» not in {source}: {passage}",
                m.id
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
}
