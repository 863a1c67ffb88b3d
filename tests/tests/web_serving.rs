//! The server serves the built web app at `/`: files with their cache headers, precompressed
//! twins, the SPA fallback for the app's own paths, and never the app for an API path. Without
//! a built app it explains in Russian how to build one.

use std::path::Path;
use std::time::Duration;

use e2e::{Api, Server};

/// An answer's status, headers of interest and body text.
struct Answer {
    status: u16,
    cache_control: Option<String>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    body: Vec<u8>,
}

fn get(server: &Server, path: &str, gzip: bool) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.get(format!("{}{path}", server.url));
    if gzip {
        request = request.header("Accept-Encoding", "gzip");
    }
    let mut response = request.call().expect("HTTP call");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (cache_control, content_type, content_encoding) = (
        header("cache-control"),
        header("content-type"),
        header("content-encoding"),
    );
    Answer {
        status: response.status().as_u16(),
        cache_control,
        content_type,
        content_encoding,
        body: response.body_mut().read_to_vec().expect("read body"),
    }
}

const INDEX: &str = "<!doctype html><html lang=\"ru\"><title>Равенство</title><div id=app></div>";

/// A built app's layout: `index.html`, a service worker, a hashed asset and its gzip twin.
fn built_app(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(
        dir.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app-abc123.js"), "console.log('plain');").unwrap();
    // A twin with other content, to tell which one was served.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"console.log('gzipped');").unwrap();
    std::fs::write(dir.join("assets/app-abc123.js.gz"), gz.finish().unwrap()).unwrap();
}

#[test]
fn the_built_app_is_served_with_its_cache_headers_and_an_spa_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("dist");
    built_app(&web);
    let server = Server::start_web(&dir.path().join("data"), &web, false);

    let index = get(&server, "/", false);
    assert_eq!(index.status, 200);
    assert_eq!(String::from_utf8(index.body).unwrap(), INDEX);
    assert_eq!(index.cache_control.as_deref(), Some("no-cache"));
    assert!(index.content_type.unwrap().starts_with("text/html"));

    let sw = get(&server, "/sw.js", false);
    assert_eq!(sw.status, 200);
    assert_eq!(sw.cache_control.as_deref(), Some("no-cache"));

    let asset = get(&server, "/assets/app-abc123.js", false);
    assert_eq!(asset.status, 200);
    assert_eq!(asset.body, b"console.log('plain');");
    assert_eq!(
        asset.cache_control.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(asset.content_encoding, None);

    let zipped = get(&server, "/assets/app-abc123.js", true);
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.content_encoding.as_deref(), Some("gzip"));
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&zipped.body[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, "console.log('gzipped');");

    // The app's own routes answer index.html.
    for path in ["/documents", "/documents/abc/edit", "/login?next=%2F"] {
        let page = get(&server, path, false);
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(String::from_utf8(page.body).unwrap(), INDEX, "{path}");
        assert_eq!(page.cache_control.as_deref(), Some("no-cache"), "{path}");
    }

    // API paths stay the API's: JSON 404 for an unknown one, never the app.
    let api = Api::anonymous(&server);
    for path in ["/api/nope", "/api/", "/api/documents/x/y/z"] {
        let (status, body) = api.get(path);
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "no-such-endpoint", "{path}: {body}");
    }
    let unknown = get(&server, "/api/nope", false);
    assert_eq!(unknown.cache_control, None);
    assert!(
        unknown
            .content_type
            .unwrap()
            .starts_with("application/json")
    );
    let (status, _) = api.get("/api/documents");
    assert_eq!(status, 401, "a real API route is still routed");
    let health = get(&server, "/healthz", false);
    assert_eq!(health.status, 200);
    assert_ne!(health.body, INDEX.as_bytes());
    // `/sync` without an upgrade is the websocket route's refusal, not the app.
    let sync = get(&server, "/sync", false);
    assert_ne!(sync.status, 200);
    assert_ne!(sync.body, INDEX.as_bytes());
}

#[test]
fn a_missing_app_is_explained_in_russian() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_web(&dir.path().join("data"), &dir.path().join("nowhere"), false);
    let page = get(&server, "/", false);
    assert_eq!(page.status, 503);
    let text = String::from_utf8(page.body).unwrap();
    assert!(text.contains("Веб-приложение не собрано"), "{text}");
    assert!(text.contains("npm run build"), "{text}");
    assert!(text.contains("nowhere"), "{text}");
    let (status, body) = Api::anonymous(&server).get("/api/nope");
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no-such-endpoint");
}

#[test]
fn the_organisations_of_the_callers_region_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_web(&dir.path().join("data"), &dir.path().join("none"), true);
    let api = Api::demo(&server, "editor");
    let (status, body) = api.get("/api/organisations");
    assert_eq!(status, 200, "{body}");
    let orgs = body.as_array().unwrap();
    assert!(orgs.iter().any(|o| o["kind"] == "mentor-school"), "{body}");
    assert!(orgs.iter().any(|o| o["kind"] == "school"), "{body}");
    assert!(
        orgs.iter().all(|o| o["municipality"]["name"].is_string()),
        "{body}"
    );
    let (status, _) = Api::anonymous(&server).get("/api/organisations");
    assert_eq!(status, 401);
    let (_, openapi) = Api::anonymous(&server).get("/api/openapi.json");
    assert!(openapi["paths"]["/api/organisations"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["OrganisationView"].is_object());
}
