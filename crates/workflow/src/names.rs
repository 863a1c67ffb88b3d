//! Identifiers and the stable names of the crate's enums (as the CLI, the API and the database
//! spell them).

/// A name that spells no value of its kind: an unknown role, form, status or action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {got:?}, known: {}", known.join(", "))]
pub struct ParseError {
    /// What was being parsed: `role`, `form`, `status` or `action`.
    pub what: &'static str,
    /// The name as given.
    pub got: String,
    /// Every name of that kind, in the crate's order.
    pub known: Vec<&'static str>,
}

impl ParseError {
    /// The error in Russian, for the administrator who typed the name.
    pub fn message_ru(&self) -> String {
        let what = match self.what {
            "role" => "роль",
            "form" => "форма",
            "status" => "статус",
            "action" => "действие",
            other => other,
        };
        format!(
            "неизвестное значение ({what}) «{}»; допустимы: {}",
            self.got,
            self.known.join(", ")
        )
    }
}

/// Parses `got` as the value of `all` whose `name` it is.
pub(crate) fn parse<T: Copy>(
    what: &'static str,
    all: &[T],
    name: fn(T) -> &'static str,
    got: &str,
) -> Result<T, ParseError> {
    all.iter()
        .copied()
        .find(|value| name(*value) == got)
        .ok_or_else(|| ParseError {
            what,
            got: got.to_owned(),
            known: all.iter().map(|value| name(*value)).collect(),
        })
}

/// Declares a string identifier newtype: ordered, hashable, serialised as a bare string.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier as the server stores it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self::new(id)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

pub(crate) use string_id;

#[cfg(test)]
mod tests {
    use crate::{Action, FormKind, Role, Status};

    #[test]
    fn every_name_parses_back_to_its_value() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        for form in FormKind::ALL {
            assert_eq!(form.form_id().parse::<FormKind>(), Ok(form));
        }
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
    }

    #[test]
    fn serde_spells_enums_as_their_names() {
        for role in Role::ALL {
            let json = serde_json::to_value(role).unwrap();
            assert_eq!(json, serde_json::json!(role.as_str()));
        }
        for form in FormKind::ALL {
            let json = serde_json::to_value(form).unwrap();
            assert_eq!(json, serde_json::json!(form.form_id()));
        }
        for status in Status::ALL {
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, serde_json::json!(status.as_str()));
        }
        for action in Action::ALL {
            let json = serde_json::to_value(action).unwrap();
            assert_eq!(json, serde_json::json!(action.as_str()));
        }
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let err = "teacher".parse::<Role>().unwrap_err();
        assert_eq!(err.what, "role");
        assert_eq!(err.known.len(), Role::ALL.len());
        assert!(err.to_string().contains("school-editor"));
        assert!(err.message_ru().contains("«teacher»"));
    }
}
