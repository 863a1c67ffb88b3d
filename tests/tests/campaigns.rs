//! Campaigns on the real server with the demo region: a coordinator opens one whose deadlines
//! have passed; the status shows every school's obligations with documents late and missing,
//! counts by municipality, each role sees only its reach, exports hold the same rows, schools
//! read their obligations and reminders, and the audit log has the campaign's acts. Then
//! requirement sets that change: a submission keeps the edition it was judged by when a newer
//! one is published, and the impact report names the submissions a tightened set would fail.

use std::io::Read;
use std::path::Path;

use e2e::{Api, Replica, Server, root};
use serde_json::{Value, json};

/// Moves every stored submission and decision of the demo to January 2001 (the server
/// stopped), so that campaigns with deadlines in 2001 find them on time or late.
fn backdate(data_dir: &Path) {
    let db = rusqlite::Connection::open(data_dir.join("ravenstvo.sqlite3")).unwrap();
    db.execute_batch(
        "UPDATE submissions SET submitted_at = '2001-01-10T09:00:00.000Z';
         UPDATE submissions SET decided_at = '2001-01-20T09:00:00.000Z' WHERE decided_at IS NOT NULL;",
    )
    .unwrap();
}

fn rows_of(status: &Value) -> Vec<(String, String, String, bool, bool, bool)> {
    status["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["school"].as_str().unwrap().to_owned(),
                r["form"].as_str().unwrap().to_owned(),
                r["summary_ru"].as_str().unwrap().to_owned(),
                r["missing"].as_bool().unwrap(),
                r["late_submission"].as_bool().unwrap(),
                r["late_decision"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The cells of an XLSX's first sheet, row by row (shared strings resolved).
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let shared_xml = read("xl/sharedStrings.xml");
    let sheet = read("xl/worksheets/sheet1.xml");
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let shared: Vec<String> = shared_xml
        .split("<si>")
        .skip(1)
        .map(|si| {
            let start = si.find("<t").unwrap();
            let open_end = start + si[start..].find('>').unwrap() + 1;
            let close = si.find("</t>").unwrap_or(open_end);
            unescape(&si[open_end..close])
        })
        .collect();
    let width = shared.len().max(1);
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            // Cells are placed by their reference (`r="C2"`): empty ones are not written.
            let mut cells = vec![String::new(); width];
            let mut last = 0;
            for cell in row.split("<c ").skip(1) {
                let reference = cell.split_once("r=\"").unwrap().1;
                let column = reference
                    .bytes()
                    .take_while(u8::is_ascii_uppercase)
                    .fold(0, |n, b| n * 26 + usize::from(b - b'A' + 1))
                    - 1;
                let value = cell
                    .split_once("<v>")
                    .and_then(|(_, rest)| rest.split_once("</v>"))
                    .map(|(v, _)| v)
                    .unwrap_or_default();
                cells[column] = if cell.contains("t=\"s\"") {
                    shared[value.parse::<usize>().unwrap()].clone()
                } else {
                    unescape(value)
                };
                last = column + 1;
            }
            cells.truncate(last);
            cells
        })
        .collect()
}

/// The cells a campaign export writes for a status row, in order.
fn expected_cells(row: &Value) -> Vec<String> {
    let text = |key: &str| row[key].as_str().unwrap_or_default().to_owned();
    let yes_no = |key: &str| if row[key] == true { "да" } else { "нет" }.to_owned();
    vec![
        text("municipality_name"),
        text("school_name"),
        text("category_ru"),
        text("form_ru"),
        text("status_ru"),
        text("submitted_at"),
        text("approved_at"),
        yes_no("missing"),
        yes_no("late_submission"),
        yes_no("late_decision"),
        text("summary_ru"),
    ]
}

