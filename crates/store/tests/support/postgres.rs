//! A throwaway PostgreSQL server for tests, from the machine's own PostgreSQL binaries
//! (Debian's `postgresql` package: `/usr/lib/postgresql/<version>/bin`).
//!
//! [`PostgresServer::start`] makes a cluster in a fresh temporary directory (`initdb`, trust
//! authentication, UTF-8), starts it listening on 127.0.0.1 on a free port with its unix socket
//! in that directory, and [`PostgresServer::create_database`] gives each test a database of its
//! own. PostgreSQL refuses to run as root, and CI runs tests as root: then every PostgreSQL
//! command runs as the unprivileged user [`OS_USER`] (created with `useradd` if missing)
//! through `runuser`, and the directory is that user's.
//!
//! The server is stopped (`pg_ctl stop -m immediate`) and its directory removed when the
//! [`PostgresServer`] is dropped, and also by a watchdog process when the test process exits
//! without dropping it (the one [`shared`] server per test process lives in a static). Tests
//! speed it up by turning `fsync` off: nothing here outlives the test run, and a commit is
//! still written to the operating system before it returns, so a server killed or stopped with
//! `-m immediate` keeps it (only a crash of the machine would not). `synchronous_commit` stays
//! on: turned off, a stopped server loses commits it had acknowledged, which the outage test
//! caught.
//!
//! Std only, so that any test crate can include it (`#[path = …] mod postgres;`).
//! Environment: `RAVENSTVO_PG_BINDIR` names the binaries' directory (else the newest
//! `/usr/lib/postgresql/*/bin`, else `initdb` on `PATH`); `RAVENSTVO_REQUIRE_POSTGRES=1` turns
//! "PostgreSQL cannot start, skipping" into a test failure (for CI, where it must run).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The unprivileged account PostgreSQL runs as when the tests run as root.
pub const OS_USER: &str = "ravenstvo-pg";

/// The database superuser `initdb` creates (trusted on loopback, no password).
pub const DB_USER: &str = "postgres";

/// A running PostgreSQL cluster in a temporary directory.
pub struct PostgresServer {
    /// The temporary directory: `data/` (the cluster), `log`, and the unix socket.
    root: PathBuf,
    /// The directory holding `initdb`, `pg_ctl`, `createdb`.
    bin: PathBuf,
    /// The loopback port it listens on.
    port: u16,
    /// The account it runs as, when the tests run as root.
    os_user: Option<&'static str>,
}

