//! The permission table: who may do what with a document, and in which statuses.
//!
//! A user's memberships give them a [`Standing`] toward a document (an editor of its owner
//! school, the reviewer of its municipality, …). [`PERMISSIONS`] lists what each standing may
//! do; anything not listed is denied. [`allowed`] answers one question and, when the answer is
//! no, says why.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::document::{DocumentRef, FormKind};
use crate::lifecycle::Status;
use crate::names::{ParseError, parse};
use crate::org::{Directory, OrgId};
use crate::people::{Memberships, Role, UserId};

/// Something a person may ask to do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// See the document (and comment on it: comments are review data, not edits).
    Read,
    /// Change the document. In an approved or collected document this starts a new round.
    Write,
    /// Put the current version forward for review.
    Submit,
    /// Sign the submitted version as a director of a party.
    Sign,
    /// Approve the submitted version or return it with comments.
    Review,
    /// Accept the approved version into the regional registry.
    Collect,
    /// Include the document in the registry's CSV/XLSX export.
    Export,
}

impl Action {
    /// Every action, in the order of the table's columns.
    pub const ALL: [Action; 7] = [
        Action::Read,
        Action::Write,
        Action::Submit,
        Action::Sign,
        Action::Review,
        Action::Collect,
        Action::Export,
    ];

    /// The action's stable name (`read`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Submit => "submit",
            Action::Sign => "sign",
            Action::Review => "review",
            Action::Collect => "collect",
            Action::Export => "export",
        }
    }

    /// The action in Russian, as an infinitive («подписывать»).
    pub fn label_ru(self) -> &'static str {
        match self {
            Action::Read => "читать",
            Action::Write => "изменять",
            Action::Submit => "подавать",
            Action::Sign => "подписывать",
            Action::Review => "рассматривать",
            Action::Collect => "принимать в реестр",
            Action::Export => "выгружать",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = ParseError;

    fn from_str(name: &str) -> Result<Action, ParseError> {
        parse("action", &Action::ALL, Action::as_str, name)
    }
}

/// How a user stands toward one document, given their memberships. A user may have several
/// standings (a director who is also an administrator); each is granted its own rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// An editor (school or mentor-school editor) at the owner school.
    OwnerEditor,
    /// The director of the owner school.
    OwnerDirector,
    /// An editor at another party school: the mentor school of a programme or an agreement.
    PartnerEditor,
    /// The director of another party school.
    PartnerDirector,
    /// A municipal reviewer at the owner school's municipality.
    Reviewer,
    /// A regional coordinator at the owner school's region.
    Coordinator,
    /// A curator assigned to the owner school.
    Curator,
    /// An administrator at the owner school or at an organisation above it.
    Administrator,
}

impl Standing {
    /// Every standing, in the order of the table's rows.
    pub const ALL: [Standing; 8] = [
        Standing::OwnerEditor,
        Standing::OwnerDirector,
        Standing::PartnerEditor,
        Standing::PartnerDirector,
        Standing::Reviewer,
        Standing::Coordinator,
        Standing::Curator,
        Standing::Administrator,
    ];

    /// Who this is, in English, for the rendered table.
    pub fn label(self) -> &'static str {
        match self {
            Standing::OwnerEditor => "editor of the owner school",
            Standing::OwnerDirector => "director of the owner school",
            Standing::PartnerEditor => "editor of the mentor school (party)",
            Standing::PartnerDirector => "director of the mentor school (party)",
            Standing::Reviewer => "municipal reviewer of the owner school's municipality",
            Standing::Coordinator => "regional coordinator of the owner school's region",
            Standing::Curator => "curator assigned to the owner school",
            Standing::Administrator => "administrator at or above the owner school",
        }
    }

    /// Who this is, in Russian.
    pub fn label_ru(self) -> &'static str {
        match self {
            Standing::OwnerEditor => "редактор школы — владельца документа",
            Standing::OwnerDirector => "директор школы — владельца документа",
            Standing::PartnerEditor => "редактор школы-наставника",
            Standing::PartnerDirector => "директор школы-наставника",
            Standing::Reviewer => "специалист муниципалитета школы",
            Standing::Coordinator => "региональный координатор",
            Standing::Curator => "куратор школы",
            Standing::Administrator => "администратор",
        }
    }
}

/// One row of the permission table: `who` may do `action` to documents of `forms` while
/// they are in one of `statuses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// The standing granted.
    pub who: Standing,
    /// What it may do.
    pub action: Action,
    /// To which forms.
    pub forms: &'static [FormKind],
    /// In which statuses.
    pub statuses: &'static [Status],
}

const fn grant(
    who: Standing,
    action: Action,
    forms: &'static [FormKind],
    statuses: &'static [Status],
) -> Permission {
    Permission {
        who,
        action,
        forms,
        statuses,
    }
}

use Action::{Collect, Export, Read, Review, Sign, Submit, Write};
use Standing::{
    Administrator, Coordinator, Curator, OwnerDirector, OwnerEditor, PartnerDirector,
    PartnerEditor, Reviewer,
};
use Status::{Approved, Collected, Draft, Returned, Submitted};

