//! Errors of loading the catalogue and of asking it about forms and regions.

use std::path::PathBuf;

/// The catalogue could not be loaded: a file is missing, unreadable or broken.
///
/// Every variant names the file, and where it can, the place inside it (a JSON pointer or a
/// line and column), so that whoever edits `forms/` finds the mistake at once.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not well-formed JSON.
    #[error("{path}:{line}:{column}: malformed JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A file is well-formed JSON but its content is wrong.
    #[error("{path}: at {pointer:?}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// JSON pointer of the wrong place inside the file.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl LoadError {
    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            path: path.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A question to the catalogue named a form or a region it does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No form has this id.
    #[error("unknown form {form:?}; known forms: {}", known.join(", "))]
    UnknownForm {
        /// The id asked for.
        form: String,
        /// The ids the catalogue has.
        known: Vec<String>,
    },
    /// No region has this id.
    #[error("unknown region {region:?}; known regions: {}", known.join(", "))]
    UnknownRegion {
        /// The id asked for.
        region: String,
        /// The ids the catalogue has.
        known: Vec<String>,
    },
    /// The region has no municipality with this id among those with requirements.
    #[error("region {region:?} has no municipality {municipality:?}; known municipalities: {}", known.join(", "))]
    UnknownMunicipality {
        /// The region asked in.
        region: String,
        /// The id asked for.
        municipality: String,
        /// The municipalities of the region that have requirement sets.
        known: Vec<String>,
    },
    /// The region exists but has no requirement set for the form.
    #[error("region {region:?} has no requirement set for form {form:?}")]
    NoRequirementSet {
        /// The form asked for.
        form: String,
        /// The region asked for.
        region: String,
    },
}

impl LookupError {
    /// The error in Russian, for people.
    pub fn message_ru(&self) -> String {
        match self {
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
            LookupError::UnknownMunicipality {
                region,
                municipality,
                known,
            } => {
                let known = if known.is_empty() {
                    "ни у одного муниципалитета региона нет своих требований".to_owned()
                } else {
                    format!(
                        "свои требования есть у муниципалитетов: {}",
                        known.join(", ")
                    )
                };
                format!("у региона «{region}» нет муниципалитета «{municipality}»; {known}")
            }
            LookupError::NoRequirementSet { form, region } => {
                format!("у региона «{region}» нет требований к форме «{form}»")
            }
        }
    }
}
