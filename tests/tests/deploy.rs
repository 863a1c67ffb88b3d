//! `deploy/`: two `sync-server` replicas on one PostgreSQL database behind nginx with
//! `deploy/nginx.conf` (only its ports changed). Requests through nginx land on both replicas;
//! CLI replicas and Yjs clients that reach different replicas through it converge; when one
//! replica dies, nginx keeps serving from the other.
//!
//! Needs PostgreSQL and nginx (Debian's packages; the test command installs them when
//! missing); skipped without them unless `RAVENSTVO_REQUIRE_POSTGRES=1` /
//! `RAVENSTVO_REQUIRE_NGINX=1`.

mod support;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{Api, Replica, Server, postgres, root};
use support::{Client, document, runtime};

/// nginx running with the deploy configuration in a temporary prefix; stopped when dropped.
struct Nginx {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
    _prefix: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The nginx binary, or why the test cannot run.
fn nginx_binary() -> Result<PathBuf, String> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .ok_or_else(|| "nginx is not installed (apt-get install nginx)".to_owned())
}

/// Starts nginx in front of `upstreams` with `deploy/nginx.conf`.
fn start_nginx(binary: &Path, upstreams: [&str; 2]) -> Nginx {
    let prefix = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(prefix.path().join("tmp")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = std::fs::read_to_string(root().join("deploy/nginx.conf")).unwrap();
    let conf = conf
        .replace("server 127.0.0.1:8081", &format!("server {}", upstreams[0]))
        .replace("server 127.0.0.1:8082", &format!("server {}", upstreams[1]))
        .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"))
        .replace("worker_processes auto;", "worker_processes 1;");
    assert!(conf.contains(upstreams[0]) && conf.contains(upstreams[1]));
    let path = prefix.path().join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(prefix.path())
        .arg("-c")
        .arg(&path)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting nginx");
    let nginx = Nginx {
        child,
        addr: format!("127.0.0.1:{port}"),
        _prefix: prefix,
    };
    // Up when it accepts connections (it may still be starting, or have failed to).
    let mut nginx = nginx;
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&nginx.addr).is_err() {
        if let Ok(Some(status)) = nginx.child.try_wait() {
            panic!("nginx exited at start: {status}");
        }
        assert!(Instant::now() < until, "nginx did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    while Api::at(&nginx.url()).get("/healthz").0 != 200 {
        assert!(
            Instant::now() < until,
            "nginx did not answer /healthz with 200"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    nginx
}

impl Nginx {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

#[test]
fn two_replicas_behind_nginx_serve_every_client_and_survive_one_dying() {
    let binary = match nginx_binary() {
        Ok(binary) => binary,
        Err(why) => {
            if std::env::var("RAVENSTVO_REQUIRE_NGINX").is_ok_and(|v| v == "1") {
                panic!("{why} (RAVENSTVO_REQUIRE_NGINX=1)");
            }
            eprintln!("SKIPPED: deploy: {why}");
            return;
        }
    };
    let pg = match postgres::shared() {
        Ok(pg) => pg,
        Err(why) => return postgres::skip("deploy", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.create_database().unwrap();
    let flag = || vec!["--database".into(), url.clone().into()];
    let a = Server::start_with(&dir.path().join("a"), true, &flag());
    let programme = document(&a, "school-programme", "krasnoe");
    let b = Server::start_with(&dir.path().join("b"), false, &flag());
    let nginx = start_nginx(&binary, [&a.addr(), &b.addr()]);
    let front = nginx.url();

    // Requests through nginx reach both replicas.
    let replicas: BTreeSet<String> = (0..8)
        .map(|_| {
            let (status, health) = Api::at(&front).get("/healthz");
            assert_eq!(status, 200, "{health}");
            assert_eq!(health["database"], "postgresql");
            health["replica"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        replicas.len(),
        2,
        "nginx sent everything to one replica: {replicas:?}"
    );

    // Two CLI replicas through nginx, each sync landing on either server.
    let school = Replica::new(&dir.path().join("school"), "Школа");
    let mentor = Replica::new(&dir.path().join("mentor"), "Наставник");
    school.login_to(&front, "editor");
    mentor.login_to(&front, "mentor");
    school.sync_to(&front, &[&programme]);
    mentor.sync_to(&front, &[&programme]);
    school.ok(&["edit", &programme, "set", "/trained_staff_count", "44"]);
    school.sync_to(&front, &[]);
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        mentor.sync_to(&front, &[]);
        if mentor.json(&programme)["trained_staff_count"] == 44 {
            break;
        }
        assert!(
            Instant::now() < until,
            "the mentor never got the school's edit"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Narratives typed live through nginx.
    runtime().block_on(async {
        let editor_token = Api::login_at(&front, "editor", e2e::demo_password("editor"))
            .token
            .unwrap();
        let mentor_token = Api::login_at(&front, "mentor", e2e::demo_password("mentor"))
            .token
            .unwrap();
        let mut editor = Client::connect_at(&nginx.addr, &editor_token, &programme)
            .await
            .unwrap();
        let mut teacher = Client::connect_at(&nginx.addr, &mentor_token, &programme)
            .await
            .unwrap();
        editor.splice(0, 0, "Через nginx. ").await;
        assert!(
            teacher
                .until(|c| c.text().starts_with("Через nginx. "))
                .await,
            "{:?}",
            teacher.text()
        );
    });

    // One replica dies; nginx serves from the other, with the data.
    a.kill();
    for _ in 0..4 {
        let (status, health) = Api::at(&front).get("/healthz");
        assert_eq!(status, 200, "{health}");
    }
    let api = Api::login_at(&front, "editor", e2e::demo_password("editor"));
    let (status, detail) = api.get(&format!("/api/documents/{programme}"));
    assert_eq!(status, 200, "{detail}");
    school.sync_to(&front, &[]);
    assert_eq!(school.json(&programme)["trained_staff_count"], 44);
    assert!(b.stop());
}
