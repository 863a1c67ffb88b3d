//! A real samod `Repo` on `DocumentStorage`, on both engines: what one replica writes, the
//! next one finds.

#[macro_use]
mod support;

use automerge::{Automerge, ReadDoc, ScalarValue, Value, transaction::Transactable};
use samod::Repo;
use store::DocumentStorage;
use support::Fixture;

tokio_on_both_engines!(document_changed_in_one_repo_is_found_with_its_change_by_the_next);

fn title(doc: &Automerge) -> Option<String> {
    match doc.get(automerge::ROOT, "title").unwrap() {
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        _ => None,
    }
}

async fn document_changed_in_one_repo_is_found_with_its_change_by_the_next(fixture: Fixture) {
    let store = fixture.another_handle();
    let repo = Repo::build_tokio()
        .with_storage(DocumentStorage::new(store.clone()))
        .load()
        .await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    let doc_id = handle.document_id().clone();
    handle.with_document(|doc| {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "title", "Программа развития")?;
            Ok(())
        })
        .unwrap();
    });
    repo.stop().await;
    assert!(store.health().is_healthy());
    assert_eq!(store.document_ids().unwrap(), [doc_id.to_string()]);
    drop((handle, repo, store));

    let store = fixture.another_handle();
    let repo = Repo::build_tokio()
        .with_storage(DocumentStorage::new(store.clone()))
        .load()
        .await;
    let found = repo
        .find(doc_id.clone())
        .await
        .unwrap()
        .expect("the document is in the database");
    assert_eq!(
        found.with_document(|doc| title(doc)).as_deref(),
        Some("Программа развития")
    );
    assert_eq!(store.document_ids().unwrap(), [doc_id.to_string()]);
    repo.stop().await;
}
