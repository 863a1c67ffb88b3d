//! The hash-chained audit log on both engines: appends from several handles on one database
//! (as several server processes make them) keep one unforked chain, and tampering with the
//! stored rows is detected.

#[macro_use]
mod support;

use store::{AuditEntry, Store};
use support::Fixture;

on_both_engines!(
    concurrent_appends_from_two_handles_keep_one_chain,
    an_edited_row_and_deleted_rows_break_the_chain,
);

fn entry(actor: &str, n: usize) -> AuditEntry {
    AuditEntry {
        actor: actor.to_owned(),
        action: "test-act".to_owned(),
        subject: format!("subject-{n}"),
        heads: String::new(),
        details: serde_json::json!({ "n": n }),
    }
}

/// Two handles with connections of their own (two replicas), two threads each, appending at
/// once: every entry is kept, numbered without gaps, and the chain verifies.
fn concurrent_appends_from_two_handles_keep_one_chain(fixture: &Fixture) {
    const PER_THREAD: usize = 40;
    let replicas = [fixture.store.clone(), fixture.another_handle()];
    std::thread::scope(|scope| {
        for (r, store) in replicas.iter().enumerate() {
            for t in 0..2 {
                let actor = format!("replica-{r}-thread-{t}");
                scope.spawn(move || {
                    for n in 0..PER_THREAD {
                        store.audit(&entry(&actor, n)).unwrap();
                    }
                });
            }
        }
    });
    let total = 4 * PER_THREAD;
    for store in &replicas {
        assert_eq!(store.verify_audit().unwrap(), Ok(total));
    }
    let log = fixture.store.audit_log().unwrap();
    let seqs: Vec<i64> = log.iter().map(|row| row.seq).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(total).unwrap()).collect::<Vec<_>>()
    );
    for pair in log.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "row {}", pair[1].seq);
    }
    // Each thread's entries are all there, in its own order.
    for r in 0..2 {
        for t in 0..2 {
            let actor = format!("replica-{r}-thread-{t}");
            let mine: Vec<&str> = log
                .iter()
                .filter(|row| row.actor == actor)
                .map(|row| row.subject.as_str())
                .collect();
            let want: Vec<String> = (0..PER_THREAD).map(|n| format!("subject-{n}")).collect();
            assert_eq!(mine, want, "{actor}");
        }
    }
}

/// Someone with access to the database edits a row, deletes one in the middle, then the
/// last ones: each is found at the right row.
fn an_edited_row_and_deleted_rows_break_the_chain(fixture: &Fixture) {
    let store: &Store = &fixture.store;
    for n in 0..10 {
        store.audit(&entry("admin", n)).unwrap();
    }
    assert_eq!(store.verify_audit().unwrap(), Ok(10));

    fixture.execute("UPDATE audit_log SET actor = 'intruder' WHERE seq = 7");
    let broken = store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 7, "{broken}");
    assert!(broken.problem.contains("edited"), "{}", broken.problem);
    fixture.execute("UPDATE audit_log SET actor = 'admin' WHERE seq = 7");
    assert_eq!(store.verify_audit().unwrap(), Ok(10));

    fixture.execute("DELETE FROM audit_log WHERE seq = 9 OR seq = 10");
    let broken = store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 9, "{broken}");
    assert!(broken.problem.contains("missing"), "{}", broken.problem);

    fixture.execute("DELETE FROM audit_log WHERE seq = 4");
    let broken = store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 4, "{broken}");
}
