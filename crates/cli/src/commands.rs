//! The CLI's commands, one module each, and what they share.

pub mod forms;
pub mod validate;

use std::path::{Path, PathBuf};

use ::forms::{Catalogue, LookupError};
use anyhow::Context;

/// The forms shipped with this build, used when neither `--forms-dir` nor `./forms` is there.
const BUILT_IN_FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");

/// Finds and loads the catalogue: `--forms-dir` / `RAVENSTVO_FORMS_DIR`, else `./forms` when it
/// holds forms, else the forms this binary was built with.
pub fn load_catalogue(explicit: Option<&Path>) -> anyhow::Result<Catalogue> {
    let dir = match explicit {
        Some(dir) => dir.to_owned(),
        None if Path::new("forms/common.schema.json").exists() => PathBuf::from("forms"),
        None => PathBuf::from(BUILT_IN_FORMS),
    };
    Catalogue::load(&dir)
        .with_context(|| format!("не удалось загрузить формы из {}", dir.display()))
}

/// The Russian message for a form or region the catalogue does not know.
pub fn lookup_message(error: &LookupError) -> String {
    match error {
        LookupError::UnknownForm { form, known } => {
            format!(
                "неизвестная форма «{form}»; есть формы: {}",
                known.join(", ")
            )
        }
        LookupError::UnknownRegion { region, known } => {
            format!(
                "неизвестный регион «{region}»; есть регионы: {}",
                known.join(", ")
            )
        }
        LookupError::NoRequirementSet { form, region } => {
            format!("у региона «{region}» нет требований к форме «{form}»")
        }
    }
}

/// Turns a lookup error into an `anyhow` error carrying the Russian message.
pub fn lookup(error: LookupError) -> anyhow::Error {
    anyhow::anyhow!(lookup_message(&error))
}
