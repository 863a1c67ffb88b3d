//! Organisations and the directory that places each school in its municipality and region.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::string_id;

string_id!(
    /// The stable identifier of an organisation (a region, a municipality or a school) as the
    /// server stores it, e.g. `lipetsk/elets/school-3`.
    OrgId
);

/// What kind of organisation it is; the kind fixes where it sits in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgKind {
    /// A region (регион): the regional institute or department. The root of a tree.
    Region,
    /// A municipality (муниципалитет, МОУО): the education department of a district; its
    /// parent is a region.
    Municipality,
    /// A school; its parent is a municipality.
    School {
        /// Whether it is a mentor school (школа-наставник) rather than a supported school.
        mentor: bool,
    },
}

/// One organisation of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Its identifier.
    pub id: OrgId,
    /// Region, municipality or school.
    pub kind: OrgKind,
    /// The organisation it belongs to: none for a region, a region for a municipality, a
    /// municipality for a school.
    pub parent: Option<OrgId>,
    /// Its name as people write it («МБОУ СОШ № 3 г. Ельца»).
    pub name: String,
}

/// Every organisation the server knows, checked to form region → municipality → school trees.
///
/// Built once from the store and then only read; [`Directory::insert`] checks an organisation
/// an administrator adds before the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    orgs: BTreeMap<OrgId, Organisation>,
}

/// An organisation that would break the region → municipality → school tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// Another organisation already has this identifier.
    #[error("organisation {id} already exists")]
    Duplicate {
        /// The identifier given twice.
        id: OrgId,
    },
    /// A region was given a parent; regions are roots.
    #[error("region {id} cannot belong to another organisation ({parent})")]
    RegionWithParent {
        /// The region.
        id: OrgId,
        /// The parent it was given.
        parent: OrgId,
    },
    /// A municipality or a school was given no parent.
    #[error("{id} must belong to a {expected}")]
    MissingParent {
        /// The organisation without a parent.
        id: OrgId,
        /// The kind of parent it needs: `region` or `municipality`.
        expected: &'static str,
    },
    /// The parent is not in the directory (yet).
    #[error("{id} belongs to unknown organisation {parent}")]
    UnknownParent {
        /// The organisation.
        id: OrgId,
        /// The parent that does not exist.
        parent: OrgId,
    },
    /// The parent is of the wrong kind: a municipality must belong to a region, a school to
    /// a municipality.
    #[error("{id} must belong to a {expected}, but {parent} is not one")]
    WrongParentKind {
        /// The organisation.
        id: OrgId,
        /// The parent of the wrong kind.
        parent: OrgId,
        /// The kind of parent it needs: `region` or `municipality`.
        expected: &'static str,
    },
}

impl DirectoryError {
    /// The error in Russian, for the administrator adding organisations.
    pub fn message_ru(&self) -> String {
        fn kind_ru(expected: &str) -> &'static str {
            if expected == "region" {
                "региону"
            } else {
                "муниципалитету"
            }
        }
        match self {
            DirectoryError::Duplicate { id } => format!("организация «{id}» уже есть"),
            DirectoryError::RegionWithParent { id, parent } => {
                format!("регион «{id}» не может входить в другую организацию («{parent}»)")
            }
            DirectoryError::MissingParent { id, expected } => {
                format!("«{id}» должна принадлежать {}", kind_ru(expected))
            }
            DirectoryError::UnknownParent { id, parent } => {
                format!("«{id}» указывает на неизвестную организацию «{parent}»")
            }
            DirectoryError::WrongParentKind {
                id,
                parent,
                expected,
            } => format!(
                "«{id}» должна принадлежать {}, а «{parent}» им не является",
                kind_ru(expected)
            ),
        }
    }
}

