//! A JavaScript peer and a Rust replica edit one programme through the real server and each sees
//! the other's edits. The peer (`tests/js/peer.mjs`) runs `@automerge/automerge-repo` with its
//! websocket adapter in Node, the libraries the web app will use; the replica is the real CLI.
//! Needs Node.js 20+ and npm; the peer's packages are installed from `tests/js/package-lock.json`
//! on first use (`scripts/test.sh` installs them up front).

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use e2e::{Api, Replica, Server, example, root};
use serde_json::Value;

const FORM: &str = "school-programme";
/// A long plain text (Automerge text): narratives such as the causes analysis are Yjs, and
/// `tests/yjs.rs` edits them from Node.
const INSTRUMENTS: &str = "/self_diagnosis/instruments";

/// The JavaScript peer, its packages installed.
struct JsPeer {
    script: PathBuf,
}

impl JsPeer {
    /// Checks that Node is there and installs the peer's packages once per test process.
    ///
    /// `npm ci` runs only when `node_modules` does not hold the committed lockfile's packages:
    /// after a successful install the lockfile is copied to `node_modules/` as a stamp
    /// (`scripts/test.sh` uses the same stamp). Tests in this process share one install via the
    /// `OnceLock`; a file lock in the target directory keeps two test processes from running
    /// `npm ci` into the same directory at once.
    fn ready() -> &'static JsPeer {
        static PEER: OnceLock<Result<JsPeer, String>> = OnceLock::new();
        PEER.get_or_init(install)
            .as_ref()
            .unwrap_or_else(|problem| panic!("the JavaScript peer cannot run: {problem}"))
    }

    /// Runs the peer against `server` on `doc` with extra arguments (its edits); returns the
    /// document's `data` as the peer found it, before its own edits.
    fn run(&self, server: &Server, doc: &str, edits: &[&str]) -> Value {
        let ws = format!("ws://{}/sync", server.addr());
        // The JS peer works for the mentor school, a party to the programme.
        let token = Api::demo(server, "mentor").token.expect("logged in");
        let out = Command::new("node")
            .arg(&self.script)
            .args([
                "--server", &ws, "--doc", doc, "--user", "mentor", "--token", &token,
            ])
            .args(edits)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "node peer.mjs {edits:?} failed ({:?}):\n{}{stdout}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
        );
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("peer.mjs printed no JSON ({e}):\n{stdout}"))
    }
}

fn install() -> Result<JsPeer, String> {
    let dir = root().join("tests/js");
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("`node` is not runnable ({e}); install Node.js 20 or later"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("`node --version` printed {version:?}"))?;
    if major < 20 {
        return Err(format!(
            "Node.js {version} is too old: 20 or later is needed"
        ));
    }

    let lockfile = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.installed-package-lock.json");
    let installed = |lock: &[u8]| fs::read(&stamp).is_ok_and(|s| s == lock);
    let lock = fs::read(&lockfile).map_err(|e| format!("{}: {e}", lockfile.display()))?;
    if !installed(&lock) {
        let guard = File::create(target_dir().join("js-peer-npm-ci.lock"))
            .map_err(|e| format!("creating the npm ci lock file: {e}"))?;
        guard
            .lock()
            .map_err(|e| format!("locking the npm ci lock file: {e}"))?;
        // Another process may have installed while this one waited for the lock.
        if !installed(&lock) {
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .output()
                .map_err(|e| format!("`npm` is not runnable ({e}); install npm with Node.js"))?;
            if !out.status.success() {
                return Err(format!(
                    "`npm ci` in {} failed ({:?}):\n{}{}",
                    dir.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            fs::write(&stamp, &lock).map_err(|e| format!("{}: {e}", stamp.display()))?;
        }
    }
    Ok(JsPeer {
        script: dir.join("peer.mjs"),
    })
}

/// `target/<profile>`, where the test executable's `deps/` lives.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_owned()
}

fn text_at(doc: &Value, pointer: &str) -> String {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer}"))
        .to_owned()
}

#[test]
fn js_peer_and_rust_replica_see_each_others_edits_through_the_server() {
    let js = JsPeer::ready();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let a = Replica::new(&dir.path().join("a"), "Анна Петрова");
    a.login(&server, "editor");
    let from = example("school-programme.lipetsk.valid.json");
    let doc = a
        .ok(&[
            "new",
            FORM,
            "--region",
            "lipetsk",
            "--mentor",
            "lyceum-44",
            "--from",
            from.to_str().unwrap(),
        ])
        .trim()
        .to_owned();
    let instruments = text_at(&a.json(&doc), INSTRUMENTS);

    // The Rust replica edits a number and a text, and syncs.
    a.ok(&["edit", &doc, "set", "/trained_staff_count", "31"]);
    a.ok(&[
        "edit",
        &doc,
        "text",
        INSTRUMENTS,
        "--at",
        "0",
        "--insert",
        "[Rust] ",
    ]);
    a.sync(&server, &[]);
    let synced = a.json(&doc);
    // Then it goes on offline: this edit is concurrent with the JS peer's.
    let end = (instruments.chars().count() + "[Rust] ".chars().count()).to_string();
    a.ok(&[
        "edit",
        &doc,
        "text",
        INSTRUMENTS,
        "--at",
        &end,
        "--insert",
        " [Rust, без сети]",
    ]);

    // The JS peer sees the synced Rust edits, exactly as the replica shows them, and edits the
    // title and the same text.
    let title = "Программа «Равенство возможностей», правка из браузера";
    let seen = js.run(
        &server,
        &doc,
        &[
            "--title",
            title,
            "--text",
            INSTRUMENTS,
            "--at",
            "0",
            "--insert",
            "[JS] ",
            "--author",
            "Пётр Сидоров (веб)",
        ],
    );
    assert_eq!(seen["trained_staff_count"], 31);
    assert_eq!(text_at(&seen, INSTRUMENTS), format!("[Rust] {instruments}"));
    assert_eq!(
        seen, synced,
        "the JS peer reads the document as the replica does"
    );

    // The Rust replica gets the JS edits, merged with its offline one character by character.
    a.sync(&server, &[]);
    let merged = a.json(&doc);
    assert_eq!(merged["title"], title);
    assert_eq!(
        text_at(&merged, INSTRUMENTS),
        format!("[JS] [Rust] {instruments} [Rust, без сети]")
    );
    assert_eq!(merged["trained_staff_count"], 31);
    let history = a.ok(&["history", &doc]);
    assert!(
        history.contains("Пётр Сидоров (веб)"),
        "the JS peer's change is not attributed to its author:\n{history}"
    );

    // The other way round: the replica edits after the JS edit, the JS peer sees it. Editing the
    // title as text also shows that the JS peer kept it a text object.
    a.ok(&[
        "edit",
        &doc,
        "text",
        "/title",
        "--at",
        "0",
        "--insert",
        "Проект: ",
    ]);
    a.ok(&["edit", &doc, "set", "/period/end", "\"2027-08-31\""]);
    a.sync(&server, &[]);
    let seen = js.run(&server, &doc, &[]);
    assert_eq!(seen["title"], format!("Проект: {title}"));
    assert_eq!(seen["period"]["end"], "2027-08-31");
    assert_eq!(
        seen,
        a.json(&doc),
        "the JS peer reads the document as the replica does"
    );

    // Edits from both sides leave a valid Lipetsk programme.
    a.assert_valid(&doc);
    assert!(server.stop());
}
