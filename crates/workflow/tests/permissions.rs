//! The permission table, checked exhaustively against a table written out by hand: every role,
//! held at every place relative to a document, asking every action, in every status, for
//! every form. The expected table below is independent of `workflow::PERMISSIONS`, so any
//! change to the rules breaks this test until the table here is changed too.

use std::collections::BTreeSet;

use workflow::{
    Action, CuratorAssignment, Decision, Directory, DocumentRef, FormKind, Membership, Memberships,
    OrgId, OrgKind, Organisation, PERMISSIONS, Reason, Role, Standing, Status, UserId, allowed,
    signing_party, standings,
};

const REGION: &str = "lipetsk";
const OTHER_REGION: &str = "oryol";
const MUNICIPALITY: &str = "lipetsk/elets";
const OTHER_MUNICIPALITY: &str = "lipetsk/gryazi";
const OWNER_SCHOOL: &str = "lipetsk/elets/school-3";
const NEIGHBOUR_SCHOOL: &str = "lipetsk/elets/school-7";
/// The mentor school sits in another municipality on purpose: being a party is what counts.
const MENTOR_SCHOOL: &str = "lipetsk/gryazi/lyceum-1";

fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
    Organisation {
        id: OrgId::new(id),
        kind,
        parent: parent.map(OrgId::new),
        name: id.to_owned(),
    }
}

fn directory() -> Directory {
    Directory::new([
        org(REGION, OrgKind::Region, None),
        org(OTHER_REGION, OrgKind::Region, None),
        org(MUNICIPALITY, OrgKind::Municipality, Some(REGION)),
        org(OTHER_MUNICIPALITY, OrgKind::Municipality, Some(REGION)),
        org("oryol/livny", OrgKind::Municipality, Some(OTHER_REGION)),
        org(
            OWNER_SCHOOL,
            OrgKind::School { mentor: false },
            Some(MUNICIPALITY),
        ),
        org(
            NEIGHBOUR_SCHOOL,
            OrgKind::School { mentor: false },
            Some(MUNICIPALITY),
        ),
        org(
            MENTOR_SCHOOL,
            OrgKind::School { mentor: true },
            Some(OTHER_MUNICIPALITY),
        ),
        org(
            "oryol/livny/school-1",
            OrgKind::School { mentor: false },
            Some("oryol/livny"),
        ),
    ])
    .unwrap()
}

/// Where the user holds their role, relative to the document of `OWNER_SCHOOL`.
const PLACES: [&str; 9] = [
    "owner-school",
    "mentor-school",
    "neighbour-school",
    "own-municipality",
    "other-municipality",
    "own-region",
    "other-region",
    "assigned-curator",
    "other-curator",
];

/// The user's memberships for a role held at a place: the organisation, and for the two
/// curator places an assignment (to the owner school, or to a neighbouring school).
fn memberships(user: &UserId, role: Role, place: &str) -> Memberships {
    let (at, curates) = match place {
        "owner-school" => (OWNER_SCHOOL, None),
        "mentor-school" => (MENTOR_SCHOOL, None),
        "neighbour-school" => (NEIGHBOUR_SCHOOL, None),
        "own-municipality" => (MUNICIPALITY, None),
        "other-municipality" => (OTHER_MUNICIPALITY, None),
        "own-region" => (REGION, None),
        "other-region" => (OTHER_REGION, None),
        "assigned-curator" => (REGION, Some(OWNER_SCHOOL)),
        "other-curator" => (REGION, Some(NEIGHBOUR_SCHOOL)),
        other => panic!("unknown place {other}"),
    };
    Memberships {
        roles: vec![Membership {
            user: user.clone(),
            org: OrgId::new(at),
            role,
        }],
        curated: curates
            .map(|school| CuratorAssignment {
                curator: user.clone(),
                school: OrgId::new(school),
            })
            .into_iter()
            .collect(),
    }
}