/// The one server of this test process, started on first use; `Err` says why it could not
/// start (the tests then skip, see [`skip`]).
pub fn shared() -> Result<&'static PostgresServer, String> {
    static SERVER: OnceLock<Result<PostgresServer, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let server = PostgresServer::start()?;
            server.watch_this_process()?;
            Ok(server)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Reports that a PostgreSQL test cannot run because `why`: prints it (so a run without
/// PostgreSQL shows what was skipped), or fails the test when `RAVENSTVO_REQUIRE_POSTGRES=1`.
pub fn skip(test: &str, why: &str) {
    let message = format!("SKIPPED on PostgreSQL: {test}: {why}");
    if std::env::var("RAVENSTVO_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("{message} (RAVENSTVO_REQUIRE_POSTGRES=1)");
    }
    // Straight to the standard error stream, not through `eprintln!`, which the test harness
    // captures and hides for a test that passes: a skip must show in every run's output.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

impl PostgresServer {
    /// Makes and starts a cluster; `Err` says why it cannot (no binaries, no user, a start
    /// that failed, with the server's log).
    pub fn start() -> Result<PostgresServer, String> {
        let bin = find_bin_dir()?;
        let os_user = if is_root()? {
            ensure_os_user()?;
            Some(OS_USER)
        } else {
            None
        };
        let root = std::env::temp_dir().join(format!(
            "ravenstvo-pg-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
        let mut server = PostgresServer {
            root,
            bin,
            port: 0,
            os_user,
        };
        if let Some(user) = os_user {
            run(Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&server.root))?;
        }
        run(server
            .command("initdb")
            .arg("-D")
            .arg(server.data())
            .args(["-U", DB_USER, "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync"))?;
        // A free port can be taken between our probe and the server's bind: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            server.port = free_port()?;
            match server.start_on_port() {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// A new empty database, and its connection URL.
    pub fn create_database(&self) -> Result<String, String> {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        run(self
            .command("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                DB_USER,
            ])
            .arg(&name))?;
        Ok(self.url(&name))
    }

    /// Every row of the database at `url` as `pg_dump --data-only` writes it (for checking
    /// what is, and is not, stored).
    pub fn dump(&self, url: &str) -> Result<String, String> {
        run(self
            .command("pg_dump")
            .arg("--data-only")
            .arg(format!("--dbname={url}")))
    }

    /// Stops the server at once (`-m immediate`: as if it crashed), keeping its data.
    pub fn stop(&self) -> Result<(), String> {
        run(Command::new("sh").args(["-c", &self.stop_command_line()])).map(drop)
    }

    /// Starts the server again on its port after [`stop`](Self::stop).
    pub fn restart(&self) -> Result<(), String> {
        self.start_on_port()
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{DB_USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// The loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data directory.
    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Starts the cluster on `self.port`, waiting until it accepts connections.
    fn start_on_port(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c full_page_writes=off \
             -c max_connections=300",
            self.port,
            self.root.display()
        );
        let started = run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.root.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]));
        started.map(drop).map_err(|error| {
            let log = std::fs::read_to_string(self.root.join("log")).unwrap_or_default();
            format!("{error}\nserver log:\n{log}")
        })
    }

    /// Starts a process that stops the server and removes its directory once this test
    /// process has exited (a static server is never dropped).
    fn watch_this_process(&self) -> Result<(), String> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{root}'",
            pid = std::process::id(),
            stop = self.stop_command_line(),
            root = self.root.display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("starting the watchdog: {e}"))
    }

    /// The shell command that stops the server at once.
    fn stop_command_line(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = format!(
            "'{}' -D '{}' stop -m immediate -w",
            pg_ctl.display(),
            self.data().display()
        );
        match self.os_user {
            Some(user) => format!("runuser -u {user} -- {stop} >/dev/null 2>&1"),
            None => format!("{stop} >/dev/null 2>&1"),
        }
    }

    /// `program` from the binaries' directory, run as [`OS_USER`] when we are root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = match self.os_user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        };
        command.current_dir(&self.root).stdin(Stdio::null());
        command
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .args(["-c", &self.stop_command_line()])
            .status();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The directory of PostgreSQL's server binaries.
fn find_bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("RAVENSTVO_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("initdb"))
        .find(|initdb| initdb.exists())
        .and_then(|initdb| std::fs::canonicalize(initdb).ok())
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .ok_or_else(|| {
            "no PostgreSQL server binaries (initdb) found: install Debian's `postgresql` \
             package or set RAVENSTVO_PG_BINDIR"
                .to_owned()
        })
}

/// Whether this process runs as root.
fn is_root() -> Result<bool, String> {
    let out = run(Command::new("id").arg("-u"))?;
    Ok(out.trim() == "0")
}

/// Creates [`OS_USER`] if it does not exist (several test processes may race to: a user
/// that appeared meanwhile is fine).
fn ensure_os_user() -> Result<(), String> {
    let exists = || {
        Command::new("id")
            .arg(OS_USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if exists() {
        return Ok(());
    }
    let added = run(Command::new("useradd").args([
        "--system",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        OS_USER,
    ]));
    match added {
        Ok(_) => Ok(()),
        Err(_) if exists() => Ok(()),
        Err(error) => Err(format!("cannot create the user {OS_USER}: {error}")),
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

/// Runs `command`, returning its standard output, or an error with its standard error.
fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{shown} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}
