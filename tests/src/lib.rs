//! Helpers for end-to-end tests: start the real `sync-server` binary on an ephemeral port and
//! run the real `ravenstvo` CLI as separate replicas, each with its own data directory.
//!
//! The binaries must be built first (`cargo build --workspace --bins`); `scripts/test.sh` does
//! that. Nothing here is mocked.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Path of a workspace binary in the target directory the tests were built into (for
/// `cargo bench`, the release binaries: build them with `cargo build --release`).
pub fn bin(name: &str) -> PathBuf {
    // The test or bench executable lives in target/<profile>/deps/; binaries in
    // target/<profile>/.
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build [--release] --workspace --bins` first",
        path.display()
    );
    path
}

/// A running `sync-server` process; killed when dropped.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The data directory it serves from.
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts the server on an ephemeral port and waits for its `listening on` line.
    pub fn start(data_dir: &Path) -> Server {
        Self::start_on(data_dir, "127.0.0.1:0")
    }

    /// Starts the server on a given address (to restart on the same port).
    pub fn start_on(data_dir: &Path, listen: &str) -> Server {
        let mut child = Command::new(bin("sync-server"))
            .args(["--listen", listen, "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sync-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from sync-server: {line:?}"))
            .to_owned();
        Server {
            child: Some(child),
            url,
            data_dir: data_dir.to_owned(),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// The server's process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Stops with SIGTERM and waits; returns whether it exited successfully.
    pub fn stop(mut self) -> bool {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        wait_with_timeout(&mut child, Duration::from_secs(20)).is_some_and(|s| s.success())
    }

    /// Kills with SIGKILL: no chance to flush anything.
    pub fn kill(mut self) {
        let mut child = self.child.take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

/// One replica: the `ravenstvo` CLI with its own data directory.
pub struct Replica {
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Who edits from it.
    pub author: String,
}

impl Replica {
    /// A replica in `dir` edited by `author`.
    pub fn new(dir: &Path, author: &str) -> Replica {
        Replica {
            data_dir: dir.to_owned(),
            author: author.to_owned(),
        }
    }

    /// Runs the CLI with these arguments.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(bin("ravenstvo"))
            .args(args)
            .env("RAVENSTVO_DATA_DIR", &self.data_dir)
            .env("RAVENSTVO_FORMS_DIR", root().join("forms"))
            .env("RAVENSTVO_AUTHOR", &self.author)
            .output()
            .expect("run ravenstvo")
    }

    /// Runs the CLI, asserts success and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "ravenstvo {args:?} failed ({:?}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// The document's data as JSON.
    pub fn json(&self, doc: &str) -> Value {
        serde_json::from_str(&self.ok(&["show", doc, "--json"])).expect("show --json prints JSON")
    }

    /// Asserts that `ravenstvo validate DOC` finds the document valid (exit 0).
    pub fn assert_valid(&self, doc: &str) {
        let out = self.run(&["validate", doc]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    /// Syncs with the server, asserting success.
    pub fn sync(&self, server: &Server, fetch: &[&str]) -> String {
        let mut args = vec!["sync", "--server", &server.url];
        for doc in fetch {
            args.extend(["--doc", doc]);
        }
        self.ok(&args)
    }
}

/// A realistic document of a form from `forms/examples`.
pub fn example(name: &str) -> PathBuf {
    root().join("forms/examples").join(name)
}