/// Each cell lists the statuses in which the action is allowed: d = draft, s = submitted,
/// r = returned, a = approved, c = collected; `-` = never.
///
/// Two rules apply on top of the cells, stated here rather than in the table:
/// - sign cells hold for partnership agreements only; other forms are never signed;
/// - the mentor school is not a party of the stimulus-policy change, so for that form the
///   `mentor-school` rows are all `-`.
const EXPECTED: &str = "
# role                 place               read   write  submit sign  review collect export
school-editor          owner-school        dsrac  drac   drac   -     -      -       -
school-editor          mentor-school       -      -      -      -     -      -       -
school-editor          neighbour-school    -      -      -      -     -      -       -
school-editor          own-municipality    -      -      -      -     -      -       -
school-editor          other-municipality  -      -      -      -     -      -       -
school-editor          own-region          -      -      -      -     -      -       -
school-editor          other-region        -      -      -      -     -      -       -
school-editor          assigned-curator    -      -      -      -     -      -       -
school-editor          other-curator       -      -      -      -     -      -       -
school-director        owner-school        dsrac  drac   drac   s     -      -       -
school-director        mentor-school       -      -      -      -     -      -       -
school-director        neighbour-school    -      -      -      -     -      -       -
school-director        own-municipality    -      -      -      -     -      -       -
school-director        other-municipality  -      -      -      -     -      -       -
school-director        own-region          -      -      -      -     -      -       -
school-director        other-region        -      -      -      -     -      -       -
school-director        assigned-curator    -      -      -      -     -      -       -
school-director        other-curator       -      -      -      -     -      -       -
mentor-editor          owner-school        -      -      -      -     -      -       -
mentor-editor          mentor-school       dsrac  drac   -      -     -      -       -
mentor-editor          neighbour-school    -      -      -      -     -      -       -
mentor-editor          own-municipality    -      -      -      -     -      -       -
mentor-editor          other-municipality  -      -      -      -     -      -       -
mentor-editor          own-region          -      -      -      -     -      -       -
mentor-editor          other-region        -      -      -      -     -      -       -
mentor-editor          assigned-curator    -      -      -      -     -      -       -
mentor-editor          other-curator       -      -      -      -     -      -       -
mentor-director        owner-school        -      -      -      -     -      -       -
mentor-director        mentor-school       dsrac  drac   -      s     -      -       -
mentor-director        neighbour-school    -      -      -      -     -      -       -
mentor-director        own-municipality    -      -      -      -     -      -       -
mentor-director        other-municipality  -      -      -      -     -      -       -
mentor-director        own-region          -      -      -      -     -      -       -
mentor-director        other-region        -      -      -      -     -      -       -
mentor-director        assigned-curator    -      -      -      -     -      -       -
mentor-director        other-curator       -      -      -      -     -      -       -
municipal-reviewer     owner-school        -      -      -      -     -      -       -
municipal-reviewer     mentor-school       -      -      -      -     -      -       -
municipal-reviewer     neighbour-school    -      -      -      -     -      -       -
municipal-reviewer     own-municipality    dsrac  -      -      -     s      -       -
municipal-reviewer     other-municipality  -      -      -      -     -      -       -
municipal-reviewer     own-region          -      -      -      -     -      -       -
municipal-reviewer     other-region        -      -      -      -     -      -       -
municipal-reviewer     assigned-curator    -      -      -      -     -      -       -
municipal-reviewer     other-curator       -      -      -      -     -      -       -
regional-coordinator   owner-school        -      -      -      -     -      -       -
regional-coordinator   mentor-school       -      -      -      -     -      -       -
regional-coordinator   neighbour-school    -      -      -      -     -      -       -
regional-coordinator   own-municipality    -      -      -      -     -      -       -
regional-coordinator   other-municipality  -      -      -      -     -      -       -
regional-coordinator   own-region          sac    -      -      -     -      a       ac
regional-coordinator   other-region        -      -      -      -     -      -       -
regional-coordinator   assigned-curator    sac    -      -      -     -      a       ac
regional-coordinator   other-curator       sac    -      -      -     -      a       ac
curator                owner-school        -      -      -      -     -      -       -
curator                mentor-school       -      -      -      -     -      -       -
curator                neighbour-school    -      -      -      -     -      -       -
curator                own-municipality    -      -      -      -     -      -       -
curator                other-municipality  -      -      -      -     -      -       -
curator                own-region          -      -      -      -     -      -       -
curator                other-region        -      -      -      -     -      -       -
curator                assigned-curator    dsrac  -      -      -     -      -       -
curator                other-curator       -      -      -      -     -      -       -
administrator          owner-school        dsrac  -      -      -     -      -       -
administrator          mentor-school       -      -      -      -     -      -       -
administrator          neighbour-school    -      -      -      -     -      -       -
administrator          own-municipality    dsrac  -      -      -     -      -       -
administrator          other-municipality  -      -      -      -     -      -       -
administrator          own-region          dsrac  -      -      -     -      -       -
administrator          other-region        -      -      -      -     -      -       -
administrator          assigned-curator    dsrac  -      -      -     -      -       -
administrator          other-curator       dsrac  -      -      -     -      -       -
";

