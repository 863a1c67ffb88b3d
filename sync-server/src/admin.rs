//! Administrative acts on the server's database, for the `sync-server admin …` and
//! `sync-server audit verify` commands: they open the same database file the server uses and
//! go through the same `store` functions, so each act is checked and audited like any other.

use anyhow::Context;
use store::{Database, Store};
use workflow::{OrgId, OrgKind, Organisation, Role, UserId};

/// Who the audit log names for acts done with the command line on the server's machine.
pub const ADMIN_ACTOR: &str = "admin";

/// Opens the server's database (and brings its schema up to date).
///
/// # Errors
///
/// If the database cannot be opened or migrated.
pub fn open(database: &Database) -> anyhow::Result<Store> {
    Store::open_database(database).with_context(|| format!("cannot open {database}"))
}

/// Parses an organisation kind as the commands spell it.
///
/// # Errors
///
/// If the spelling is none of `region`, `municipality`, `school`, `mentor-school`.
pub fn parse_kind(kind: &str) -> anyhow::Result<OrgKind> {
    Ok(match kind {
        "region" => OrgKind::Region,
        "municipality" => OrgKind::Municipality,
        "school" => OrgKind::School { mentor: false },
        "mentor-school" => OrgKind::School { mentor: true },
        other => anyhow::bail!(
            "неизвестный вид организации {other:?}: region, municipality, school, mentor-school"
        ),
    })
}

/// How the API spells an organisation's kind, and the kind in Russian.
pub fn kind_name(kind: OrgKind) -> (&'static str, &'static str) {
    match kind {
        OrgKind::Region => ("region", "регион"),
        OrgKind::Municipality => ("municipality", "муниципалитет"),
        OrgKind::School { mentor: false } => ("school", "школа"),
        OrgKind::School { mentor: true } => ("mentor-school", "школа-наставник"),
    }
}

/// Adds an organisation.
///
/// # Errors
///
/// If the tree forbids it or the database fails; the message names what is wrong.
pub fn add_organisation(
    store: &Store,
    id: &str,
    kind: OrgKind,
    parent: Option<&str>,
    name: &str,
) -> anyhow::Result<()> {
    let org = Organisation {
        id: OrgId::new(id),
        kind,
        parent: parent.map(OrgId::new),
        name: name.to_owned(),
    };
    store
        .add_organisation(&org, ADMIN_ACTOR)
        .map_err(|e| match e {
            store::StoreError::InvalidOrganisation(reason) => anyhow::anyhow!(reason.message_ru()),
            other => anyhow::Error::new(other),
        })
}

/// Adds a user with a password.
///
/// # Errors
///
/// If the login is taken or the database fails.
pub fn add_user(store: &Store, login: &str, name: &str, password: &str) -> anyhow::Result<UserId> {
    if let Some(problem) = workflow::password_problem(login, password) {
        anyhow::bail!(problem);
    }
    store
        .add_user(login, name, password, ADMIN_ACTOR)
        .map_err(|e| match e {
            store::StoreError::DuplicateLogin { login } => {
                anyhow::anyhow!("логин {login:?} уже занят")
            }
            other => anyhow::Error::new(other),
        })
}

/// Sets a user's password (a reset by the administrator) and closes all their sessions;
/// returns how many were open.
///
/// # Errors
///
/// If the password does not pass `workflow::password_problem`, the user is unknown, or the
/// database fails.
pub fn set_password(store: &Store, login: &str, password: &str) -> anyhow::Result<usize> {
    if let Some(problem) = workflow::password_problem(login, password) {
        anyhow::bail!(problem);
    }
    store
        .set_password(&UserId::new(login), password, None, ADMIN_ACTOR)
        .map_err(known_user(login))
}

/// Closes all sessions of a user; returns how many were open.
///
/// # Errors
///
/// If the user is unknown or the database fails.
pub fn revoke_tokens(store: &Store, login: &str) -> anyhow::Result<usize> {
    store
        .revoke_tokens(&UserId::new(login), None, ADMIN_ACTOR)
        .map_err(known_user(login))
}

