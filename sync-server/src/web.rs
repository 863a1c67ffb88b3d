//! The web app (`web/dist`, built by `npm run build` in `web/`) served at `/`.
//!
//! Files are served as they are on disk, with their precompressed `.gz` twin when the browser
//! accepts gzip. Any other path that is not an API route answers `index.html` (the app routes
//! in the browser). `/assets/*` names carry a content hash, so they are cached for a year and
//! never revalidated; everything else (`index.html`, `sw.js`, the manifest) is revalidated on
//! every load (`no-cache`), so a new build reaches browsers at once. When the directory holds
//! no built app, every such path answers a Russian page saying how to build it.
//!
//! The routes of `/api`, `/sync`, `/yjs/{doc}` and `/healthz` are matched before this
//! fallback; unknown `/api/*` paths get the API's JSON 404, never the app.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::{Html, IntoResponse};
use tower_http::services::{ServeDir, ServeFile};

/// The `Cache-Control` of hashed build assets under `/assets/`.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The `Cache-Control` of everything else the app serves.
pub const REVALIDATE: &str = "no-cache";

/// The directory the server serves the app from when none is given: `web/dist` under the
/// working directory if it exists, else the one next to the sources this binary was built
/// from (a checkout's `target/` binary run from elsewhere), else `web/dist` under the working
/// directory (which then answers the page on how to build it).
pub fn default_dir() -> PathBuf {
    let here = PathBuf::from("web/dist");
    if here.is_dir() {
        return here;
    }
    let beside_sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    if beside_sources.is_dir() {
        return beside_sources;
    }
    here
}

/// Whether `dir` holds a built app (its `index.html`).
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

/// `router` with the app in `dir` as its fallback for every path it does not route.
pub fn serve<S: Clone + Send + Sync + 'static>(router: Router<S>, dir: &Path) -> Router<S> {
    if !is_built(dir) {
        tracing::warn!(dir = %dir.display(), "no web app built there: serving a page on how to build it");
        let shown = dir.display().to_string();
        return router.fallback(move || {
            let shown = shown.clone();
            async move { not_built(&shown) }
        });
    }
    let index = ServeFile::new(dir.join("index.html")).precompressed_gzip();
    let files = ServeDir::new(dir)
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .fallback(index);
    router
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers))
}

/// Sets `Cache-Control` on the app's successful answers (never on `/api`, `/sync`, `/yjs`,
/// `/healthz`): immutable for hashed assets under `/assets/`, revalidated for the rest.
async fn cache_headers(request: Request<Body>, next: axum::middleware::Next) -> Response<Body> {
    let path = request.uri().path();
    let value = if is_server_path(path) {
        None
    } else if path.starts_with("/assets/") {
        Some(IMMUTABLE)
    } else {
        Some(REVALIDATE)
    };
    let mut response = next.run(request).await;
    if let Some(value) = value
        && response.status() != StatusCode::NOT_FOUND
    {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Paths the server answers itself, never the app.
fn is_server_path(path: &str) -> bool {
    ["/api", "/sync", "/yjs", "/healthz"]
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
}

/// The page served in place of the app when it has not been built.
fn not_built(dir: &str) -> Response<Body> {
    let dir = dir
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let page = format!(
        "<!doctype html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <title>Равенство: веб-приложение не собрано</title></head><body>\
         <h1>Веб-приложение не собрано</h1>\
         <p>Сервер работает, но в папке <code>{dir}</code> нет собранного приложения \
         (<code>index.html</code>).</p>\
         <p>Соберите его: <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> \
         (нужен Node.js 20), или запустите <code>./scripts/run.sh</code>, который собирает \
         приложение сам. Другую папку можно указать флагом <code>--web-dir</code> или \
         переменной <code>RAVENSTVO_WEB_DIR</code>.</p>\
         <p>API сервера доступно по адресу <code>/api</code>.</p></body></html>\n"
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    response
}