/// The statuses a cell allows, in lifecycle order.
fn statuses(cell: &str) -> Vec<Status> {
    if cell == "-" {
        return Vec::new();
    }
    let statuses: Vec<Status> = cell
        .chars()
        .map(|letter| match letter {
            'd' => Status::Draft,
            's' => Status::Submitted,
            'r' => Status::Returned,
            'a' => Status::Approved,
            'c' => Status::Collected,
            other => panic!("unknown status letter {other:?} in {cell:?}"),
        })
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted, "write cells in lifecycle order: {cell}");
    statuses
}

struct Row {
    role: Role,
    place: &'static str,
    cells: Vec<Vec<Status>>,
}

fn expected_rows() -> Vec<Row> {
    let columns = [
        "read", "write", "submit", "sign", "review", "collect", "export",
    ];
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(
        actions, columns,
        "the table's columns are the actions, in order"
    );
    EXPECTED
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.len(), 2 + columns.len(), "{line}");
            let place = PLACES
                .into_iter()
                .find(|p| *p == words[1])
                .unwrap_or_else(|| panic!("unknown place in {line}"));
            Row {
                role: words[0].parse().unwrap(),
                place,
                cells: words[2..].iter().map(|cell| statuses(cell)).collect(),
            }
        })
        .collect()
}

/// What the hand-written table says `allowed` must answer, reasons included.
fn expected_decision(row: &Row, form: FormKind, action: Action, status: Status) -> Decision {
    let mentor_not_party = row.place == "mentor-school" && form == FormKind::StimulusPolicyChange;
    if mentor_not_party || row.cells.iter().all(Vec::is_empty) {
        return Decision::Denied(Reason::NoAccess);
    }
    let column = Action::ALL.iter().position(|a| *a == action).unwrap();
    let cell = &row.cells[column];
    if cell.is_empty() {
        return Decision::Denied(Reason::NotYourRole { action });
    }
    if action == Action::Sign && form != FormKind::PartnershipAgreement {
        return Decision::Denied(Reason::WrongForm {
            action,
            form,
            allowed_for: vec![FormKind::PartnershipAgreement],
        });
    }
    if cell.contains(&status) {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::WrongStatus {
            action,
            status,
            allowed_in: cell.clone(),
        })
    }
}

fn document(form: FormKind, status: Status) -> DocumentRef {
    let mut doc = DocumentRef::new(
        format!("doc-{}", form.form_id()).into(),
        form,
        OrgId::new(OWNER_SCHOOL),
        Some(OrgId::new(MENTOR_SCHOOL)),
    );
    doc.status = status;
    doc
}

#[test]
fn every_role_at_every_place_may_do_exactly_what_the_table_says() {
    let rows = expected_rows();
    let listed: BTreeSet<(Role, &str)> = rows.iter().map(|r| (r.role, r.place)).collect();
    assert_eq!(listed.len(), rows.len(), "a role and place appear twice");
    assert_eq!(
        listed.len(),
        Role::ALL.len() * PLACES.len(),
        "every role at every place must be in the table"
    );

    let directory = directory();
    let user = UserId::new("someone");
    let mut checked = 0;
    let mut granted = 0;
    for row in &rows {
        let people = memberships(&user, row.role, row.place);
        for form in FormKind::ALL {
            for status in Status::ALL {
                let doc = document(form, status);
                for action in Action::ALL {
                    let got = allowed(&directory, &people, &user, &doc, action);
                    let want = expected_decision(row, form, action, status);
                    assert_eq!(
                        got, want,
                        "{:?} at {} asking to {action} a {status} {form}",
                        row.role, row.place
                    );
                    checked += 1;
                    granted += usize::from(got.is_allowed());
                }
            }
        }
    }
    assert_eq!(checked, 8 * 9 * 3 * 5 * 7);
    // A sanity check that the table is not trivially all-denied.
    assert!(granted > 100, "only {granted} grants");
}

#[test]
fn every_grant_of_the_code_table_is_reachable_by_some_role() {
    // Guards the other direction: a row added to PERMISSIONS for a standing that no role at
    // any place can hold would pass the exhaustive test unnoticed.
    let directory = directory();
    let user = UserId::new("someone");
    let mut reached = BTreeSet::new();
    for role in Role::ALL {
        for place in PLACES {
            let people = memberships(&user, role, place);
            for form in FormKind::ALL {
                reached.extend(standings(
                    &directory,
                    &people,
                    &user,
                    &document(form, Status::Draft),
                ));
            }
        }
    }
    let in_table: BTreeSet<Standing> = PERMISSIONS.iter().map(|p| p.who).collect();
    assert_eq!(reached, Standing::ALL.into_iter().collect());
    assert_eq!(in_table, Standing::ALL.into_iter().collect());
}