/// A store error, with an unknown user named in Russian.
fn known_user(login: &str) -> impl Fn(store::StoreError) -> anyhow::Error + '_ {
    move |e| match e {
        store::StoreError::UnknownUser { .. } => anyhow::anyhow!("нет пользователя {login:?}"),
        other => anyhow::Error::new(other),
    }
}

/// Grants a role.
///
/// # Errors
///
/// If the user or organisation is unknown, the role does not fit, or the database fails.
pub fn grant(store: &Store, user: &str, org: &str, role: &str) -> anyhow::Result<()> {
    let role: Role = role
        .parse()
        .map_err(|e: workflow::ParseError| anyhow::anyhow!(e.message_ru()))?;
    store
        .grant(&UserId::new(user), &OrgId::new(org), role, ADMIN_ACTOR)
        .map_err(|e| match e {
            store::StoreError::UnknownUser { id } => anyhow::anyhow!("пользователь {id} не найден"),
            store::StoreError::UnknownOrganisation { id } => {
                anyhow::anyhow!("организация {id} не найдена")
            }
            store::StoreError::RoleDoesNotFit { role, org, .. } => anyhow::anyhow!(
                "роль «{}» нельзя выдать в организации {org}: она не даёт там прав",
                role.label_ru()
            ),
            other => anyhow::Error::new(other),
        })
}

/// Assigns a curator to a school.
///
/// # Errors
///
/// If the user or school is unknown or the database fails.
pub fn assign_curator(store: &Store, curator: &str, school: &str) -> anyhow::Result<()> {
    store
        .assign_curator(&UserId::new(curator), &OrgId::new(school), ADMIN_ACTOR)
        .map_err(anyhow::Error::new)
}

/// Renames an organisation.
///
/// # Errors
///
/// If the organisation is unknown or the database fails.
pub fn rename_organisation(store: &Store, id: &str, name: &str) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() {
        anyhow::bail!("название не может быть пустым");
    }
    store
        .rename_organisation(&OrgId::new(id), name, ADMIN_ACTOR)
        .map_err(known_org)
}

/// Moves a school to another municipality of its region.
///
/// # Errors
///
/// If the tree forbids the move (named in Russian) or the database fails.
pub fn move_school(store: &Store, school: &str, municipality: &str) -> anyhow::Result<()> {
    store
        .move_school(&OrgId::new(school), &OrgId::new(municipality), ADMIN_ACTOR)
        .map_err(|e| match e {
            store::StoreError::CannotMove(reason) => anyhow::anyhow!(reason.message_ru()),
            other => anyhow::Error::new(other),
        })
}

/// Withdraws a role; says whether the user held it.
///
/// # Errors
///
/// If the role is unknown, the user is unknown or the database fails.
pub fn revoke(store: &Store, user: &str, org: &str, role: &str) -> anyhow::Result<bool> {
    let role: Role = role
        .parse()
        .map_err(|e: workflow::ParseError| anyhow::anyhow!(e.message_ru()))?;
    store
        .revoke(&UserId::new(user), &OrgId::new(org), role, ADMIN_ACTOR)
        .map_err(known_user(user))
}

/// Deactivates (`active` false, closing every session) or reactivates a user; returns how
/// many sessions were closed.
///
/// # Errors
///
/// If the user is unknown or the database fails.
pub fn set_active(store: &Store, login: &str, active: bool) -> anyhow::Result<usize> {
    store
        .set_active(&UserId::new(login), active, ADMIN_ACTOR)
        .map_err(known_user(login))
}

/// Ends a curator's assignment to a school; says whether there was one.
///
/// # Errors
///
/// If the user is unknown or the database fails.
pub fn unassign_curator(store: &Store, curator: &str, school: &str) -> anyhow::Result<bool> {
    store
        .unassign_curator(&UserId::new(curator), &OrgId::new(school), ADMIN_ACTOR)
        .map_err(known_user(curator))
}

/// A store error, with an unknown organisation named in Russian.
fn known_org(error: store::StoreError) -> anyhow::Error {
    match error {
        store::StoreError::UnknownOrganisation { id } => {
            anyhow::anyhow!("организация {id} не найдена")
        }
        other => anyhow::Error::new(other),
    }
}
