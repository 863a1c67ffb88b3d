//! Bodies of the administrator's edits under `/api/admin` (organisations, users, roles,
//! curator assignments) and of the curator's page (`GET /api/curator/schools`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{DocumentSummary, OrgView};

/// An organisation as the administrator edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminOrganisation {
    /// Its id (Latin letters, digits, `-` and `_`).
    pub id: String,
    /// `region`, `municipality`, `school` or `mentor-school`.
    pub kind: String,
    /// The kind in Russian.
    pub kind_ru: String,
    /// The organisation it belongs to (none for a region).
    pub parent: Option<String>,
    /// Its name as people write it.
    pub name: String,
}

/// `POST /api/admin/organisations` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewOrganisation {
    /// Its id: 1–64 Latin letters, digits, `-` or `_`.
    pub id: String,
    /// `municipality`, `school` or `mentor-school` (regions are added on the server's machine).
    pub kind: String,
    /// A region for a municipality, a municipality for a school.
    pub parent: String,
    /// Its name.
    pub name: String,
}

/// `POST /api/admin/organisations/{org}/name` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganisationRename {
    /// The new name.
    pub name: String,
}

/// `POST /api/admin/organisations/{org}/municipality` body: where the school moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolMove {
    /// A municipality of the school's region.
    pub municipality: String,
}

/// `POST /api/admin/users` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    /// The login: 1–64 Latin letters, digits, `-`, `_` or `.`.
    pub login: String,
    /// The name people read.
    pub display_name: String,
    /// The first password (judged as any password is).
    pub password: String,
}

/// `POST /api/admin/users/{user}/roles` and `…/roles/withdraw` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleGrant {
    /// The organisation.
    pub org: String,
    /// The role (`school-editor`, …).
    pub role: String,
}

/// `POST /api/admin/users/{user}/schools` and `…/schools/withdraw` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CuratorSchool {
    /// The school.
    pub school: String,
}

/// `POST /api/admin/users/{user}/active` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserActive {
    /// `false` deactivates (every session closed), `true` reactivates.
    pub active: bool,
}

/// A document of a curated school with what its latest submission was found to lack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CuratedDocument {
    /// The document as listed.
    pub document: DocumentSummary,
    /// The round whose submission was judged; none if never submitted.
    pub judged_round: Option<u32>,
    /// Errors in that submission, judged now as a submission is.
    pub errors: usize,
    /// Recommendations (warnings) in it.
    pub warnings: usize,
    /// The findings' messages in Russian, errors first.
    pub findings: Vec<String>,
}

/// One school assigned to the curator, with its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CuratedSchool {
    /// The school.
    pub school: OrgView,
    /// Its municipality.
    pub municipality: Option<OrgView>,
    /// Its documents, newest change first.
    pub documents: Vec<CuratedDocument>,
}