#[test]
fn several_roles_add_up() {
    // A municipal methodologist who is also the region's coordinator (a small region).
    let directory = directory();
    let user = UserId::new("both");
    let people = Memberships {
        roles: vec![
            Membership {
                user: user.clone(),
                org: MUNICIPALITY.into(),
                role: Role::MunicipalReviewer,
            },
            Membership {
                user: user.clone(),
                org: REGION.into(),
                role: Role::RegionalCoordinator,
            },
        ],
        curated: Vec::new(),
    };
    let draft = document(FormKind::SchoolProgramme, Status::Draft);
    assert_eq!(
        standings(&directory, &people, &user, &draft),
        [Standing::Reviewer, Standing::Coordinator]
    );
    // The reviewer reads drafts although the coordinator may not.
    assert!(allowed(&directory, &people, &user, &draft, Action::Read).is_allowed());
    let approved = document(FormKind::SchoolProgramme, Status::Approved);
    assert!(allowed(&directory, &people, &user, &approved, Action::Collect).is_allowed());
    assert_eq!(
        allowed(&directory, &people, &user, &draft, Action::Export),
        Decision::Denied(Reason::WrongStatus {
            action: Action::Export,
            status: Status::Draft,
            allowed_in: vec![Status::Approved, Status::Collected],
        })
    );
}

#[test]
fn other_users_memberships_grant_nothing() {
    let directory = directory();
    let owner_editor = UserId::new("editor");
    let people = memberships(&owner_editor, Role::SchoolEditor, "owner-school");
    let doc = document(FormKind::SchoolProgramme, Status::Draft);
    let stranger = UserId::new("stranger");
    for action in Action::ALL {
        assert_eq!(
            allowed(&directory, &people, &stranger, &doc, action),
            Decision::Denied(Reason::NoAccess)
        );
    }
}

#[test]
fn roles_at_unknown_organisations_grant_nothing() {
    let directory = directory();
    let user = UserId::new("ghost");
    let people = Memberships {
        roles: vec![Membership {
            user: user.clone(),
            org: "atlantis".into(),
            role: Role::Administrator,
        }],
        curated: Vec::new(),
    };
    let doc = document(FormKind::SchoolProgramme, Status::Submitted);
    assert_eq!(
        allowed(&directory, &people, &user, &doc, Action::Read),
        Decision::Denied(Reason::NoAccess)
    );
}

#[test]
fn document_of_an_unknown_school_is_seen_by_its_parties_only() {
    let directory = directory();
    let mut doc = document(FormKind::SchoolProgramme, Status::Submitted);
    doc.owner_school = "nowhere/school".into();
    doc.parties = vec!["nowhere/school".into(), MENTOR_SCHOOL.into()];
    let user = UserId::new("u");
    let mentor = memberships(&user, Role::MentorEditor, "mentor-school");
    assert!(allowed(&directory, &mentor, &user, &doc, Action::Read).is_allowed());
    for place in ["own-municipality", "own-region"] {
        for role in [
            Role::MunicipalReviewer,
            Role::RegionalCoordinator,
            Role::Administrator,
        ] {
            let people = memberships(&user, role, place);
            assert_eq!(
                allowed(&directory, &people, &user, &doc, Action::Read),
                Decision::Denied(Reason::NoAccess),
                "{role:?} at {place}"
            );
        }
    }
}

#[test]
fn directors_sign_for_their_own_school() {
    let directory = directory();
    let user = UserId::new("u");
    let doc = document(FormKind::PartnershipAgreement, Status::Submitted);
    let cases = [
        (Role::SchoolDirector, "owner-school", Some(OWNER_SCHOOL)),
        (Role::MentorDirector, "mentor-school", Some(MENTOR_SCHOOL)),
        (Role::SchoolEditor, "owner-school", None),
        (Role::MentorEditor, "mentor-school", None),
        (Role::SchoolDirector, "neighbour-school", None),
        (Role::Administrator, "own-region", None),
    ];
    for (role, place, party) in cases {
        let people = memberships(&user, role, place);
        assert_eq!(
            signing_party(&directory, &people, &user, &doc),
            party.map(OrgId::new),
            "{role:?} at {place}"
        );
    }
}

