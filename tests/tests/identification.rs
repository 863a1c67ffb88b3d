//! Identification of schools on the real server: the regional coordinator uploads the Kadoshkino
//! district's indicators, the result is preliminary until confirmed, only the coordinator may
//! upload or confirm, a school sees only its own category, a table with errors is refused
//! whole, and once confirmed the category replaces the one a programme declares in the rule
//! that reads it (`kadoshkino.high-result-agreement`).

use e2e::{Api, Replica, Server, example, root};
use serde_json::Value;

const UPLOAD: &str = "/api/identification?region=mordovia&municipality=kadoshkino&year=2025";

fn demo_table() -> Vec<u8> {
    std::fs::read(root().join("sync-server/demo/identification.kadoshkino.2025.csv")).unwrap()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A Kadoshkino programme that declares the school «adverse conditions» and so names no
/// school with high results among its partners: valid as long as the declaration stands.
fn declared_adverse(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(example("school-programme.mordovia.kadoshkino.valid.json"))
        .unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["school_profile"]["status"] = "adverse_conditions".into();
    doc["network_interaction"]["partners"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["kind"] != "high_result");
    let path = dir.join("declared-adverse.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn a_confirmed_identification_reaches_the_school_and_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let coordinator = Api::demo(&server, "mordovia-coordinator");
    let school = Api::demo(&server, "kadoshkino-editor");

    // Only the region's coordinator uploads: Lipetsk's coordinator and the school are refused.
    for stranger in ["coordinator", "kadoshkino-editor"] {
        let (status, body) =
            Api::demo(&server, stranger).post_raw(UPLOAD, "text/csv", &demo_table());
        assert_eq!(status, 403, "{stranger}: {body}");
    }
    // A table with errors is refused whole, every problem by row and column.
    let mut bad = String::from_utf8(demo_table()).unwrap();
    bad = bad.replacen(";3,31;", ";три;", 1);
    bad.push_str("insar-school;МБОУ «Инсарская СОШ № 1»\n");
    let (status, body) = coordinator.post_raw(UPLOAD, "text/csv", bad.as_bytes());
    assert_eq!(status, 422, "{body}");
    let errors: Vec<String> = body["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["row"], e["column"], e["message"]))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "2 \"ОГЭ, русский язык: средний балл в предыдущем учебном году\" \"не число: «три»\""
        ),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("3 \"Код школы\""),
        "an Insar school is not Kadoshkino's: {errors:?}"
    );
    let (_, listed) = coordinator.get("/api/identification?region=mordovia");
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing half-imported");

    let (status, stored) = coordinator.post_raw(UPLOAD, "text/csv; charset=utf-8", &demo_table());
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["state_ru"], "предварительно");
    assert_eq!(stored["schools"][0]["status"], "low_results");
    assert!(
        stored["schools"][0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5")
    );
    let id = stored["id"].as_i64().unwrap();

    // Preliminary: nothing in effect, and the self-declared category still decides.
    let (status, own) = school.get("/api/schools/kadoshkino-school/identification");
    assert_eq!((status, &own["in_effect"]), (200, &Value::Null), "{own}");
    let replica = Replica::new(&dir.path().join("school"), "Кирдяшкина С. И.");
    replica.login(&server, "kadoshkino-editor");
    let content = declared_adverse(dir.path());
    let new_programme = || {
        replica
            .ok(&[
                "new",
                "school-programme",
                "--region",
                "mordovia",
                "--municipality",
                "kadoshkino",
                "--mentor",
                "lyceum-26",
                "--from",
                content.to_str().unwrap(),
            ])
            .trim()
            .to_owned()
    };
    let before = new_programme();
    let submitted = replica.ok(&["submit", &before]);
    assert!(submitted.contains("Документ подан: раунд 1"), "{submitted}");

    // Only the coordinator of the region confirms; a school gets the same 404 as for nothing.
    let (status, _) = school.post(&format!("/api/identification/{id}/confirm"), &Value::Null);
    assert_eq!(status, 404);
    let (status, _) = Api::demo(&server, "coordinator")
        .post(&format!("/api/identification/{id}/confirm"), &Value::Null);
    assert_eq!(status, 404);
    let coordinator_cli = Replica::new(&dir.path().join("coordinator"), "Ведяшкина Н. П.");
    coordinator_cli.login(&server, "mordovia-coordinator");
    let confirmed = coordinator_cli.ok(&["identify", "--confirm", &id.to_string()]);
    assert!(confirmed.contains("подтверждено"), "{confirmed}");
    let (status, again) =
        coordinator.post(&format!("/api/identification/{id}/confirm"), &Value::Null);
    assert_eq!(status, 409, "{again}");

    // The school sees its own category and reasons; another school does not.
    let (_, own) = school.get("/api/schools/kadoshkino-school/identification");
    assert_eq!(own["in_effect"]["state"], "confirmed");
    assert_eq!(own["in_effect"]["schools"].as_array().unwrap().len(), 1);
    assert_eq!(
        own["in_effect"]["schools"][0]["categories"][0]["title"],
        "Школа с низкими результатами обучения"
    );
    let (status, _) =
        Api::demo(&server, "insar-editor").get("/api/schools/kadoshkino-school/identification");
    assert_eq!(status, 404);
    let shown = replica.ok(&["identify", "--school", "kadoshkino-school"]);
    assert!(
        shown.contains("4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5"),
        "{shown}"
    );

    // Confirmed low results: the same content is now refused by the rule that asks for a
    // school with high results among the partners.
    let after = new_programme();
    let refused = replica.run(&["submit", &after]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(
        said.contains("[kadoshkino.high-result-agreement]"),
        "{said}"
    );
    server.assert_audit_holds();
}

#[test]
fn the_cli_previews_locally_and_uploads_when_logged_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let table = root().join("sync-server/demo/identification.lipetsk.2025.csv");
    let table = table.to_str().unwrap();
    let cli = Replica::new(&dir.path().join("coordinator"), "Левченко М. Ю.");
    let local = cli.ok(&["identify", "--region", "lipetsk", "--year", "2025", table]);
    assert!(local.contains("расчёт на этом компьютере"), "{local}");
    assert!(local.contains("krasnoe"), "{local}");
    cli.login(&server, "coordinator");
    let uploaded = cli.ok(&["identify", "--region", "lipetsk", "--year", "2025", table]);
    assert!(
        uploaded.contains("сохранён на сервере: предварительно"),
        "{uploaded}"
    );
    let template = cli.ok(&["identify", "--template", "--region", "lipetsk"]);
    assert!(
        template.starts_with("Код школы;Школа;Включена в реестр"),
        "{template}"
    );
}
