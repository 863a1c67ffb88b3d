//! The servers under load: ours (the real `sync-server` binary on a temp data directory) and
//! a bare samod server (this binary's `bare-server`, in another process so that its CPU and
//! memory are its own), each behind a byte-counting proxy.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use e2e::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `sync-server`: auth, guard, access policy, SQLite storage, edits observer.
    Ours,
    /// samod behind axum, in-memory storage, no auth.
    Bare,
}

impl Kind {
    /// The name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ours => "sync-server",
            Kind::Bare => "bare samod",
        }
    }
}

/// A running server of either kind.
pub struct Target {
    /// Which.
    pub kind: Kind,
    process: Process,
    proxy: Proxy,
}

enum Process {
    Ours(Server),
    Bare(Child),
}

impl Target {
    /// Starts our server on a fresh data directory `dir` with the demo region and `extra`
    /// flags.
    pub async fn ours(dir: &Path, extra: Vec<OsString>) -> Target {
        Target::start_ours(dir, extra, true).await
    }

    /// As [`Target::ours`] without loading the demo region (a second replica on a database
    /// the first one loaded it into).
    pub async fn ours_without_demo(dir: &Path, extra: Vec<OsString>) -> Target {
        Target::start_ours(dir, extra, false).await
    }

    async fn start_ours(dir: &Path, extra: Vec<OsString>, demo: bool) -> Target {
        let dir = dir.to_owned();
        let server = tokio::task::spawn_blocking(move || Server::start_with(&dir, demo, &extra))
            .await
            .expect("starting sync-server");
        let upstream: SocketAddr = server.addr().parse().expect("an address");
        Target {
            kind: Kind::Ours,
            process: Process::Ours(server),
            proxy: Proxy::start(upstream).await,
        }
    }

    /// Starts the bare samod server (`loadgen bare-server`).
    pub async fn bare() -> Target {
        let mut child = Command::new(std::env::current_exe().expect("this executable"))
            .arg("bare-server")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the bare samod server");
        let stdout = child.stdout.take().expect("piped");
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("its first line");
            line
        })
        .await
        .expect("reading");
        let upstream: SocketAddr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("an address");
        Target {
            kind: Kind::Bare,
            process: Process::Bare(child),
            proxy: Proxy::start(upstream).await,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        match &self.process {
            Process::Ours(server) => server.pid(),
            Process::Bare(child) => child.id(),
        }
    }

    /// `http://…` of the server itself (REST calls go there, not through the proxy).
    pub fn direct_url(&self) -> String {
        match &self.process {
            Process::Ours(server) => server.url.clone(),
            Process::Bare(_) => self.proxy.upstream_url(),
        }
    }

    /// The `/sync` websocket URL through the proxy for `peer`, with `token` when there is one.
    pub fn sync_url(&self, token: Option<&str>, peer: &str) -> url::Url {
        let mut url = url::Url::parse(&format!("ws://{}/sync", self.proxy.addr)).expect("a URL");
        if let Some(token) = token {
            url.query_pairs_mut()
                .append_pair("token", token)
                .append_pair("peer", peer);
        }
        url
    }

    /// The `/yjs/{doc}` websocket URL through the proxy, with `token` when there is one.
    pub fn yjs_url(&self, token: Option<&str>, doc: &str) -> url::Url {
        let mut url =
            url::Url::parse(&format!("ws://{}/yjs/{doc}", self.proxy.addr)).expect("a URL");
        if let Some(token) = token {
            url.query_pairs_mut().append_pair("token", token);
        }
        url
    }

    /// Bytes through the proxy so far: (clients → server, server → clients).
    pub fn bytes(&self) -> (u64, u64) {
        self.proxy.bytes()
    }

    /// Sends SIGTERM and waits up to `bound` for the exit: how long it took and whether the
    /// process exited successfully (`None` if it had to be killed).
    pub async fn stop(self, bound: Duration) -> (Duration, Option<bool>) {
        let pid = self.pid();
        let mut child = match self.process {
            Process::Ours(server) => server.into_child(),
            Process::Bare(child) => child,
        };
        tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            while start.elapsed() < bound {
                if let Ok(Some(status)) = child.try_wait() {
                    return (start.elapsed(), Some(status.success()));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = child.kill();
            let _ = child.wait();
            (start.elapsed(), None)
        })
        .await
        .expect("waiting for the server")
    }
}

/// A TCP proxy on loopback in front of one server, counting the bytes of every connection.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        let up = Arc::new(AtomicU64::new(0));
        let down = Arc::new(AtomicU64::new(0));
        let (up_count, down_count) = (up.clone(), down.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                // Forward each segment at once: no Nagle delays of the proxy's own.
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, up_count.clone()));
                tokio::spawn(pump(server_read, client_write, down_count.clone()));
            }
        });
        Proxy {
            addr,
            upstream,
            up,
            down,
            accept,
        }
    }

    fn upstream_url(&self) -> String {
        format!("http://{}", self.upstream)
    }

    fn bytes(&self) -> (u64, u64) {
        (
            self.up.load(Ordering::Relaxed),
            self.down.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies one direction of a connection, counting bytes, until either side closes.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: Arc<AtomicU64>,
) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}
