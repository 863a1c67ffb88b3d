//! The README's tour (`scripts/tour.sh`) run as is against the real server with the demo
//! region: a programme goes from an offline draft through a return with a comment, a second
//! round and approval into the regional registry and its exports, all with the CLI. If the
//! README's commands stop working, this fails.

use std::process::Command;

use e2e::{Api, Server, bin, root};

#[test]
fn the_readme_tour_takes_a_programme_from_draft_to_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let work = dir.path().join("tour");
    let out = Command::new("bash")
        .arg(root().join("scripts/tour.sh"))
        .env("SERVER", &server.url)
        .env("RAVENSTVO", bin("ravenstvo"))
        .env("RAVENSTVO_FORMS_DIR", root().join("forms"))
        .env("TOUR_DIR", &work)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tour failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Документ подан: раунд 2"), "{stdout}");
    // The region identified its schools and confirmed it; the school sees its category.
    assert!(
        stdout.contains("подтверждено; категории школ вступили в силу"),
        "{stdout}"
    );
    assert!(
        stdout.contains("да — основание: приказ управления образования и науки Липецкой области"),
        "{stdout}"
    );
    // Both people's sentences are in the one narrative the editor shows.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("Оценка наставника") && l.contains("Главное — мотивация")),
        "the narrative written by two: {stdout}"
    );
    assert!(
        stdout.contains("«2027-06-30» → «2027-08-31»"),
        "the reviewer's diff: {stdout}"
    );
    let doc = stdout
        .lines()
        .find_map(|line| line.strip_prefix("tour done: "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the tour names its document")
        .to_owned();

    let (status, rows) = Api::demo(&server, "coordinator").get("/api/registry?status=collected");
    assert_eq!(status, 200);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["document"] == doc.as_str())
        .unwrap_or_else(|| panic!("{doc} is not in the registry: {rows}"));
    assert_eq!(row["round"], 2);
    assert_eq!(row["ends"], "2027-08-31");
    let csv = std::fs::read_to_string(work.join("registry.csv")).unwrap();
    assert!(csv.contains("МБОУ СОШ с. Красное"), "{csv}");
    let xlsx = std::fs::read(work.join("registry.xlsx")).unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    // The campaign: the mentor schools owe a policy change they do not have.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("МАОУ «Лицей № 44»") && l.contains("нет документа")),
        "who is missing: {stdout}"
    );
    assert!(
        stdout.contains("Нет документа: 3; просрочено: 0."),
        "{stdout}"
    );
    let campaign = std::fs::read_to_string(work.join("campaign.csv")).unwrap();
    assert_eq!(campaign.lines().count(), 1 + 8, "{campaign}");
}
