//! Failures counted per key within a window (`Store::reserve_failures` and how they are
//! settled), on both engines: the limit holds for concurrent reservations from several
//! threads and several handles (as several server replicas hold them), one full key refuses
//! the whole reservation, given-back failures free their slots, passed windows start over and
//! are deleted.

#[macro_use]
mod support;

use std::time::{Duration, SystemTime};

use store::FailureKey;
use support::Fixture;

on_both_engines!(
    concurrent_reservations_from_several_handles_never_exceed_the_limit,
    a_given_back_failure_frees_one_slot,
    a_full_window_refuses_until_it_passes_and_a_new_window_starts_fresh,
    one_full_key_refuses_the_reservation_without_counting_the_others,
    forgetting_a_key_clears_its_window,
    a_failure_given_back_after_its_window_passed_does_not_free_the_next,
    passed_windows_are_deleted,
);

const WINDOW: Duration = Duration::from_secs(60);

fn login(name: &str) -> FailureKey<'_> {
    FailureKey {
        key: name,
        limit: 5,
    }
}

fn address() -> FailureKey<'static> {
    FailureKey {
        key: "address:127.0.0.1",
        limit: 50,
    }
}

/// The keys stored, sorted.
fn stored_keys(fixture: &Fixture) -> Vec<String> {
    fixture.strings("SELECT key FROM login_failures ORDER BY key")
}

fn concurrent_reservations_from_several_handles_never_exceed_the_limit(fixture: &Fixture) {
    let handles = [fixture.store.clone(), fixture.another_handle()];
    let now = SystemTime::now();
    let admitted: usize = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let store = handles[i % 2].clone();
                scope.spawn(move || {
                    (0..4)
                        .filter(|_| {
                            store
                                .reserve_failures(&[login("login:editor"), address()], WINDOW, now)
                                .unwrap()
                                .is_ok()
                        })
                        .count()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert_eq!(admitted, 5, "32 attempts at once, a limit of 5");
    // The address counted exactly the admitted ones: refused reservations counted nothing.
    for _ in 0..45 {
        fixture
            .store
            .reserve_failures(&[address()], WINDOW, now)
            .unwrap()
            .unwrap();
    }
    assert!(
        fixture
            .store
            .reserve_failures(&[address()], WINDOW, now)
            .unwrap()
            .is_err()
    );
}

fn a_given_back_failure_frees_one_slot(fixture: &Fixture) {
    let now = SystemTime::now();
    let mut held: Vec<_> = (0..5)
        .map(|_| {
            fixture
                .store
                .reserve_failures(&[login("login:editor"), address()], WINDOW, now)
                .unwrap()
                .unwrap()
        })
        .collect();
    let other = fixture.another_handle();
    assert!(
        other
            .reserve_failures(&[login("login:editor")], WINDOW, now)
            .unwrap()
            .is_err()
    );
    let last = held.pop().unwrap();
    assert_eq!(last[0].key(), "login:editor");
    other.give_back_failures(&last).unwrap();
    other
        .reserve_failures(&[login("login:editor")], WINDOW, now)
        .unwrap()
        .expect("the slot given back");
    assert!(
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, now)
            .unwrap()
            .is_err()
    );
    // Every failure given back: the windows are gone.
    fixture
        .store
        .forget_failures("login:editor")
        .expect("forgetting");
    for failures in held {
        fixture.store.give_back_failures(&failures[1..]).unwrap();
    }
    fixture.store.give_back_failures(&last[1..]).unwrap();
    assert_eq!(stored_keys(fixture), Vec::<String>::new());
}

fn a_full_window_refuses_until_it_passes_and_a_new_window_starts_fresh(fixture: &Fixture) {
    let start = SystemTime::now();
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, start)
            .unwrap()
            .unwrap();
    }
    let wait = fixture
        .store
        .reserve_failures(&[login("login:editor")], WINDOW, start)
        .unwrap()
        .unwrap_err();
    assert_eq!(wait, WINDOW);
    let later = start + Duration::from_secs(45);
    let wait = fixture
        .store
        .reserve_failures(&[login("login:editor")], WINDOW, later)
        .unwrap()
        .unwrap_err();
    assert_eq!(wait, Duration::from_secs(15));
    let next = start + WINDOW;
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, next)
            .unwrap()
            .expect("a new window");
    }
    assert!(
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, next)
            .unwrap()
            .is_err()
    );
}

fn one_full_key_refuses_the_reservation_without_counting_the_others(fixture: &Fixture) {
    let now = SystemTime::now();
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, now)
            .unwrap()
            .unwrap();
    }
    for _ in 0..10 {
        let refused = fixture
            .store
            .reserve_failures(
                &[login("login:director"), login("login:editor"), address()],
                WINDOW,
                now,
            )
            .unwrap();
        assert_eq!(refused, Err(WINDOW));
    }
    assert_eq!(stored_keys(fixture), ["login:editor"]);
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:director")], WINDOW, now)
            .unwrap()
            .expect("nothing was counted for director");
    }
}

fn forgetting_a_key_clears_its_window(fixture: &Fixture) {
    let now = SystemTime::now();
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:editor"), address()], WINDOW, now)
            .unwrap()
            .unwrap();
    }
    fixture.store.forget_failures("login:editor").unwrap();
    assert_eq!(stored_keys(fixture), ["address:127.0.0.1"]);
    fixture
        .store
        .reserve_failures(&[login("login:editor")], WINDOW, now)
        .unwrap()
        .expect("forgotten");
}

fn a_failure_given_back_after_its_window_passed_does_not_free_the_next(fixture: &Fixture) {
    let start = SystemTime::now();
    let old = fixture
        .store
        .reserve_failures(&[login("login:editor")], WINDOW, start)
        .unwrap()
        .unwrap();
    let next = start + WINDOW;
    for _ in 0..5 {
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, next)
            .unwrap()
            .unwrap();
    }
    fixture.store.give_back_failures(&old).unwrap();
    assert!(
        fixture
            .store
            .reserve_failures(&[login("login:editor")], WINDOW, next)
            .unwrap()
            .is_err()
    );
}

fn passed_windows_are_deleted(fixture: &Fixture) {
    let start = SystemTime::now();
    for i in 0..20 {
        let name = format!("login:stranger-{i}");
        fixture
            .store
            .reserve_failures(&[login(&name)], WINDOW, start)
            .unwrap()
            .unwrap();
    }
    assert_eq!(stored_keys(fixture).len(), 20);
    fixture
        .store
        .reserve_failures(&[login("login:editor")], WINDOW, start + WINDOW)
        .unwrap()
        .unwrap();
    assert_eq!(stored_keys(fixture), ["login:editor"]);
}