const ANY_FORM: &[FormKind] = &FormKind::ALL;
const AGREEMENT: &[FormKind] = &[FormKind::PartnershipAgreement];

const ANY_STATUS: &[Status] = &Status::ALL;
/// Everything but a document under review: the submitted version is frozen until the
/// municipality decides. Writing to (and submitting) an approved or collected document starts
/// a new round; the lifecycle records it, the approval stays with the approved version.
const EDITABLE: &[Status] = &[Draft, Returned, Approved, Collected];
const UNDER_REVIEW: &[Status] = &[Submitted];
/// The region sees a document once it is put forward, not while the school drafts it or
/// reworks a returned version.
const SUBMITTED_ON: &[Status] = &[Submitted, Approved, Collected];
const APPROVED: &[Status] = &[Approved];
const IN_REGISTRY: &[Status] = &[Approved, Collected];

/// The permission table. A user may do an action to a document when one of their standings
/// has a row for it that covers the document's form and status; everything else is denied
/// (nobody else has any standing, so a school never sees another school's documents).
///
/// Administrators read everything within their organisation but do not write, sign or
/// review: those acts are legally the school's, its director's and the municipality's, and an
/// administrator acting in their place would make the audit log name the wrong person. An
/// administrator who must act is granted the role that acts.
pub const PERMISSIONS: &[Permission] = &[
    //     who               action   forms      statuses
    grant(OwnerEditor, Read, ANY_FORM, ANY_STATUS),
    grant(OwnerEditor, Write, ANY_FORM, EDITABLE),
    grant(OwnerEditor, Submit, ANY_FORM, EDITABLE),
    grant(OwnerDirector, Read, ANY_FORM, ANY_STATUS),
    grant(OwnerDirector, Write, ANY_FORM, EDITABLE),
    grant(OwnerDirector, Submit, ANY_FORM, EDITABLE),
    grant(OwnerDirector, Sign, AGREEMENT, UNDER_REVIEW),
    grant(PartnerEditor, Read, ANY_FORM, ANY_STATUS),
    grant(PartnerEditor, Write, ANY_FORM, EDITABLE),
    grant(PartnerDirector, Read, ANY_FORM, ANY_STATUS),
    grant(PartnerDirector, Write, ANY_FORM, EDITABLE),
    grant(PartnerDirector, Sign, AGREEMENT, UNDER_REVIEW),
    grant(Reviewer, Read, ANY_FORM, ANY_STATUS),
    grant(Reviewer, Review, ANY_FORM, UNDER_REVIEW),
    grant(Coordinator, Read, ANY_FORM, SUBMITTED_ON),
    grant(Coordinator, Collect, ANY_FORM, APPROVED),
    grant(Coordinator, Export, ANY_FORM, IN_REGISTRY),
    grant(Curator, Read, ANY_FORM, ANY_STATUS),
    grant(Administrator, Read, ANY_FORM, ANY_STATUS),
];

/// The answer of [`allowed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The user may do it. (A write to an approved document is allowed; the lifecycle
    /// starts a new round.)
    Allowed,
    /// The user may not, for this reason.
    Denied(Reason),
}

impl Decision {
    /// Whether the action is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// `Ok` when allowed, else the reason, for `?` in the server.
    pub fn into_result(self) -> Result<(), Reason> {
        match self {
            Decision::Allowed => Ok(()),
            Decision::Denied(reason) => Err(reason),
        }
    }
}

/// Why an action is denied, from the least to the most involved with the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// The user has no standing toward the document at all: the server should answer as if
    /// it did not exist.
    #[error("no access to this document")]
    NoAccess,
    /// The user has a standing, but none that ever allows this action.
    #[error("your role does not allow to {action} this document")]
    NotYourRole {
        /// The action asked for.
        action: Action,
    },
    /// The action is allowed to the user only for other forms (signing a programme).
    #[error("{action} applies only to {}, not to a {form}", join(allowed_for))]
    WrongForm {
        /// The action asked for.
        action: Action,
        /// The document's form.
        form: FormKind,
        /// The forms the user may do it to.
        allowed_for: Vec<FormKind>,
    },
    /// The action is allowed to the user, but not in the document's current status.
    #[error(
        "cannot {action} a {status} document; possible when {}",
        join(allowed_in)
    )]
    WrongStatus {
        /// The action asked for.
        action: Action,
        /// The document's status.
        status: Status,
        /// The statuses in which the user may do it.
        allowed_in: Vec<Status>,
    },
}

