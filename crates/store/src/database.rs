//! [`Database`]: where a [`Store`](crate::Store) keeps its data, named by one string.

use std::path::{Path, PathBuf};

/// Where a store's data lives: an embedded SQLite file, or a PostgreSQL database.
///
/// Chosen by one string ([`Database::from_location`]): a `postgres://` or `postgresql://` URL
/// names a PostgreSQL database; anything else is a directory holding the SQLite file, as
/// before PostgreSQL existed.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// The SQLite database file at this path.
    Sqlite(PathBuf),
    /// The PostgreSQL database at this connection URL (`postgres://user@host:port/name`,
    /// with libpq's query parameters such as `?host=/run/postgresql` for a socket).
    Postgres(String),
}

impl Database {
    /// The database `location` names: a PostgreSQL URL as is, otherwise the file `file_name`
    /// inside the directory `location`.
    pub fn from_location(location: &str, file_name: &str) -> Database {
        if is_postgres_url(location) {
            Database::Postgres(location.to_owned())
        } else {
            Database::Sqlite(Path::new(location).join(file_name))
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }
}

/// Whether `text` is a PostgreSQL connection URL.
pub(crate) fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` with any password replaced by `***`, for logs and errors.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Database::Postgres(url) => f.debug_tuple("Postgres").field(&redacted(url)).finish(),
        }
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_names_postgres_and_anything_else_a_sqlite_directory() {
        for url in [
            "postgres://localhost/ravenstvo",
            "postgresql://u@h:5433/db?sslmode=disable",
            "POSTGRES://h/db",
        ] {
            assert_eq!(
                Database::from_location(url, "x.sqlite3"),
                Database::Postgres(url.to_owned())
            );
        }
        assert_eq!(
            Database::from_location("/var/lib/ravenstvo", "ravenstvo.sqlite3"),
            Database::Sqlite(PathBuf::from("/var/lib/ravenstvo/ravenstvo.sqlite3"))
        );
        assert_eq!(
            Database::from_location("postgres", "r.sqlite3"),
            Database::Sqlite(PathBuf::from("postgres/r.sqlite3"))
        );
    }

    #[test]
    fn passwords_never_show_in_logs() {
        let db = Database::Postgres("postgres://app:s3cret@db:5432/r".to_owned());
        assert_eq!(db.to_string(), "postgres://app:***@db:5432/r");
        assert!(!format!("{db:?}").contains("s3cret"));
        assert_eq!(redacted("postgres://app@db/r"), "postgres://app@db/r");
        assert_eq!(redacted("postgres://db/r?x=@y"), "postgres://db/r?x=@y");
    }
}
