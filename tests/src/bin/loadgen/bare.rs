//! `loadgen bare-server`: samod behind axum with in-memory storage and no authentication, the
//! baseline our server is compared with. Prints `listening on http://ADDR` and serves until
//! SIGTERM or SIGINT.

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;
use samod::{PeerId, Repo, ShareConfig};
use std::io::Write;

/// Serves until a signal; returns when stopped.
pub async fn serve() {
    // Sharing as our server shares with a party: read-write, no announcements.
    let repo = Repo::build_tokio()
        .with_peer_id(PeerId::from("bare-samod"))
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let acceptor = repo
        .make_acceptor(format!("ws://{addr}/sync").parse().expect("a URL"))
        .expect("the repo is running");
    let app = Router::new().route(
        "/sync",
        get(move |upgrade: WebSocketUpgrade| {
            let acceptor = acceptor.clone();
            async move {
                upgrade
                    .max_message_size(32 << 20)
                    .on_upgrade(move |socket| async move {
                        let _ = acceptor.accept_axum(socket, None);
                    })
            }
        }),
    );
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    let signalled = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(signalled)
        .await;
    repo.stop().await;
}
