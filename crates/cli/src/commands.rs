//! The CLI's commands, one module each, and what they share.

pub mod account;
pub mod campaign;
pub mod docs;
pub mod edit;
pub mod forms;
pub mod identify;
pub mod lifecycle;
pub mod registry;
pub mod sync;
pub mod validate;

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use client::{ApiError, ClientError, Replica};

use ::forms::{Catalogue, LookupError};
use anyhow::Context;

/// The forms shipped with this build, used when neither `--forms-dir` nor `./forms` is there.
const BUILT_IN_FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");

/// Finds and loads the catalogue: `--forms-dir` / `RAVENSTVO_FORMS_DIR`, else `./forms` when it
/// holds forms, else the forms this binary was built with.
pub fn load_catalogue(explicit: Option<&Path>) -> anyhow::Result<Catalogue> {
    let dir = forms_dir(explicit);
    Catalogue::load(&dir)
        .with_context(|| format!("не удалось загрузить формы из {}", dir.display()))
}

/// The forms folder: `--forms-dir` / `RAVENSTVO_FORMS_DIR`, else `./forms` when it holds
/// forms, else the forms this binary was built with.
pub fn forms_dir(explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(dir) => dir.to_owned(),
        None if Path::new("forms/common.schema.json").exists() => PathBuf::from("forms"),
        None => PathBuf::from(BUILT_IN_FORMS),
    }
}

/// Turns a lookup error into an `anyhow` error carrying the Russian message.
pub fn lookup(error: LookupError) -> anyhow::Error {
    anyhow::anyhow!(error.message_ru())
}

/// An error that carries its own exit code (the default for errors is 2, usage or input).
#[derive(Debug)]
pub struct Failure {
    /// The Russian message.
    pub message: String,
    /// The process exit code.
    pub exit_code: u8,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Exit code when the sync server cannot be reached.
pub const EXIT_UNREACHABLE: u8 = 3;

/// Exit code when the server refuses (not allowed, invalid, not logged in) or a document is
/// invalid or not fully synced.
pub const EXIT_REFUSED: u8 = 1;

/// Turns a replica error into a CLI error with its Russian message and exit code: 3 when the
/// server is unreachable, 1 when it refuses (or nobody is logged in), 2 otherwise.
pub fn client_error(error: ClientError) -> anyhow::Error {
    let exit_code = match &error {
        e if e.is_unreachable() => EXIT_UNREACHABLE,
        ClientError::Api(ApiError::Refused { .. } | ApiError::BadAnswer { .. })
        | ClientError::NotLoggedIn => EXIT_REFUSED,
        _ => crate::EXIT_USAGE,
    };
    let mut message = error.message_ru();
    if let ClientError::Api(ApiError::Refused { code, .. }) = &error
        && code == "unauthorized"
    {
        message.push_str("; войдите снова: ravenstvo login");
    }
    Failure { message, exit_code }.into()
}

/// A usage or input error (exit 2) with a Russian message.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        exit_code: crate::EXIT_USAGE,
    }
    .into()
}

/// Columns padded to their widest cell (in characters), two spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(i) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            if i + 1 < widths.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(&mut headers.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// An action of the permission table in Russian, as the server names it.
pub fn action_ru(action: &str) -> &str {
    match action {
        "read" => "читать",
        "write" => "править",
        "submit" => "подать",
        "sign" => "подписать",
        "review" => "рассмотреть",
        "collect" => "принять в реестр",
        "export" => "выгрузить",
        other => other,
    }
}

/// Where the local replica lives and who edits from it.
pub struct Local {
    data_dir: Option<PathBuf>,
    author: Option<String>,
}

impl Local {
    /// From the global flags (`--data-dir`, `--author`, or their environment variables).
    pub fn new(data_dir: Option<PathBuf>, author: Option<String>) -> Self {
        Self { data_dir, author }
    }

    /// The data directory: the flag, else `$XDG_DATA_HOME/ravenstvo`, else
    /// `~/.local/share/ravenstvo`, else `./ravenstvo-data`.
    fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(xdg).join("ravenstvo");
        }
        match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".local/share/ravenstvo"),
            None => PathBuf::from("ravenstvo-data"),
        }
    }

    fn author(&self) -> String {
        self.author
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "без имени".to_owned())
    }

    /// Opens the replica, runs one command on it, and closes it, waiting for every write.
    pub fn run<F, Fut>(self, catalogue: Catalogue, command: F) -> anyhow::Result<ExitCode>
    where
        F: FnOnce(Arc<Replica>) -> Fut,
        Fut: Future<Output = anyhow::Result<ExitCode>>,
    {
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        let dir = self.data_dir();
        let author = self.author();
        runtime.block_on(async move {
            let replica = Replica::open(&dir, Arc::new(catalogue), &author)
                .await
                .map_err(client_error)
                .with_context(|| format!("локальная копия в {}", dir.display()))?;
            let replica = Arc::new(replica);
            let result = command(replica.clone()).await;
            replica.close().await;
            result
        })
    }
}
