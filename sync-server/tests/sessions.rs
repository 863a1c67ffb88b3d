//! A live connection ends when its token expires, not only when someone revokes it: the
//! session registry's sweep reads the tokens against the clock, on a real database.

use std::time::Duration;

use sync_server::sessions::{LiveSessions, watch};
use sync_server::sync::connection::Closer;
use sync_server::{AppState, Config};

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_is_closed_when_its_token_expires() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        database: None,
        advertise: None,
        forms_dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms"),
        demo: false,
        web_dir: dir.path().join("web"),
    };
    let state = AppState::open(&config, "127.0.0.1:9".parse().unwrap())
        .await
        .unwrap();
    let store = state.store.clone();
    let (short, long) = tokio::task::spawn_blocking(move || {
        let user = store
            .add_user("ivanova", "Иванова А. П.", "длинный-пароль-1", "test")
            .unwrap();
        (
            store.issue_token(&user, Duration::from_secs(1)).unwrap(),
            store.issue_token(&user, Duration::from_secs(3600)).unwrap(),
        )
    })
    .await
    .unwrap();
    let (expiring, lasting) = (Closer::default(), Closer::default());
    let _first = state.sessions.register(&short, expiring.clone());
    let _second = state.sessions.register(&long, lasting.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(watch(state.clone(), async {
        let _ = stopped.await;
    }));
    // The token lives 1 s; the sweep runs every `SWEEP_INTERVAL` (2 s).
    tokio::time::sleep(Duration::from_secs(1) + sync_server::sessions::SWEEP_INTERVAL * 2).await;
    assert!(
        expiring.is_closed(),
        "the expired token's connection is closed"
    );
    assert!(!lasting.is_closed(), "a live token's connection stays open");
    assert_eq!(
        LiveSessions::count(&state.sessions),
        2,
        "both stay registered until they end"
    );
    let _ = stop.send(());
    watcher.await.unwrap();
    state.stop().await;
}
