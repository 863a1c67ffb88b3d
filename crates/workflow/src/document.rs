//! What the rules need to know about a document: its form, its owner school, its parties and
//! its status. The content lives in the `document` crate; this crate never sees it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::lifecycle::Status;
use crate::names::{ParseError, parse, string_id};
use crate::org::OrgId;

string_id!(
    /// The stable identifier of a document (the sync server's document id).
    DocumentId
);

/// Which of the three forms a document fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FormKind {
    /// The programme of transition to effective operation (программа перехода в эффективный
    /// режим работы), written with the mentor school.
    #[serde(rename = "school-programme")]
    SchoolProgramme,
    /// The network partnership agreement (договор о сетевом партнёрстве) between the school
    /// and its mentor school; both directors sign it.
    #[serde(rename = "partnership-agreement")]
    PartnershipAgreement,
    /// The change to the stimulus-payment policy (изменение положения о стимулирующих
    /// выплатах); the school's own document.
    #[serde(rename = "stimulus-policy-change")]
    StimulusPolicyChange,
}

impl FormKind {
    /// Every form.
    pub const ALL: [FormKind; 3] = [
        FormKind::SchoolProgramme,
        FormKind::PartnershipAgreement,
        FormKind::StimulusPolicyChange,
    ];

    /// The form's id in `forms/` (`school-programme`, …).
    pub fn form_id(self) -> &'static str {
        match self {
            FormKind::SchoolProgramme => "school-programme",
            FormKind::PartnershipAgreement => "partnership-agreement",
            FormKind::StimulusPolicyChange => "stimulus-policy-change",
        }
    }

    /// The form's name in Russian.
    pub fn label_ru(self) -> &'static str {
        match self {
            FormKind::SchoolProgramme => "программа перехода в эффективный режим работы",
            FormKind::PartnershipAgreement => "договор о сетевом партнёрстве",
            FormKind::StimulusPolicyChange => "изменение положения о стимулирующих выплатах",
        }
    }

    /// Whether the mentor school is a party (co-edits and, for the agreement, signs).
    pub fn has_mentor(self) -> bool {
        match self {
            FormKind::SchoolProgramme | FormKind::PartnershipAgreement => true,
            FormKind::StimulusPolicyChange => false,
        }
    }

    /// Whether submissions of this form must be signed by the directors of every party
    /// before they can be approved.
    pub fn is_signed(self) -> bool {
        self == FormKind::PartnershipAgreement
    }
}

impl fmt::Display for FormKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.form_id())
    }
}

impl FromStr for FormKind {
    type Err = ParseError;

    fn from_str(form_id: &str) -> Result<FormKind, ParseError> {
        parse("form", &FormKind::ALL, FormKind::form_id, form_id)
    }
}

/// A document as the permission table sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Its identifier.
    pub id: DocumentId,
    /// Its form.
    pub form: FormKind,
    /// The supported school whose document it is: it submits, and its municipality and
    /// region see it.
    pub owner_school: OrgId,
    /// The schools that write it together: the owner and, for the programme and the
    /// agreement, the mentor school. The owner is a party even if missing here.
    pub parties: Vec<OrgId>,
    /// Where it is in its lifecycle; a copy of [`State::status`](crate::State::status),
    /// which is the truth.
    pub status: Status,
}

impl DocumentRef {
    /// A new draft of `form` owned by `owner_school`, written with `mentor` when the form has
    /// a mentor party (a mentor given for a form without one is ignored).
    pub fn new(
        id: DocumentId,
        form: FormKind,
        owner_school: OrgId,
        mentor: Option<OrgId>,
    ) -> DocumentRef {
        let mut parties = vec![owner_school.clone()];
        parties.extend(mentor.filter(|mentor| form.has_mentor() && *mentor != owner_school));
        DocumentRef {
            id,
            form,
            owner_school,
            parties,
            status: Status::Draft,
        }
    }

    /// Whether `org` is a party: the owner school or a school listed in `parties`.
    pub fn is_party(&self, org: &OrgId) -> bool {
        *org == self.owner_school || self.parties.contains(org)
    }

    /// The parties, owner first, each once.
    pub fn all_parties(&self) -> Vec<OrgId> {
        let mut all = vec![self.owner_school.clone()];
        for party in &self.parties {
            if !all.contains(party) {
                all.push(party.clone());
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentor_is_a_party_of_the_programme_and_the_agreement_only() {
        let owner = OrgId::new("school");
        let mentor = OrgId::new("mentor");
        for form in FormKind::ALL {
            let doc = DocumentRef::new("d".into(), form, owner.clone(), Some(mentor.clone()));
            assert!(doc.is_party(&owner));
            assert_eq!(doc.is_party(&mentor), form.has_mentor(), "{form:?}");
            assert_eq!(doc.status, Status::Draft);
        }
    }

    #[test]
    fn owner_is_a_party_even_when_not_listed() {
        let doc = DocumentRef {
            id: "d".into(),
            form: FormKind::PartnershipAgreement,
            owner_school: "school".into(),
            parties: vec!["mentor".into(), "mentor".into()],
            status: Status::Draft,
        };
        assert!(doc.is_party(&"school".into()));
        assert_eq!(
            doc.all_parties(),
            [OrgId::new("school"), OrgId::new("mentor")]
        );
    }
}