#[test]
fn every_reason_has_a_russian_message() {
    let reasons = [
        Reason::NoAccess,
        Reason::WrongForm {
            action: Action::Sign,
            form: FormKind::SchoolProgramme,
            allowed_for: vec![FormKind::PartnershipAgreement],
        },
        Reason::WrongStatus {
            action: Action::Write,
            status: Status::Submitted,
            allowed_in: vec![Status::Draft, Status::Returned],
        },
    ]
    .into_iter()
    .chain(Action::ALL.map(|action| Reason::NotYourRole { action }));
    for reason in reasons {
        let ru = reason.message_ru();
        assert!(
            ru.chars().any(|c| ('а'..='я').contains(&c)),
            "{reason}: {ru}"
        );
        assert!(!reason.to_string().is_empty());
    }
    let write = Reason::WrongStatus {
        action: Action::Write,
        status: Status::Submitted,
        allowed_in: vec![Status::Draft, Status::Returned],
    };
    assert_eq!(
        write.message_ru(),
        "изменять документ в статусе «на рассмотрении» нельзя; можно в статусах: «черновик», \
         «возвращён на доработку»"
    );
}

/// Renders `PERMISSIONS` as the markdown table of `PERMISSIONS.md`.
fn render_markdown() -> String {
    let mut out = String::from(
        "# Permission table\n\n\
         Rendered from `workflow::PERMISSIONS`; `cargo test -p workflow --test permissions` fails\n\
         when this file is out of date. Do not edit by hand: after changing the table, run\n\
         `UPDATE_PERMISSIONS=1 cargo test -p workflow --test permissions`.\n\n\
         A user's memberships give them standings toward a document. A standing may do an\n\
         action while the document is in one of the statuses listed; everything else is denied,\n\
         and a user with no standing does not learn that the document exists.\n\n",
    );
    out.push_str("| who |");
    for action in Action::ALL {
        out.push_str(&format!(" {action} |"));
    }
    out.push_str("\n| --- |");
    for _ in Action::ALL {
        out.push_str(" --- |");
    }
    out.push('\n');
    for who in Standing::ALL {
        out.push_str(&format!("| {} |", who.label()));
        for action in Action::ALL {
            let rows: Vec<_> = PERMISSIONS
                .iter()
                .filter(|p| p.who == who && p.action == action)
                .collect();
            let statuses: Vec<Status> = Status::ALL
                .into_iter()
                .filter(|s| rows.iter().any(|p| p.statuses.contains(s)))
                .collect();
            let forms: Vec<FormKind> = FormKind::ALL
                .into_iter()
                .filter(|f| rows.iter().any(|p| p.forms.contains(f)))
                .collect();
            let cell = if statuses.is_empty() {
                "—".to_owned()
            } else if statuses.len() == Status::ALL.len() {
                "any status".to_owned()
            } else {
                statuses
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let cell = if !statuses.is_empty() && forms.len() < FormKind::ALL.len() {
                let forms: Vec<&str> = forms.iter().map(|f| f.form_id()).collect();
                format!("{cell} ({} only)", forms.join(", "))
            } else {
                cell
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str(
        "\nWho holds which standing:\n\n\
         - Editors and directors: `school-editor`/`school-director` at a supported school,\n  \
         `mentor-editor`/`mentor-director` at a mentor school, that school being the owner or\n  \
         another party (the mentor school is a party of the programme and the agreement, not of\n  \
         the stimulus-policy change). Only the owner school submits.\n\
         - Municipal reviewer: `municipal-reviewer` at the owner school's municipality (not the\n  \
         mentor school's).\n\
         - Regional coordinator: `regional-coordinator` at the owner school's region.\n\
         - Curator: `curator` (held at a region or municipality) and assigned to the owner school.\n\
         - Administrator: `administrator` at the owner school or at its municipality or region.\n\
         - A role held at the wrong kind of organisation (a reviewer at a school) counts for\n  \
         nothing.\n\n\
         Notes:\n\n\
         - A submitted document is frozen until the municipality decides.\n\
         - Writing to or submitting an approved or collected document starts a new round; the\n  \
         approval (and the registry entry) stay with the version approved.\n\
         - Reading includes commenting: comments are review data, not edits.\n\
         - Administrators read but never write, sign or review: those acts are the school's, the\n  \
         directors' and the municipality's, and the audit log must name who really did them.\n",
    );
    out
}

#[test]
fn permissions_md_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/PERMISSIONS.md");
    let rendered = render_markdown();
    if std::env::var_os("UPDATE_PERMISSIONS").is_some() {
        std::fs::write(path, &rendered).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == rendered,
        "PERMISSIONS.md is out of date; run `UPDATE_PERMISSIONS=1 cargo test -p workflow --test \
         permissions` and commit it. Expected:\n{rendered}"
    );
}
