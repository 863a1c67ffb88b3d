//! Users, their roles at organisations, and curators' assignments to schools.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::names::{ParseError, parse, string_id};
use crate::org::{OrgId, OrgKind};

string_id!(
    /// The stable identifier of a user (their login), e.g. `ivanova`.
    UserId
);

/// What a person does at their organisation. A role counts only at an organisation of the
/// kind it [`fits`](Role::fits): a school role at a supported school, a mentor role at a mentor
/// school, a reviewer at a municipality, a coordinator at a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A member of the supported school's team who drafts and edits its documents.
    SchoolEditor,
    /// The supported school's director: edits, submits and signs for the school.
    SchoolDirector,
    /// A member of the mentor school's team who co-edits the programme and the agreement.
    MentorEditor,
    /// The mentor school's director: co-edits and signs the agreement for the mentor school.
    MentorDirector,
    /// Municipal staff (МОУО) who review, approve or return the documents of their schools.
    MunicipalReviewer,
    /// Regional staff (ИРО, региональный координатор) who collect the region's approved
    /// documents into the registry and export them.
    RegionalCoordinator,
    /// A regional expert-consultant (куратор) who reads and comments on the documents of the
    /// schools assigned to them by a [`CuratorAssignment`].
    Curator,
    /// Someone who administers the platform for an organisation and everything below it:
    /// adds organisations and users, grants roles, and may read the documents there.
    Administrator,
}

impl Role {
    /// Every role, in the order of the permission table.
    pub const ALL: [Role; 8] = [
        Role::SchoolEditor,
        Role::SchoolDirector,
        Role::MentorEditor,
        Role::MentorDirector,
        Role::MunicipalReviewer,
        Role::RegionalCoordinator,
        Role::Curator,
        Role::Administrator,
    ];

    /// The role's stable name (`school-editor`, …), as the CLI and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SchoolEditor => "school-editor",
            Role::SchoolDirector => "school-director",
            Role::MentorEditor => "mentor-editor",
            Role::MentorDirector => "mentor-director",
            Role::MunicipalReviewer => "municipal-reviewer",
            Role::RegionalCoordinator => "regional-coordinator",
            Role::Curator => "curator",
            Role::Administrator => "administrator",
        }
    }

    /// The role's name in Russian, for people.
    pub fn label_ru(self) -> &'static str {
        match self {
            Role::SchoolEditor => "редактор (школа)",
            Role::SchoolDirector => "директор школы",
            Role::MentorEditor => "редактор (школа-наставник)",
            Role::MentorDirector => "директор школы-наставника",
            Role::MunicipalReviewer => "специалист муниципалитета",
            Role::RegionalCoordinator => "региональный координатор",
            Role::Curator => "куратор",
            Role::Administrator => "администратор",
        }
    }

    /// Whether the role can be held at an organisation of this kind. A role held elsewhere
    /// (a reviewer granted at a school) gives no rights at all, so a mistaken grant fails
    /// closed; the administration commands refuse such grants with this check.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::SchoolEditor | Role::SchoolDirector => kind == OrgKind::School { mentor: false },
            Role::MentorEditor | Role::MentorDirector => kind == OrgKind::School { mentor: true },
            Role::MunicipalReviewer => kind == OrgKind::Municipality,
            Role::RegionalCoordinator => kind == OrgKind::Region,
            // Curators are experts of the regional institute or of a municipal methodical
            // service; which schools they see is decided by their assignments.
            Role::Curator => matches!(kind, OrgKind::Region | OrgKind::Municipality),
            Role::Administrator => true,
        }
    }
}

impl FromStr for Role {
    type Err = ParseError;

    fn from_str(name: &str) -> Result<Role, ParseError> {
        parse("role", &Role::ALL, Role::as_str, name)
    }
}

/// A user holds a role at an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    /// Who.
    pub user: UserId,
    /// Where: the organisation whose documents the role concerns.
    pub org: OrgId,
    /// As what.
    pub role: Role,
}

/// A curator is assigned to a school and so may read its documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CuratorAssignment {
    /// The curator; the assignment counts only while they hold the [`Role::Curator`] role.
    pub curator: UserId,
    /// The school whose documents they follow.
    pub school: OrgId,
}

/// What the permission check needs to know about people: memberships and curator
/// assignments. The server may load only those of the user it is asking about; entries of
/// other users are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memberships {
    /// Roles held at organisations.
    pub roles: Vec<Membership>,
    /// Curators' assignments to schools.
    pub curated: Vec<CuratorAssignment>,
}

impl Memberships {
    /// The roles `user` holds, with the organisation where each is held.
    pub fn of<'a>(&'a self, user: &'a UserId) -> impl Iterator<Item = &'a Membership> {
        self.roles.iter().filter(move |m| &m.user == user)
    }

    /// Whether `user` is assigned as a curator to `school` (regardless of whether they still
    /// hold the curator role).
    pub fn curates(&self, user: &UserId, school: &OrgId) -> bool {
        self.curated
            .iter()
            .any(|a| &a.curator == user && &a.school == school)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_fits_only_its_kind_of_organisation() {
        let kinds = [
            OrgKind::Region,
            OrgKind::Municipality,
            OrgKind::School { mentor: false },
            OrgKind::School { mentor: true },
        ];
        // Columns: region, municipality, supported school, mentor school.
        let expected = [
            (Role::SchoolEditor, [false, false, true, false]),
            (Role::SchoolDirector, [false, false, true, false]),
            (Role::MentorEditor, [false, false, false, true]),
            (Role::MentorDirector, [false, false, false, true]),
            (Role::MunicipalReviewer, [false, true, false, false]),
            (Role::RegionalCoordinator, [true, false, false, false]),
            (Role::Curator, [true, true, false, false]),
            (Role::Administrator, [true, true, true, true]),
        ];
        assert_eq!(expected.len(), Role::ALL.len());
        for (role, row) in expected {
            for (kind, fits) in kinds.iter().zip(row) {
                assert_eq!(role.fits(*kind), fits, "{role:?} at {kind:?}");
            }
        }
    }

    #[test]
    fn memberships_of_other_users_are_ignored() {
        let people = Memberships {
            roles: vec![
                Membership {
                    user: "a".into(),
                    org: "s".into(),
                    role: Role::SchoolEditor,
                },
                Membership {
                    user: "b".into(),
                    org: "s".into(),
                    role: Role::SchoolDirector,
                },
            ],
            curated: vec![CuratorAssignment {
                curator: "b".into(),
                school: "s".into(),
            }],
        };
        let a = UserId::new("a");
        let roles: Vec<Role> = people.of(&a).map(|m| m.role).collect();
        assert_eq!(roles, [Role::SchoolEditor]);
        assert!(!people.curates(&a, &"s".into()));
        assert!(people.curates(&"b".into(), &"s".into()));
    }
}
