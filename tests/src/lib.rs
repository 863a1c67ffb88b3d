//! Helpers for end-to-end tests: start the real `sync-server` binary on an ephemeral port and
//! run the real `ravenstvo` CLI as separate replicas, each with its own data directory.
//!
//! The binaries must be built first (`cargo build --workspace --bins`); `scripts/test.sh` does
//! that. Nothing here is mocked.
//!
//! With `RAVENSTVO_E2E_DATABASE=postgres` every server these helpers start keeps its data in a
//! PostgreSQL database of its own (one per data directory, so a restart on the same directory
//! finds its data again) on a throwaway PostgreSQL server ([`postgres`]), instead of the
//! SQLite file in its data directory: the same suites then prove the server on both engines.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../../crates/store/tests/support/postgres.rs"]
pub mod postgres;
pub mod raw_peer;

/// Whether this test run keeps the servers' data in PostgreSQL
/// (`RAVENSTVO_E2E_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("RAVENSTVO_E2E_DATABASE").is_ok_and(|v| v == "postgres")
}

/// The PostgreSQL URL a server on `data_dir` keeps its data at, made on first use, when this
/// run is on PostgreSQL ([`on_postgres`]); `None` on SQLite.
///
/// # Panics
///
/// If the run is on PostgreSQL and PostgreSQL cannot start.
pub fn database_url(data_dir: &Path) -> Option<String> {
    static URLS: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    if !on_postgres() {
        return None;
    }
    let mut urls = URLS.lock().unwrap_or_else(|e| e.into_inner());
    let urls = urls.get_or_insert_with(HashMap::new);
    if let Some(url) = urls.get(data_dir) {
        return Some(url.clone());
    }
    let server = postgres::shared().unwrap_or_else(|why| {
        panic!("RAVENSTVO_E2E_DATABASE=postgres, but PostgreSQL cannot start: {why}")
    });
    let url = server
        .create_database()
        .unwrap_or_else(|why| panic!("creating a database: {why}"));
    urls.insert(data_dir.to_owned(), url.clone());
    Some(url)
}

/// Opens the database a server on `data_dir` keeps its data in (the SQLite file there, or its
/// PostgreSQL database), to look at or change what it stores.
///
/// # Panics
///
/// If it cannot be opened.
pub fn open_store(data_dir: &Path) -> store::Store {
    let database = match database_url(data_dir) {
        Some(url) => store::Database::Postgres(url),
        None => store::Database::Sqlite(data_dir.join("ravenstvo.sqlite3")),
    };
    store::Store::open_database(&database).unwrap_or_else(|e| panic!("opening {database}: {e}"))
}

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
    // The test or bench executable lives in target/<profile>/deps/, a binary of this crate
    // (the load tool) in target/<profile>/ beside the others.
    let exe = std::env::current_exe().expect("test executable path");
    let beside = exe.parent().expect("the executable's directory");
    let dir = if beside.ends_with("deps") {
        beside.parent().expect("target/<profile>")
    } else {
        beside
    };
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
    /// The PostgreSQL database it keeps its data in (`--database`), if not SQLite.
    pub database: Option<String>,
}

impl Server {
    /// Starts the server on an ephemeral port and waits for its `listening on` line.
    pub fn start(data_dir: &Path) -> Server {
        Self::start_on(data_dir, "127.0.0.1:0")
    }

    /// Starts the server with the demo region loaded (`--demo`): the users of
    /// [`DEMO_USERS`] and documents in every state.
    pub fn start_demo(data_dir: &Path) -> Server {
        Self::launch(data_dir, "127.0.0.1:0", true, &[])
    }

    /// Starts the server on an ephemeral port serving the web app from `web_dir`
    /// (`--web-dir`), with the demo region when `demo`.
    pub fn start_web(data_dir: &Path, web_dir: &Path, demo: bool) -> Server {
        let web_dir = web_dir.as_os_str().to_owned();
        Self::launch(
            data_dir,
            "127.0.0.1:0",
            demo,
            &["--web-dir".into(), web_dir],
        )
    }

    /// Starts the server on an ephemeral port, with the demo region when `demo`, and `extra`
    /// flags.
    pub fn start_with(data_dir: &Path, demo: bool, extra: &[std::ffi::OsString]) -> Server {
        Self::launch(data_dir, "127.0.0.1:0", demo, extra)
    }

    /// Starts the server on a given address (to restart on the same port).
    pub fn start_on(data_dir: &Path, listen: &str) -> Server {
        Self::launch(data_dir, listen, false, &[])
    }

    /// Starts the server on an ephemeral port with the demo region and the forms of
    /// `forms_dir` (`--forms-dir`) in place of the repository's.
    pub fn start_demo_with_forms(data_dir: &Path, forms_dir: &Path) -> Server {
        Self::spawn(
            Command::new(bin("sync-server")),
            data_dir,
            "127.0.0.1:0",
            true,
            &[],
            forms_dir,
        )
    }

