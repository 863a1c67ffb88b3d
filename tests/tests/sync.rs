//! Three offline replicas of one programme, a real server, real websockets: concurrent edits
//! merge with nothing lost, whatever the order of syncs, across server restarts and kills.

use e2e::{Replica, Server, example};
use serde_json::{Value, json};

const FORM: &str = "school-programme";

fn text_at(doc: &Value, pointer: &str) -> String {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer}"))
        .to_owned()
}

fn new_programme(a: &Replica) -> String {
    let from = example("school-programme.lipetsk.valid.json");
    a.ok(&[
        "new",
        FORM,
        "--region",
        "lipetsk",
        "--mentor",
        "lyceum-44",
        "--from",
        from.to_str().unwrap(),
    ])
    .trim()
    .to_owned()
}

#[test]
fn three_offline_replicas_converge_with_every_edit() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    // The school's editor and director and the mentor school's editor: all parties.
    let a = Replica::new(&dir.path().join("a"), "Анна Петрова");
    let b = Replica::new(&dir.path().join("b"), "Борис Иванов");
    let c = Replica::new(&dir.path().join("c"), "Вера Смирнова");
    a.login(&server, "editor");
    b.login(&server, "director");
    c.login(&server, "mentor");

    let doc = new_programme(&a);
    assert!(
        a.sync(&server, &[])
            .contains("Синхронизировано документов: 1")
    );
    b.sync(&server, &[&doc]);
    c.sync(&server, &[&doc]);
    let start = a.json(&doc);
    assert_eq!(b.json(&doc), start);
    assert_eq!(c.json(&doc), start);
    let rows = start["action_plan"].as_array().unwrap().len();
    let causes = text_at(&start, "/causes_analysis/internal_causes");
    let end_of_causes = causes.chars().count().to_string();

    // All three go offline and edit concurrently.
    // Different fields:
    a.ok(&[
        "edit",
        &doc,
        "-m",
        "уточнён срок",
        "set",
        "/period/end",
        "\"2027-08-31\"",
    ]);
    b.ok(&[
        "edit",
        &doc,
        "set",
        "/curator/phone",
        "\"+7 (4742) 32-11-00\"",
    ]);
    c.ok(&["edit", &doc, "set", "/trained_staff_count", "31"]);
    // One text at different positions:
    a.ok(&[
        "edit",
        &doc,
        "text",
        "/causes_analysis/internal_causes",
        "--at",
        "0",
        "--insert",
        "[А] ",
    ]);
    b.ok(&[
        "edit",
        &doc,
        "text",
        "/causes_analysis/internal_causes",
        "--at",
        &end_of_causes,
        "--insert",
        " [Б]",
    ]);
    // Rows inserted into the same list:
    let row = |number: &str, who: &str| {
        json!({
            "number": number, "activity": format!("Мероприятие, добавленное: {who}"),
            "direction": "teaching", "timing": {"from": "2026-01-10", "to": "2026-02-10"},
            "responsible": [{"kind": "person", "name": who}], "expected_result": "Протокол"
        })
        .to_string()
    };
    a.ok(&[
        "edit",
        &doc,
        "insert",
        "/action_plan/-",
        &row("9.1", "Учитель А"),
    ]);
    b.ok(&[
        "edit",
        &doc,
        "insert",
        "/action_plan/-",
        &row("9.2", "Учитель Б"),
    ]);
    c.ok(&[
        "edit",
        &doc,
        "insert",
        "/action_plan/0",
        &row("9.3", "Учитель В"),
    ]);
    // One row edited by two people (different fields of the first original row, which is now
    // row 1 for C and row 0 for A and B):
    a.ok(&[
        "edit",
        &doc,
        "set",
        "/action_plan/0/responsible/0/name",
        "\"Пахомова И. Н. и Орлова Т. С.\"",
    ]);
    c.ok(&[
        "edit",
        &doc,
        "text",
        "/action_plan/1/expected_result",
        "--at",
        "0",
        "--insert",
        "Утверждённый ",
    ]);

    // Sync in several orders.
    c.sync(&server, &[]);
    a.sync(&server, &[]);
    b.sync(&server, &[]);
    c.sync(&server, &[]);
    a.sync(&server, &[]);

    let merged = a.json(&doc);
    assert_eq!(b.json(&doc), merged, "B differs from A");
    assert_eq!(c.json(&doc), merged, "C differs from A");

    assert_eq!(merged["period"]["end"], "2027-08-31");
    assert_eq!(merged["curator"]["phone"], "+7 (4742) 32-11-00");
    assert_eq!(merged["trained_staff_count"], 31);
    let merged_causes = text_at(&merged, "/causes_analysis/internal_causes");
    assert_eq!(merged_causes, format!("[А] {causes} [Б]"));
    let plan = merged["action_plan"].as_array().unwrap();
    assert_eq!(plan.len(), rows + 3);
    for who in ["Учитель А", "Учитель Б", "Учитель В"] {
        assert!(
            plan.iter().any(|r| r["responsible"][0]["name"] == who),
            "row added by {who} lost"
        );
    }
    let original_first = plan.iter().find(|r| r["number"] == "1.1").unwrap();
    assert_eq!(
        original_first["responsible"][0]["name"],
        "Пахомова И. Н. и Орлова Т. С."
    );
    assert!(text_at(original_first, "/expected_result").starts_with("Утверждённый "));

    // History names the authors of the merged edits.
    let history = a.ok(&["history", &doc]);
    for author in ["Анна Петрова", "Борис Иванов", "Вера Смирнова"]
    {
        assert!(
            history.contains(author),
            "{author} missing from history:\n{history}"
        );
    }
    // The merged programme is still a valid Lipetsk programme.
    a.assert_valid(&doc);
    assert!(server.stop());
}

