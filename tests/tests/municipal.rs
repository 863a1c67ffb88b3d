//! A district's own requirements on the real server: a Kadoshkino school's submission is judged
//! by the Republic of Mordovia's set and the Kadoshkino district's over it; an Insar school's,
//! with the same content, by the Republic's alone. The server takes the school's municipality
//! from its records, never from the document.

use e2e::{Replica, Server, example};

/// A programme that breaks only the Kadoshkino district's monitoring-stages rule.
const BREAKS_DISTRICT: &str =
    "school-programme.mordovia.kadoshkino.invalid.kadoshkino.monitoring-stages.json";

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_kadoshkino_school_is_judged_by_the_district_and_an_insar_school_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let content = example(BREAKS_DISTRICT);
    let content = content.to_str().unwrap();

    let kadoshkino = Replica::new(&dir.path().join("kadoshkino"), "Кирдяшкина С. И.");
    kadoshkino.login(&server, "kadoshkino-editor");
    let doc = kadoshkino
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
            content,
        ])
        .trim()
        .to_owned();
    // Locally too the district's set applies: the document says it is Kadoshkino's.
    let local = kadoshkino.run(&["validate", &doc]);
    assert_eq!(local.status.code(), Some(1), "{}", text(&local));
    let refused = kadoshkino.run(&["submit", &doc]);
    let said = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("[kadoshkino.monitoring-stages]"), "{said}");
    assert!(
        said.contains("(требование Кадошкинского муниципального района)"),
        "{said}"
    );
    assert!(
        said.contains("mordovia/school-programme + mordovia/kadoshkino/school-programme"),
        "{said}"
    );

    // Insar has no requirements of its own. Its editor even writes «kadoshkino» into the
    // document's root: the server goes by the school's record, and accepts the programme.
    let insar = Replica::new(&dir.path().join("insar"), "Пиксаева О. Н.");
    insar.login(&server, "insar-editor");
    let doc = insar
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
            content,
        ])
        .trim()
        .to_owned();
    let submitted = insar.ok(&["submit", &doc]);
    assert!(submitted.contains("Документ подан: раунд 1"), "{submitted}");
    assert!(!submitted.contains("kadoshkino."), "{submitted}");
}