impl Directory {
    /// Builds a directory from organisations in any order, checking the tree.
    pub fn new(orgs: impl IntoIterator<Item = Organisation>) -> Result<Directory, DirectoryError> {
        let mut orgs: Vec<Organisation> = orgs.into_iter().collect();
        // Parents first, so that `insert` can insist on a known parent.
        orgs.sort_by_key(|org| match org.kind {
            OrgKind::Region => 0,
            OrgKind::Municipality => 1,
            OrgKind::School { .. } => 2,
        });
        let mut directory = Directory::default();
        for org in orgs {
            directory.insert(org)?;
        }
        Ok(directory)
    }

    /// Adds one organisation; its parent must already be in the directory and be of the
    /// right kind. On error the directory is unchanged.
    pub fn insert(&mut self, org: Organisation) -> Result<(), DirectoryError> {
        if self.orgs.contains_key(&org.id) {
            return Err(DirectoryError::Duplicate { id: org.id });
        }
        let expected = match org.kind {
            OrgKind::Region => {
                if let Some(parent) = org.parent {
                    return Err(DirectoryError::RegionWithParent { id: org.id, parent });
                }
                None
            }
            OrgKind::Municipality => Some("region"),
            OrgKind::School { .. } => Some("municipality"),
        };
        if let Some(expected) = expected {
            let Some(parent) = &org.parent else {
                return Err(DirectoryError::MissingParent {
                    id: org.id,
                    expected,
                });
            };
            let Some(parent_org) = self.orgs.get(parent) else {
                return Err(DirectoryError::UnknownParent {
                    id: org.id,
                    parent: parent.clone(),
                });
            };
            let fits = match parent_org.kind {
                OrgKind::Region => expected == "region",
                OrgKind::Municipality => expected == "municipality",
                OrgKind::School { .. } => false,
            };
            if !fits {
                return Err(DirectoryError::WrongParentKind {
                    id: org.id,
                    parent: parent.clone(),
                    expected,
                });
            }
        }
        self.orgs.insert(org.id.clone(), org);
        Ok(())
    }

    /// The organisation with this identifier.
    pub fn get(&self, id: &OrgId) -> Option<&Organisation> {
        self.orgs.get(id)
    }

    /// Every organisation, ordered by identifier.
    pub fn iter(&self) -> impl Iterator<Item = &Organisation> {
        self.orgs.values()
    }

    /// The municipality a school belongs to; `None` when `school` is unknown or not a school.
    pub fn municipality_of(&self, school: &OrgId) -> Option<&Organisation> {
        let school = self.get(school)?;
        match school.kind {
            OrgKind::School { .. } => self.get(school.parent.as_ref()?),
            _ => None,
        }
    }

    /// The region an organisation belongs to (a region belongs to itself); `None` when the
    /// organisation is unknown.
    pub fn region_of(&self, org: &OrgId) -> Option<&Organisation> {
        let mut current = self.get(org)?;
        // The tree has at most three levels, checked by `insert`.
        while let Some(parent) = &current.parent {
            current = self.get(parent)?;
        }
        Some(current)
    }

    /// Whether `org` is `ancestor` or lies below it (a school is within its municipality and
    /// its region).
    pub fn is_within(&self, org: &OrgId, ancestor: &OrgId) -> bool {
        let mut current = self.get(org);
        while let Some(here) = current {
            if &here.id == ancestor {
                return true;
            }
            current = here.parent.as_ref().and_then(|parent| self.get(parent));
        }
        false
    }

