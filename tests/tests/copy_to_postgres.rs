//! `sync-server copy --to postgres://…`: a region served from its SQLite file moves to
//! PostgreSQL and a server on PostgreSQL then serves exactly the same documents, narratives,
//! accounts and audit chain, and goes on writing (ids continue after the copied ones).
//!
//! Needs PostgreSQL (Debian's `postgresql` package); skipped without it unless
//! `RAVENSTVO_REQUIRE_POSTGRES=1`.

mod support;

use e2e::{Api, Server, postgres, server_command};
use serde_json::Value;
use support::{Client, document, runtime};

/// Everything the administrator's API shows of every document.
fn documents(server: &Server) -> Vec<Value> {
    let admin = Api::demo(server, "admin");
    let (status, list) = admin.get("/api/documents");
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|summary| {
            let id = summary["id"].as_str().unwrap();
            let (status, detail) = admin.get(&format!("/api/documents/{id}"));
            assert_eq!(status, 200, "{detail}");
            detail
        })
        .collect()
}

#[test]
fn a_region_moves_from_sqlite_to_postgresql_and_is_served_the_same() {
    if e2e::on_postgres() {
        // The source must be a SQLite file; this run's servers are all on PostgreSQL.
        return;
    }
    let pg = match postgres::shared() {
        Ok(pg) => pg,
        Err(why) => return postgres::skip("copy to postgres", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_dir = dir.path().join("sqlite");
    let server = Server::start_demo(&sqlite_dir);
    let programme = document(&server, "school-programme", "krasnoe");
    let narrative = runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        editor.splice(0, 0, "До переноса. ").await;
        let mut other = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        assert!(other.until(|c| c.text().starts_with("До переноса. ")).await);
        other.text()
    });
    let before = documents(&server);
    assert!(before.len() >= 5, "the demo has documents in every state");
    assert!(server.stop());

    let url = pg.create_database().unwrap();
    let data = sqlite_dir.to_str().unwrap();
    let out = server_command(&["copy", "--data-dir", data, "--to", &url]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("цепочка аудита цела"), "{said}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("samod_kv"),
        "progress is shown per table"
    );
    // A second copy into the now full database is refused and changes nothing.
    let again = server_command(&["copy", "--data-dir", data, "--to", &url]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("не пуста"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let on_pg = |name: &str| {
        Server::start_with(
            &dir.path().join(name),
            false,
            &["--database".into(), url.clone().into()],
        )
    };
    let server = on_pg("pg");
    let (_, health) = Api::anonymous(&server).get("/healthz");
    assert_eq!(health["database"], "postgresql");
    let after = documents(&server);
    assert_eq!(after, before, "the documents differ after the move");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        assert_eq!(editor.text(), narrative);
        // Writing goes on: new narrative updates get new sequence numbers.
        editor.splice(0, 0, "После переноса. ").await;
        let mut other = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        assert!(
            other
                .until(|c| c.text().starts_with("После переноса. "))
                .await
        );
    });
    server.assert_audit_holds();
    assert!(server.stop());
    // And it is stored: a fresh server on the database has it.
    let server = on_pg("pg2");
    runtime().block_on(async {
        let reader = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert_eq!(reader.text(), format!("После переноса. {narrative}"));
    });
    server.assert_audit_holds();
    assert!(server.stop());
}