#[test]
fn nothing_is_lost_across_restarts_and_kills() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    let server = Server::start_demo(&server_dir);
    let addr = server.addr();
    let a = Replica::new(&dir.path().join("a"), "Анна");
    let b = Replica::new(&dir.path().join("b"), "Борис");
    a.login(&server, "editor");
    b.login(&server, "mentor");
    let doc = new_programme(&a);
    a.sync(&server, &[]);

    // A graceful restart between syncs.
    assert!(server.stop(), "SIGTERM stops the server cleanly");
    a.ok(&[
        "edit",
        &doc,
        "set",
        "/title",
        "\"Программа после перезапуска\"",
    ]);
    let server = Server::start_on(&server_dir, &addr);
    a.sync(&server, &[]);
    b.sync(&server, &[&doc]);
    assert_eq!(b.json(&doc)["title"], "Программа после перезапуска");

    // The server is killed with SIGKILL right after a sync it acknowledged.
    b.ok(&["edit", &doc, "set", "/trained_staff_count", "21"]);
    b.sync(&server, &[]);
    server.kill();
    let server = Server::start_on(&server_dir, &addr);
    let fresh = Replica::new(&dir.path().join("fresh"), "Новый");
    fresh.login(&server, "mentor-director");
    fresh.sync(&server, &[&doc]);
    assert_eq!(
        fresh.json(&doc)["trained_staff_count"],
        21,
        "an acknowledged edit was lost by a killed server"
    );

    // An unreachable server is a clear error with its own exit code.
    drop(server);
    let out = a.run(&["sync", "--server", &format!("http://{addr}")]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("недоступен"), "{stderr}");
    // Offline work goes on.
    a.ok(&["edit", &doc, "set", "/title", "\"Правка без сети\""]);
    assert_eq!(a.json(&doc)["title"], "Правка без сети");
}

#[test]
fn a_replica_killed_mid_edit_keeps_every_finished_edit_and_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let a = Replica::new(&dir.path().join("a"), "Анна");
    let doc = new_programme(&a);
    let mut finished = Vec::new();
    // The last edit gets all the time it needs: its success must be durable.
    for (i, delay_ms) in [0u64, 5, 20, 60, 150, 10_000].into_iter().enumerate() {
        let value = format!("\"Правка {i}\"");
        let mut child = std::process::Command::new(e2e::bin("ravenstvo"))
            .args(["edit", &doc, "set", "/title", &value])
            .env("RAVENSTVO_DATA_DIR", &a.data_dir)
            .env("RAVENSTVO_FORMS_DIR", e2e::root().join("forms"))
            .env("RAVENSTVO_AUTHOR", &a.author)
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(delay_ms);
        while std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // SIGKILL: no chance to flush or close anything.
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished.push(i);
        }
        // Whatever the moment of the kill, the replica opens and the document reads whole:
        // the title is the original or one of the edits, never something broken.
        let title = a.json(&doc)["title"].as_str().unwrap().to_owned();
        assert!(
            title.starts_with("Программа") || title.starts_with("Правка "),
            "{title}"
        );
    }
    // An edit whose command reported success was durable before the process ended.
    assert_eq!(finished.last(), Some(&5), "the unhurried edit finished");
    assert_eq!(a.json(&doc)["title"], "Правка 5");
    let history = a.ok(&["history", &doc]);
    assert!(history.lines().count() > finished.len(), "{history}");
}