#[test]
fn a_campaign_shows_who_is_late_and_missing_to_each_within_their_reach() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Server::start_demo(dir.path());
    let (_, campaigns) = Api::demo(&demo, "coordinator").get("/api/campaigns");
    assert_eq!(
        campaigns.as_array().map(Vec::len),
        Some(1),
        "the demo's own: {campaigns}"
    );
    assert!(demo.stop());
    backdate(dir.path());
    let server = Server::start(dir.path());
    let coordinator = Api::demo(&server, "coordinator");

    // Only a coordinator opens one, with sound dates.
    let request = json!({
        "year": 2001,
        "title": "Программы 2001 года",
        "submit_by": "2001-01-31",
        "decide_by": "2001-02-28",
    });
    let (status, body) = Api::demo(&server, "reviewer").post("/api/campaigns", &request);
    assert_eq!(status, 403, "{body}");
    for (field, bad) in [
        ("submit_by", "2001-02-30"),
        ("decide_by", "2001-01-01"),
        ("year", "x"),
    ] {
        let mut wrong = request.clone();
        wrong[field] = bad.into();
        let (status, body) = coordinator.post("/api/campaigns", &wrong);
        assert!(matches!(status, 400 | 422), "{field}: {status} {body}");
    }
    let (status, body) = coordinator.post(
        "/api/campaigns",
        &json!({"year": 2001, "submit_by": "2001-01-31", "decide_by": "2001-02-28",
                "schools": [{"school": "kadoshkino-school"}]}),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("unknown-school")),
        "{body}"
    );

    let (status, opened) = coordinator.post("/api/campaigns", &request);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_i64().unwrap();
    assert_eq!(
        opened["schools"], 4,
        "every Lipetsk school from the organisations data"
    );
    assert_eq!(
        opened["owes"],
        json!({"mentor": ["stimulus-policy-change"],
               "supported": ["school-programme", "partnership-agreement", "stimulus-policy-change"]})
    );

    let (status, view) = coordinator.get(&format!("/api/campaigns/{id}/status"));
    assert_eq!(status, 200, "{view}");
    let s = |t: &str| t.to_owned();
    let expected = vec![
        // Городской округ город Липецк (by school name: МАОУ before МБОУ): the mentor schools
        // have no policy change at all.
        (
            s("lyceum-44"),
            s("stimulus-policy-change"),
            s("нет документа, срок подачи прошёл"),
            true,
            true,
            false,
        ),
        (
            s("gymnasium-12"),
            s("stimulus-policy-change"),
            s("нет документа, срок подачи прошёл"),
            true,
            true,
            false,
        ),
        // Краснинский район: Суходол's programme is a draft, its agreement missing.
        (
            s("sukhodol"),
            s("school-programme"),
            s("подача просрочена"),
            false,
            true,
            false,
        ),
        (
            s("sukhodol"),
            s("partnership-agreement"),
            s("нет документа, срок подачи прошёл"),
            true,
            true,
            false,
        ),
        (
            s("sukhodol"),
            s("stimulus-policy-change"),
            s("одобрен в срок"),
            false,
            false,
            false,
        ),
        // Красное submitted everything on time; the agreement still waits for the municipality,
        // the policy change was returned and is not approved.
        (
            s("krasnoe"),
            s("school-programme"),
            s("одобрен в срок"),
            false,
            false,
            false,
        ),
        (
            s("krasnoe"),
            s("partnership-agreement"),
            s("решение муниципалитета просрочено"),
            false,
            false,
            true,
        ),
        (
            s("krasnoe"),
            s("stimulus-policy-change"),
            s("не одобрен к сроку решения"),
            false,
            false,
            true,
        ),
    ];
    assert_eq!(rows_of(&view), expected);
    let counts: Vec<(String, u64, u64, u64, u64, u64, u64)> = view["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let n = |k: &str| m[k].as_u64().unwrap();
            (
                m["municipality"].as_str().unwrap().to_owned(),
                n("schools"),
                n("owed"),
                n("submitted"),
                n("approved"),
                n("missing"),
                n("late"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            (s("lipetsk-city"), 2, 2, 0, 0, 2, 2),
            (s("krasninsky"), 2, 6, 4, 2, 1, 4),
        ]
    );

    // The municipality sees its own schools, a school its own obligations, a stranger nothing.
    let (_, reviewer) = Api::demo(&server, "reviewer").get(&format!("/api/campaigns/{id}/status"));
    let schools = |view: &Value| -> Vec<String> {
        let mut all: Vec<String> = view["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["school"].as_str().unwrap().to_owned())
            .collect();
        all.dedup();
        all
    };
    assert_eq!(schools(&reviewer), ["sukhodol", "krasnoe"]);
    assert_eq!(reviewer["municipalities"].as_array().unwrap().len(), 1);
    let (_, editor) = Api::demo(&server, "editor").get(&format!("/api/campaigns/{id}/status"));
    assert_eq!(schools(&editor), ["krasnoe"]);
    let (status, body) =
        Api::demo(&server, "kadoshkino-editor").get(&format!("/api/campaigns/{id}/status"));
    assert_eq!(status, 404, "{body}");
    for bad in ["999", "x", "1e3"] {
        let (status, body) = coordinator.get(&format!("/api/campaigns/{bad}/status"));
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("no-campaign")),
            "{bad}"
        );
    }
    let (_, listed) = Api::demo(&server, "kadoshkino-editor").get("/api/campaigns");
    assert_eq!(listed, json!([]));

    // Exports hold the status's rows, in order, cell by cell.
    let (status, csv) = coordinator.get_bytes(&format!("/api/campaigns/{id}/export?format=csv"));
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    let lines: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(lines[0][0], "Муниципалитет");
    let wanted: Vec<Vec<String>> = view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(expected_cells)
        .collect();
    assert_eq!(lines[1..], wanted[..]);
    let (status, xlsx) = coordinator.get_bytes(&format!("/api/campaigns/{id}/export?format=xlsx"));
    assert_eq!(status, 200);
    let mut sheet = xlsx_rows(&xlsx);
    for row in &mut sheet {
        row.resize(lines[0].len(), String::new());
    }
    assert_eq!(sheet[0], lines[0]);
    assert_eq!(sheet[1..], wanted[..]);
    let (status, _) = coordinator.get_bytes(&format!("/api/campaigns/{id}/export?format=pdf"));
    assert_eq!(status, 422);
    // The reviewer's export holds only their rows.
    let (_, reviewer_csv) =
        Api::demo(&server, "reviewer").get_bytes(&format!("/api/campaigns/{id}/export?format=csv"));
    assert_eq!(
        String::from_utf8(reviewer_csv).unwrap().lines().count(),
        1 + 6
    );

    // Schools read what they owe and are reminded of what is late.
    let (status, mine) = Api::demo(&server, "sukhodol-editor").get("/api/obligations");
    assert_eq!(status, 200, "{mine}");
    let campaign = mine["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["campaign"]["id"] == id)
        .expect("Суходол is in the campaign");
    assert_eq!(campaign["rows"].as_array().unwrap().len(), 3);
    let mut late: Vec<(String, String)> = mine["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["campaign"] == id)
        .map(|r| {
            assert!(
                r["message"].as_str().unwrap().starts_with("Срок прошёл"),
                "{r}"
            );
            (
                r["form"].as_str().unwrap().to_owned(),
                r["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    late.sort();
    assert_eq!(
        late,
        [
            (s("partnership-agreement"), s("late")),
            (s("school-programme"), s("late"))
        ]
    );
    let (_, krasnoe) = Api::demo(&server, "editor").get("/api/obligations");
    assert!(
        krasnoe["reminders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["campaign"] != id),
        "Красное submitted everything: {krasnoe}"
    );
    // Reading again records no reminder twice.
    let (_, again) = Api::demo(&server, "sukhodol-editor").get("/api/obligations");
    assert_eq!(again["reminders"], mine["reminders"]);

    // The audit log has the campaign's acts, and its chain holds.
    let (_, audit) = Api::demo(&server, "admin").get("/api/admin/audit");
    let rows = audit
        .as_array()
        .or_else(|| audit["rows"].as_array())
        .unwrap();
    let actions: Vec<&str> = rows.iter().filter_map(|r| r["action"].as_str()).collect();
    assert!(actions.contains(&"open-campaign"), "{actions:?}");
    assert!(
        actions.iter().filter(|a| **a == "remind").count() >= 6,
        "{actions:?}"
    );
    server.assert_audit_holds();

    // It is in the OpenAPI document.
    let (_, openapi) = coordinator.get("/api/openapi.json");
    assert!(openapi["paths"]["/api/campaigns/{id}/status"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["CampaignStatus"].is_object());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Lipetsk's programme set with its staff threshold raised from 10 to 40 (the demo programmes
/// train 30), as edition `version` from `effective_from`.
fn tightened(version: &str, effective_from: &str) -> Value {
    let text = std::fs::read_to_string(root().join("forms/regions/lipetsk/school-programme.json"))
        .unwrap();
    let mut set: Value = serde_json::from_str(&text).unwrap();
    set["version"] = version.into();
    set["effective_from"] = effective_from.into();
    assert_eq!(set["rules"][0]["id"], "lipetsk.pd-staff-min-10");
    set["rules"][0]["logic"]["and"][1][">="][1]["if"][2] = 40.into();
    set
}

#[test]
fn submissions_keep_their_edition_and_the_impact_report_names_what_a_tighter_one_fails() {
    let forms = tempfile::tempdir().unwrap();
    copy_dir(&root().join("forms"), forms.path());
    let dir = tempfile::tempdir().unwrap();
    let demo = Server::start_demo_with_forms(dir.path(), forms.path());
    let coordinator = Api::demo(&demo, "coordinator");
    let mut docs = coordinator.documents();
    docs.extend(Api::demo(&demo, "sukhodol-editor").documents());
    let programme = |school: &str| {
        docs.iter()
            .find(|(_, form, owner)| form == "school-programme" && owner == school)
            .map(|(id, _, _)| id.clone())
            .unwrap()
    };
    let krasnoe = programme("krasnoe");

    // Impact first: only the region's coordinator may ask, and a broken set is refused.
    let ask = |api: &Api, region: &str, requirements: Value| {
        api.post(
            "/api/requirements/impact",
            &json!({"region": region, "form": "school-programme", "requirements": requirements}),
        )
    };
    let (status, _) = ask(
        &Api::demo(&demo, "reviewer"),
        "lipetsk",
        tightened("2099.1", "2099-01-01"),
    );
    assert_eq!(status, 403);
    let (status, _) = ask(&coordinator, "mordovia", tightened("2099.1", "2099-01-01"));
    assert_eq!(status, 403);
    let (status, body) = ask(&coordinator, "lipetsk", json!({"rules": "нет"}));
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("bad-requirements")),
        "{body}"
    );
    // The same set as today fails nothing; the tightened one fails Красное's programme (the
    // only submitted one) on the raised threshold, and nothing is stored.
    let (status, same) = ask(
        &coordinator,
        "lipetsk",
        serde_json::from_str(
            &std::fs::read_to_string(root().join("forms/regions/lipetsk/school-programme.json"))
                .unwrap(),
        )
        .unwrap(),
    );
    assert_eq!(status, 200, "{same}");
    assert_eq!(
        (
            same["total"].as_u64(),
            same["would_fail"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    let (status, impact) = ask(&coordinator, "lipetsk", tightened("2099.1", "2099-01-01"));
    assert_eq!(status, 200, "{impact}");
    assert_eq!(
        (impact["total"].as_u64(), impact["checked"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(impact["next"], Value::Null);
    assert_eq!(impact["version"], "2099.1");
    let failing = impact["would_fail"].as_array().unwrap();
    assert_eq!(failing.len(), 1, "{impact}");
    assert_eq!(failing[0]["document"], krasnoe.as_str());
    assert_eq!(failing[0]["school"], "krasnoe");
    assert_eq!(failing[0]["judged_by"], "lipetsk/school-programme 2025.4");
    let rules: Vec<&str> = failing[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["lipetsk.pd-staff-min-10"]);
    // Paging: a limit of one over one submission says it is done.
    let (_, page) = coordinator.post(
        "/api/requirements/impact",
        &json!({"region": "lipetsk", "form": "school-programme",
                "requirements": tightened("2099.1", "2099-01-01"), "limit": 1, "after": krasnoe}),
    );
    assert_eq!(
        (
            page["checked"].as_u64(),
            page["would_fail"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );

    // The CLI walks the pages with progress on stderr and prints by rule and by school.
    let cli_dir = tempfile::tempdir().unwrap();
    let replica = Replica::new(cli_dir.path(), "coordinator");
    replica.login(&demo, "coordinator");
    let new_set = cli_dir.path().join("new-set.json");
    std::fs::write(&new_set, tightened("2099.1", "2099-01-01").to_string()).unwrap();
    let out = replica.run(&[
        "requirements",
        "impact",
        "--region",
        "lipetsk",
        "--form",
        "school-programme",
        new_set.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("проверено подач: 1 из 1"), "{stderr}");
    assert!(
        stdout.contains("из 1 поданных документов не прошли бы проверку 1"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("lipetsk.pd-staff-min-10") && l.contains("МБОУ СОШ с. Красное")),
        "{stdout}"
    );
    // A set that does not compile is refused before the server is asked (exit 2).
    std::fs::write(&new_set, r#"{"rules": []}"#).unwrap();
    let refused = replica.run(&[
        "requirements",
        "impact",
        "--region",
        "lipetsk",
        "--form",
        "school-programme",
        new_set.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");

    // Publish the tightened set as a new edition in force from 2026-01-01, the demo's
    // submissions having been made in 2025 under 2025.4.
    assert!(demo.stop());
    backdate_to(dir.path(), "2025-10-01T09:00:00.000Z");
    std::fs::write(
        forms
            .path()
            .join("regions/lipetsk/school-programme.2026.json"),
        serde_json::to_string_pretty(&tightened("2026.1", "2026-01-01")).unwrap(),
    )
    .unwrap();
    let server = Server::start_demo_with_forms(dir.path(), forms.path());
    let coordinator = Api::demo(&server, "coordinator");
    // Красное's programme keeps its verdict and its edition.
    let (status, report) = coordinator.get(&format!("/api/documents/{krasnoe}/report"));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["requirements_version"], "2025.4");
    let (_, registry) = coordinator.get("/api/registry");
    let row = registry
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["document"] == krasnoe.as_str())
        .unwrap();
    assert_eq!(row["requirements"], "lipetsk/school-programme 2025.4");
    // A submission made now is judged by 2026.1: Суходол's draft trains 30, below 40.
    let sukhodol = programme("sukhodol");
    let editor = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = editor.get(&format!("/api/documents/{sukhodol}"));
    let heads = detail["heads"].clone();
    let (status, refused) = editor.post(
        &format!("/api/documents/{sukhodol}/submissions"),
        &json!({"heads": heads}),
    );
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["details"]["requirements_version"], "2026.1");
    let rules: Vec<&str> = refused["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"lipetsk.pd-staff-min-10"), "{rules:?}");
    server.assert_audit_holds();
}

/// Moves every stored submission and decision to `at` (the server stopped).
fn backdate_to(data_dir: &Path, at: &str) {
    let db = rusqlite::Connection::open(data_dir.join("ravenstvo.sqlite3")).unwrap();
    db.execute("UPDATE submissions SET submitted_at = ?1", [at])
        .unwrap();
    db.execute(
        "UPDATE submissions SET decided_at = ?1 WHERE decided_at IS NOT NULL",
        [at],
    )
    .unwrap();
}