fn join<T: fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Reason {
    /// The reason in Russian, for the person refused.
    pub fn message_ru(&self) -> String {
        match self {
            Reason::NoAccess => "нет доступа к документу".to_owned(),
            Reason::NotYourRole { action } => match action {
                Action::Read => "ваша роль не даёт права читать этот документ".to_owned(),
                Action::Write => {
                    "изменять документ могут только редакторы и директора школ — его сторон"
                        .to_owned()
                }
                Action::Submit => {
                    "подать документ может только школа, которой он принадлежит: её редакторы \
                     или директор"
                        .to_owned()
                }
                Action::Sign => {
                    "подписывают договор только директора школ — сторон договора".to_owned()
                }
                Action::Review => {
                    "одобряет или возвращает документ муниципалитет школы, которой он принадлежит"
                        .to_owned()
                }
                Action::Collect => {
                    "принимает документы в реестр региональный координатор".to_owned()
                }
                Action::Export => "выгружает документы региональный координатор".to_owned(),
            },
            Reason::WrongForm {
                action,
                form,
                allowed_for,
            } => format!(
                "{} можно только: {}; а это {}",
                action.label_ru(),
                allowed_for
                    .iter()
                    .map(|f| f.label_ru())
                    .collect::<Vec<_>>()
                    .join(", "),
                form.label_ru()
            ),
            Reason::WrongStatus {
                action,
                status,
                allowed_in,
            } => format!(
                "{} документ в статусе «{}» нельзя; можно в статусах: {}",
                action.label_ru(),
                status.label_ru(),
                allowed_in
                    .iter()
                    .map(|s| format!("«{}»", s.label_ru()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// May `user` do `action` to `document`? Reads the user's memberships (others' are ignored),
/// places the owner school with `directory`, and looks the answer up in [`PERMISSIONS`].
pub fn allowed(
    directory: &Directory,
    memberships: &Memberships,
    user: &UserId,
    document: &DocumentRef,
    action: Action,
) -> Decision {
    let standings = standings(directory, memberships, user, document);
    if standings.is_empty() {
        return Decision::Denied(Reason::NoAccess);
    }
    let rows: Vec<&Permission> = PERMISSIONS
        .iter()
        .filter(|row| row.action == action && standings.contains(&row.who))
        .collect();
    if rows.is_empty() {
        return Decision::Denied(Reason::NotYourRole { action });
    }
    let for_form: Vec<&Permission> = rows
        .iter()
        .copied()
        .filter(|row| row.forms.contains(&document.form))
        .collect();
    if for_form.is_empty() {
        let allowed_for = FormKind::ALL
            .into_iter()
            .filter(|form| rows.iter().any(|row| row.forms.contains(form)))
            .collect();
        return Decision::Denied(Reason::WrongForm {
            action,
            form: document.form,
            allowed_for,
        });
    }
    if for_form
        .iter()
        .any(|row| row.statuses.contains(&document.status))
    {
        return Decision::Allowed;
    }
    let allowed_in = Status::ALL
        .into_iter()
        .filter(|status| for_form.iter().any(|row| row.statuses.contains(status)))
        .collect();
    Decision::Denied(Reason::WrongStatus {
        action,
        status: document.status,
        allowed_in,
    })
}

/// Every standing `user` has toward `document`, sorted, each once; empty for a stranger.
///
/// A role counts only where it [`fits`](Role::fits) and only in its place: editors and
/// directors at a party school, a reviewer at the owner school's municipality, a coordinator
/// at its region, a curator (holding the curator role anywhere) assigned to the owner school,
/// an administrator at the owner school or above it. Memberships at organisations missing
/// from `directory` count for nothing.
pub fn standings(
    directory: &Directory,
    memberships: &Memberships,
    user: &UserId,
    document: &DocumentRef,
) -> Vec<Standing> {
    let owner = &document.owner_school;
    let municipality = directory.municipality_of(owner).map(|m| &m.id);
    let region = directory.region_of(owner).map(|r| &r.id);
    let mut found = Vec::new();
    for membership in memberships.of(user) {
        let Some(org) = directory.get(&membership.org) else {
            continue;
        };
        if !membership.role.fits(org.kind) {
            continue;
        }
        let at = &membership.org;
        let standing = match membership.role {
            Role::SchoolEditor | Role::MentorEditor if document.is_party(at) => {
                Some(if at == owner {
                    Standing::OwnerEditor
                } else {
                    Standing::PartnerEditor
                })
            }
            Role::SchoolDirector | Role::MentorDirector if document.is_party(at) => {
                Some(if at == owner {
                    Standing::OwnerDirector
                } else {
                    Standing::PartnerDirector
                })
            }
            Role::MunicipalReviewer if Some(at) == municipality => Some(Standing::Reviewer),
            Role::RegionalCoordinator if Some(at) == region => Some(Standing::Coordinator),
            Role::Curator if memberships.curates(user, owner) => Some(Standing::Curator),
            Role::Administrator if directory.is_within(owner, at) => Some(Standing::Administrator),
            _ => None,
        };
        found.extend(standing);
    }
    found.sort();
    found.dedup();
    found
}

/// The party `user` signs `document` for: the first party (owner first) where they are the
/// director. `None` when they direct no party. Use it to build
/// [`Transition::Sign`](crate::Transition::Sign).
pub fn signing_party(
    directory: &Directory,
    memberships: &Memberships,
    user: &UserId,
    document: &DocumentRef,
) -> Option<OrgId> {
    document.all_parties().into_iter().find(|party| {
        memberships.of(user).any(|m| {
            &m.org == party
                && matches!(m.role, Role::SchoolDirector | Role::MentorDirector)
                && directory
                    .get(party)
                    .is_some_and(|org| m.role.fits(org.kind))
        })
    })
}
