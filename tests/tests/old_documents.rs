//! A programme stored on the server before the forms' 2.0.0 shapes (plan rows dated with
//! `start`/`end`, a responsible as one string) is judged in the new shapes when submitted:
//! the server reads it through `forms::migrate` and accepts it, pinning it as it is.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue, Value as AmValue};
use e2e::{Api, Server};
use samod::Repo;
use serde_json::json;
use store::SqliteStorage;

/// The demo programme of the school «krasnoe», by the administrator who sees every document.
fn krasnoe_programme(server: &Server) -> String {
    Api::demo(server, "admin")
        .documents()
        .into_iter()
        .find(|(_, form, school)| form == "school-programme" && school == "krasnoe")
        .map(|(id, ..)| id)
        .expect("the demo has a programme of krasnoe")
}

/// The string under `key` of a map (a scalar or a text).
fn string_at(doc: &impl ReadDoc, obj: &automerge::ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).unwrap()? {
        (AmValue::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        (AmValue::Object(ObjType::Text), id) => Some(doc.text(&id).unwrap()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_programme_stored_in_the_1_x_shapes_is_submitted_in_the_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("server");
    let data = data_dir.clone();
    let doc = tokio::task::spawn_blocking(move || {
        let server = Server::start_demo(&data);
        let doc = krasnoe_programme(&server);
        assert!(server.stop(), "the server stops cleanly");
        doc
    })
    .await
    .unwrap();

    // Turn every plan row back into the 1.x shape, straight in the server's database, as a
    // document written before the change was stored.
    let store = e2e::open_store(&data_dir);
    let repo = Repo::build_tokio()
        .with_storage(SqliteStorage::new(store))
        .load()
        .await;
    let handle = repo
        .find(doc.parse().unwrap())
        .await
        .unwrap()
        .expect("the demo document is stored");
    let rows = handle.with_document(|document| {
        let data = document.get(ROOT, "data").unwrap().unwrap().1;
        let plan = document.get(&data, "action_plan").unwrap().unwrap().1;
        let rows = document.length(&plan);
        let mut tx = document.transaction();
        for index in 0..rows {
            let row = tx.get(&plan, index).unwrap().unwrap().1;
            let timing = tx.get(&row, "timing").unwrap().unwrap().1;
            let from = string_at(&tx, &timing, "from").or_else(|| string_at(&tx, &timing, "at"));
            let to = string_at(&tx, &timing, "to").or_else(|| from.clone());
            let responsible = tx.get(&row, "responsible").unwrap().unwrap().1;
            let first = tx.get(&responsible, 0).unwrap().unwrap().1;
            let name = string_at(&tx, &first, "name").unwrap();
            tx.delete(&row, "timing").unwrap();
            tx.put(&row, "start", from.expect("a dated row")).unwrap();
            tx.put(&row, "end", to.expect("a dated row")).unwrap();
            tx.put(&row, "responsible", name).unwrap();
        }
        tx.commit();
        rows
    });
    assert!(rows > 0);
    repo.stop().await;

    tokio::task::spawn_blocking(move || {
        let server = Server::start(&data_dir);
        let director = Api::login(&server, "director", e2e::demo_password("director"));
        let (status, detail) = director.get(&format!("/api/documents/{doc}"));
        assert_eq!(status, 200, "{detail}");
        let (status, body) = director.post(
            &format!("/api/documents/{doc}/submissions"),
            &json!({ "heads": detail["heads"] }),
        );
        assert!(
            (200..300).contains(&status),
            "the old programme is judged valid: {status} {body}"
        );
        let (_, detail) = director.get(&format!("/api/documents/{doc}"));
        let submission = &detail["submissions"][0];
        assert_eq!(submission["form_version"], "2.0.0", "{detail}");
        assert_eq!(detail["status"], "submitted", "{detail}");
        assert!(server.stop(), "the server stops cleanly");
    })
    .await
    .unwrap();
}
