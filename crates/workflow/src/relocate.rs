//! Moving a school to another municipality: what the organisation tree allows.
//!
//! A school may move only between municipalities of one region: its documents were
//! registered in that region (their requirement set and registry), so a move across regions
//! would leave them judged and collected by a region the school no longer belongs to.

use crate::org::{Directory, OrgId, OrgKind};

/// Why a school cannot move where it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// No organisation has this identifier.
    #[error("unknown organisation {id}")]
    Unknown {
        /// The identifier asked for.
        id: OrgId,
    },
    /// The organisation to move is not a school.
    #[error("{id} is not a school")]
    NotASchool {
        /// The organisation.
        id: OrgId,
    },
    /// The destination is not a municipality.
    #[error("{id} is not a municipality")]
    NotAMunicipality {
        /// The destination.
        id: OrgId,
    },
    /// The destination lies in another region.
    #[error("{to} is in another region than {school}")]
    OtherRegion {
        /// The school.
        school: OrgId,
        /// The destination.
        to: OrgId,
    },
}

impl MoveError {
    /// The error in Russian, for the administrator.
    pub fn message_ru(&self) -> String {
        match self {
            MoveError::Unknown { id } => format!("организации «{id}» нет"),
            MoveError::NotASchool { id } => {
                format!("«{id}» — не школа: переносить можно только школы")
            }
            MoveError::NotAMunicipality { id } => {
                format!("«{id}» — не муниципалитет: школа может входить только в муниципалитет")
            }
            MoveError::OtherRegion { school, to } => format!(
                "«{to}» в другом регионе, чем «{school}»: школу можно перенести только в \
                 муниципалитет своего региона (её документы зарегистрированы в нём)"
            ),
        }
    }
}

impl Directory {
    /// Checks that `school` may move to municipality `to`: both exist, are a school and a
    /// municipality, and lie in one region. Moving a school to its own municipality is allowed
    /// (and changes nothing).
    pub fn check_move(&self, school: &OrgId, to: &OrgId) -> Result<(), MoveError> {
        let found = self
            .get(school)
            .ok_or_else(|| MoveError::Unknown { id: school.clone() })?;
        if !matches!(found.kind, OrgKind::School { .. }) {
            return Err(MoveError::NotASchool { id: school.clone() });
        }
        let target = self
            .get(to)
            .ok_or_else(|| MoveError::Unknown { id: to.clone() })?;
        if target.kind != OrgKind::Municipality {
            return Err(MoveError::NotAMunicipality { id: to.clone() });
        }
        let same_region = match (self.region_of(school), self.region_of(to)) {
            (Some(a), Some(b)) => a.id == b.id,
            _ => false,
        };
        if !same_region {
            return Err(MoveError::OtherRegion {
                school: school.clone(),
                to: to.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Organisation;

    fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
        Organisation {
            id: OrgId::new(id),
            kind,
            parent: parent.map(OrgId::new),
            name: id.to_owned(),
        }
    }

    fn two_regions() -> Directory {
        Directory::new([
            org("lipetsk", OrgKind::Region, None),
            org("oryol", OrgKind::Region, None),
            org("elets", OrgKind::Municipality, Some("lipetsk")),
            org("krasninsky", OrgKind::Municipality, Some("lipetsk")),
            org("mtsensk", OrgKind::Municipality, Some("oryol")),
            org("school-3", OrgKind::School { mentor: false }, Some("elets")),
        ])
        .unwrap()
    }

    #[test]
    fn a_school_moves_within_its_region_only() {
        let dir = two_regions();
        let school = OrgId::new("school-3");
        assert_eq!(dir.check_move(&school, &OrgId::new("krasninsky")), Ok(()));
        assert_eq!(dir.check_move(&school, &OrgId::new("elets")), Ok(()));
        assert!(matches!(
            dir.check_move(&school, &OrgId::new("mtsensk")),
            Err(MoveError::OtherRegion { .. })
        ));
    }

    #[test]
    fn only_schools_move_and_only_into_municipalities() {
        let dir = two_regions();
        assert!(matches!(
            dir.check_move(&OrgId::new("elets"), &OrgId::new("krasninsky")),
            Err(MoveError::NotASchool { .. })
        ));
        assert!(matches!(
            dir.check_move(&OrgId::new("school-3"), &OrgId::new("lipetsk")),
            Err(MoveError::NotAMunicipality { .. })
        ));
        let unknown = dir.check_move(&OrgId::new("nowhere"), &OrgId::new("elets"));
        assert!(matches!(unknown, Err(MoveError::Unknown { .. })));
        assert!(unknown.unwrap_err().message_ru().contains("nowhere"));
    }
}
