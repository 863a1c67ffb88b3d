//! Rules across a school's documents on the real server: at submission, a Lipetsk programme is
//! checked against the school's partnership agreement as the server holds it now. Without an
//! agreement the rules only warn that they could not be checked; with one that names another
//! agreement number the programme is refused; once the agreement is corrected and synced, the
//! programme is accepted.

use e2e::{Replica, Server, example};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn new(replica: &Replica, form: &str, from: &str) -> String {
    replica
        .ok(&[
            "new",
            form,
            "--region",
            "lipetsk",
            "--mentor",
            "gymnasium-12",
            "--from",
            example(from).to_str().unwrap(),
        ])
        .trim()
        .to_owned()
}

#[test]
fn a_programme_is_checked_against_the_school_s_agreement_at_submission() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let editor = Replica::new(&dir.path().join("sukhodol"), "Рябова Н. О.");
    editor.login(&server, "sukhodol-editor");

    // Суходол has no agreement yet: the programme goes in, with the two rules' warnings.
    let first = new(
        &editor,
        "school-programme",
        "school-programme.lipetsk.valid.json",
    );
    let submitted = editor.ok(&["submit", &first]);
    assert!(submitted.contains("Документ подан: раунд 1"), "{submitted}");
    for rule in [
        "lipetsk.agreement-same-mentor",
        "lipetsk.agreement-referenced",
    ] {
        assert!(submitted.contains(&format!("[{rule}]")), "{submitted}");
    }
    assert!(
        submitted.contains("не проверено, нет документа школы «Договор о сетевом партнёрстве"),
        "{submitted}"
    );

    // An agreement whose number is not the one the programme names.
    let agreement = new(
        &editor,
        "partnership-agreement",
        "partnership-agreement.lipetsk.valid.json",
    );
    editor.ok(&[
        "edit",
        &agreement,
        "-m",
        "номер",
        "set",
        "/number",
        "\"99/2025\"",
    ]);
    editor.sync(&server, &[]);
    let second = new(
        &editor,
        "school-programme",
        "school-programme.lipetsk.valid.json",
    );
    let refused = editor.run(&["submit", &second]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("[lipetsk.agreement-referenced]"), "{said}");
    assert!(!said.contains("[lipetsk.agreement-same-mentor]"), "{said}");
    assert!(said.contains("(требование Липецкой области)"), "{said}");

    // The agreement corrected (its current content counts, not a submitted version).
    editor.ok(&[
        "edit",
        &agreement,
        "-m",
        "номер",
        "set",
        "/number",
        "\"17/РОВ-2025\"",
    ]);
    editor.sync(&server, &[]);
    let accepted = editor.ok(&["submit", &second]);
    assert!(accepted.contains("Документ подан: раунд 1"), "{accepted}");
    assert!(!accepted.contains("lipetsk.agreement-"), "{accepted}");
}