    /// The schools within an organisation (a school is within itself), ordered by identifier.
    pub fn schools_within(&self, org: &OrgId) -> impl Iterator<Item = &Organisation> {
        let org = org.clone();
        self.orgs.values().filter(move |school| {
            matches!(school.kind, OrgKind::School { .. }) && self.is_within(&school.id, &org)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
        Organisation {
            id: OrgId::new(id),
            kind,
            parent: parent.map(OrgId::new),
            name: id.to_owned(),
        }
    }

    fn lipetsk() -> Directory {
        // Given children first on purpose: `new` must not depend on the order.
        Directory::new([
            org("school-3", OrgKind::School { mentor: false }, Some("elets")),
            org(
                "lyceum-1",
                OrgKind::School { mentor: true },
                Some("lipetsk-city"),
            ),
            org("elets", OrgKind::Municipality, Some("lipetsk")),
            org("lipetsk-city", OrgKind::Municipality, Some("lipetsk")),
            org("lipetsk", OrgKind::Region, None),
            org("oryol", OrgKind::Region, None),
        ])
        .unwrap()
    }

    #[test]
    fn school_knows_its_municipality_and_region() {
        let dir = lipetsk();
        let school = OrgId::new("school-3");
        assert_eq!(dir.municipality_of(&school).unwrap().id.as_str(), "elets");
        assert_eq!(dir.region_of(&school).unwrap().id.as_str(), "lipetsk");
        assert_eq!(
            dir.region_of(&OrgId::new("elets")).unwrap().id.as_str(),
            "lipetsk"
        );
        assert_eq!(
            dir.region_of(&OrgId::new("lipetsk")).unwrap().id.as_str(),
            "lipetsk"
        );
    }

    #[test]
    fn only_schools_have_a_municipality() {
        let dir = lipetsk();
        assert!(dir.municipality_of(&OrgId::new("elets")).is_none());
        assert!(dir.municipality_of(&OrgId::new("lipetsk")).is_none());
        assert!(dir.municipality_of(&OrgId::new("nowhere")).is_none());
        assert!(dir.region_of(&OrgId::new("nowhere")).is_none());
    }

    #[test]
    fn within_follows_the_tree_upwards_only() {
        let dir = lipetsk();
        let school = OrgId::new("school-3");
        assert!(dir.is_within(&school, &school));
        assert!(dir.is_within(&school, &OrgId::new("elets")));
        assert!(dir.is_within(&school, &OrgId::new("lipetsk")));
        assert!(!dir.is_within(&school, &OrgId::new("lipetsk-city")));
        assert!(!dir.is_within(&school, &OrgId::new("oryol")));
        assert!(!dir.is_within(&OrgId::new("lipetsk"), &school));
        let schools: Vec<&str> = dir
            .schools_within(&OrgId::new("lipetsk"))
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(schools, ["lyceum-1", "school-3"]);
    }

    #[test]
    fn tree_shape_is_enforced() {
        let mut dir = lipetsk();
        let before = dir.clone();
        let cases = [
            (
                org("lipetsk", OrgKind::Region, None),
                DirectoryError::Duplicate {
                    id: "lipetsk".into(),
                },
            ),
            (
                org("r", OrgKind::Region, Some("lipetsk")),
                DirectoryError::RegionWithParent {
                    id: "r".into(),
                    parent: "lipetsk".into(),
                },
            ),
            (
                org("m", OrgKind::Municipality, None),
                DirectoryError::MissingParent {
                    id: "m".into(),
                    expected: "region",
                },
            ),
            (
                org("s", OrgKind::School { mentor: false }, Some("atlantis")),
                DirectoryError::UnknownParent {
                    id: "s".into(),
                    parent: "atlantis".into(),
                },
            ),
            (
                org("s", OrgKind::School { mentor: false }, Some("lipetsk")),
                DirectoryError::WrongParentKind {
                    id: "s".into(),
                    parent: "lipetsk".into(),
                    expected: "municipality",
                },
            ),
            (
                org("m", OrgKind::Municipality, Some("elets")),
                DirectoryError::WrongParentKind {
                    id: "m".into(),
                    parent: "elets".into(),
                    expected: "region",
                },
            ),
            (
                org("s", OrgKind::School { mentor: false }, Some("school-3")),
                DirectoryError::WrongParentKind {
                    id: "s".into(),
                    parent: "school-3".into(),
                    expected: "municipality",
                },
            ),
        ];
        for (org, expected) in cases {
            let err = dir.insert(org).unwrap_err();
            assert_eq!(err, expected);
            assert!(!err.message_ru().is_empty());
        }
        assert_eq!(
            dir, before,
            "a refused organisation leaves the directory as it was"
        );
    }
}