    /// Starts the server with the demo region through `sh`, with the file-size signal
    /// (`SIGXFSZ`) ignored, so that a file-size limit (`prlimit --fsize` on [`Server::pid`])
    /// makes its writes fail as on a full disk (`EFBIG`) instead of killing it.
    pub fn start_demo_ignoring_file_size_signal(data_dir: &Path) -> Server {
        let mut command = Command::new("sh");
        command
            .args(["-c", "trap '' XFSZ; exec \"$0\" \"$@\""])
            .arg(bin("sync-server"));
        Self::spawn(
            command,
            data_dir,
            "127.0.0.1:0",
            true,
            &[],
            &root().join("forms"),
        )
    }

    fn launch(data_dir: &Path, listen: &str, demo: bool, extra: &[std::ffi::OsString]) -> Server {
        Self::spawn(
            Command::new(bin("sync-server")),
            data_dir,
            listen,
            demo,
            extra,
            &root().join("forms"),
        )
    }

    fn spawn(
        mut command: Command,
        data_dir: &Path,
        listen: &str,
        demo: bool,
        extra: &[std::ffi::OsString],
        forms_dir: &Path,
    ) -> Server {
        command
            .args(["--listen", listen, "--data-dir"])
            .arg(data_dir)
            .arg("--forms-dir")
            .arg(forms_dir);
        let given = extra
            .iter()
            .position(|arg| arg == "--database")
            .and_then(|at| extra.get(at + 1))
            .map(|url| url.to_string_lossy().into_owned());
        let database = given.clone().or_else(|| database_url(data_dir));
        if given.is_none()
            && let Some(url) = &database
        {
            command.args(["--database", url]);
        }
        if demo {
            command.arg("--demo");
        }
        command.args(extra);
        let mut child = command
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
            database,
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

    /// Asserts that `sync-server audit verify` finds this server's audit chain intact.
    ///
    /// # Panics
    ///
    /// If the chain is broken or cannot be read.
    pub fn assert_audit_holds(&self) {
        let data = self.data_dir.to_str().expect("a UTF-8 path");
        let mut args = vec!["audit", "verify", "--data-dir", data];
        if let Some(url) = &self.database {
            args.extend(["--database", url]);
        }
        let out = server_command(&args);
        assert!(out.status.success(), "{out:?}");
    }

    /// The process, no longer killed when this is dropped (to signal and wait on it).
    pub fn into_child(mut self) -> Child {
        self.child.take().expect("running")
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

    /// The CLI with these arguments and this replica's environment, not started (to run it
    /// as a child the test may kill).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin("ravenstvo"));
        command
            .args(args)
            .env("RAVENSTVO_DATA_DIR", &self.data_dir)
            .env("RAVENSTVO_FORMS_DIR", root().join("forms"))
            .env("RAVENSTVO_AUTHOR", &self.author);
        command
    }

    /// Runs the CLI with these arguments.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run ravenstvo")
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

    /// Logs in to `server` as the demo user `login` (`ravenstvo login --password-stdin`).
    pub fn login(&self, server: &Server, login: &str) {
        self.login_to(&server.url, login);
    }

    /// Logs in to the server at `url` as the demo user `login`.
    pub fn login_to(&self, url: &str, login: &str) {
        use std::io::Write;
        let mut child = Command::new(bin("ravenstvo"))
            .args([
                "login",
                "--server",
                url,
                "--user",
                login,
                "--password-stdin",
            ])
            .env("RAVENSTVO_DATA_DIR", &self.data_dir)
            .env("RAVENSTVO_FORMS_DIR", root().join("forms"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ravenstvo login");
        let mut stdin = child.stdin.take().expect("piped stdin");
        writeln!(stdin, "{}", demo_password(login)).expect("write the password");
        drop(stdin);
        let out = child.wait_with_output().expect("ravenstvo login ends");
        assert!(
            out.status.success(),
            "login as {login} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Syncs with the server, asserting success.
    pub fn sync(&self, server: &Server, fetch: &[&str]) -> String {
        self.sync_to(&server.url, fetch)
    }

    /// Syncs with the server at `url` (a proxy in front of servers), asserting success.
    pub fn sync_to(&self, url: &str, fetch: &[&str]) -> String {
        let mut args = vec!["sync", "--server", url];
        for doc in fetch {
            args.extend(["--doc", doc]);
        }
        self.ok(&args)
    }
}

/// The demo users (login, password) that `sync-server --demo` creates.
pub const DEMO_USERS: &[(&str, &str)] = &[
    ("editor", "demo-editor"),
    ("director", "demo-director"),
    ("mentor", "demo-mentor"),
    ("mentor-director", "demo-mentor-director"),
    ("reviewer", "demo-reviewer"),
    ("coordinator", "demo-coordinator"),
    ("curator", "demo-curator"),
    ("admin", "demo-admin"),
    ("sukhodol-editor", "demo-sukhodol"),
    ("kadoshkino-editor", "demo-kadoshkino"),
    ("insar-editor", "demo-insar"),
    ("mordovia-coordinator", "demo-mordovia-coordinator"),
];

/// A document `login` may write, from the demo region (`GET /api/documents`).
///
/// # Panics
///
/// If the login fails or the user may write none.
pub fn writable_document(server: &Server, login: &str) -> String {
    let (status, body) = Api::demo(server, login).get("/api/documents");
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("a list")
        .iter()
        .find(|d| d["permissions"].to_string().contains("\"write\""))
        .and_then(|d| d["id"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{login} may write no demo document"))
}

/// The demo password of `login`.
pub fn demo_password(login: &str) -> &'static str {
    DEMO_USERS
        .iter()
        .find(|(user, _)| *user == login)
        .map(|(_, password)| *password)
        .unwrap_or_else(|| panic!("{login} is not a demo user"))
}

/// Runs `sync-server` with these arguments (administration, audit) and returns its output.
pub fn server_command(args: &[&str]) -> Output {
    server_process(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sync-server")
}

/// `sync-server` with these arguments, not started (to give it input or wait on it); on
/// PostgreSQL ([`on_postgres`]), with the database of the data directory `--data-dir` names.
pub fn server_process(args: &[&str]) -> Command {
    let mut command = Command::new(bin("sync-server"));
    // On PostgreSQL, a command naming a server's data directory works on that server's database.
    let data_dir = args
        .windows(2)
        .find(|pair| pair[0] == "--data-dir")
        .map(|pair| Path::new(pair[1]));
    if !args.contains(&"--database")
        && let Some(url) = data_dir.and_then(database_url)
    {
        command.args(["--database", &url]);
    }
    command.args(args);
    command
}

/// A memory figure of process `pid` from `/proc/PID/status` (`field` such as `VmRSS:` or
/// `VmHWM:`), in bytes.
pub fn proc_memory(pid: u32, field: &str) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("reading /proc/PID/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kib * 1024
}

/// The resident memory of process `pid` now, in bytes.
pub fn rss(pid: u32) -> u64 {
    proc_memory(pid, "VmRSS:")
}

/// A REST client of the server's `/api`, logged in or not. Every answer is returned as its
/// status and JSON body (4xx and 5xx too), so tests assert on both.
pub struct Api {
    base: String,
    agent: ureq::Agent,
    /// The bearer token, once logged in.
    pub token: Option<String>,
}

impl Api {
    /// A client of `server` with no token.
    pub fn anonymous(server: &Server) -> Api {
        Api::at(&server.url)
    }

    /// A client of the server at `url` (`http://127.0.0.1:PORT`) with no token.
    pub fn at(url: &str) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Api {
            base: url.to_owned(),
            agent,
            token: None,
        }
    }

    /// A client logged in as `login` with its demo password; panics if login fails.
    pub fn demo(server: &Server, login: &str) -> Api {
        Self::login(server, login, demo_password(login))
    }

    /// A client logged in as `login`; panics if login fails.
    pub fn login(server: &Server, login: &str, password: &str) -> Api {
        Api::login_at(&server.url, login, password)
    }

    /// A client of the server at `url` logged in as `login`; panics if login fails.
    pub fn login_at(url: &str, login: &str, password: &str) -> Api {
        let mut api = Api::at(url);
        let (status, body) = api.post(
            "/api/login",
            &serde_json::json!({ "user": login, "password": password }),
        );
        assert_eq!(status, 200, "login {login}: {body}");
        api.token = Some(body["token"].as_str().expect("token").to_owned());
        api
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        answer(request.call())
    }

    /// `GET path`, returning the raw bytes (exports).
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().expect("HTTP call");
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .expect("read body");
        (status, bytes)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, "application/json", body.to_string().as_bytes())
    }

    /// `POST path` with any body and content type (for malformed input).
    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        answer(request.send(body))
    }

    /// `POST path` with any body, `Err` when the server closes the connection before taking
    /// it all (as it may for a body over its limit).
    pub fn try_post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(u16, Value), String> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        match request.send(body) {
            Ok(response) => Ok(answer(Ok(response))),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The ids of the documents `GET /api/documents` lists, with their form and owner school.
    pub fn documents(&self) -> Vec<(String, String, String)> {
        let (status, body) = self.get("/api/documents");
        assert_eq!(status, 200, "{body}");
        body.as_array()
            .expect("a list")
            .iter()
            .map(|d| {
                (
                    d["id"].as_str().unwrap_or_default().to_owned(),
                    d["form"].as_str().unwrap_or_default().to_owned(),
                    d["owner_school"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = result.expect("HTTP call");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// A realistic document of a form from `forms/examples`.
pub fn example(name: &str) -> PathBuf {
    root().join("forms/examples").join(name)
}

/// CPU time (user and system) a process has used so far, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    /// `USER_HZ`: the unit of those fields, 100 on every Linux we run on.
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name may hold spaces and parentheses: fields are counted after its end. The
    // 14th and 15th fields (utime, stime) are the 12th and 13th after it.
    let after_name = &stat[stat.rfind(')').expect("(comm)") + 1..];
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|field| field.parse::<u64>().expect("ticks"))
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}
