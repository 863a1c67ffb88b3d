//! Campaigns in the store: opened with their obligations and schools in one audited
//! transaction, refused whole for an unknown school, reminders recorded once each. Every test
//! runs on both engines.

#[macro_use]
mod support;

use std::collections::BTreeMap;

use store::{CampaignSchool, NewCampaign, ReminderKind, SchoolSource, Store, StoreError};
use support::Fixture;

on_both_engines!(
    a_campaign_is_stored_whole_and_audited,
    reminders_are_recorded_once_each,
    days_come_from_the_store_s_calendar,
);
use workflow::{FormKind, OrgId, OrgKind, Organisation, UserId};

/// The fixture's store with a region, a municipality, two schools and a coordinator.
fn store_with_schools(fixture: &Fixture) -> (&Store, UserId) {
    let store = &fixture.store;
    for (id, kind, parent) in [
        ("lipetsk", OrgKind::Region, None),
        ("krasninsky", OrgKind::Municipality, Some("lipetsk")),
        (
            "krasnoe",
            OrgKind::School { mentor: false },
            Some("krasninsky"),
        ),
        (
            "lyceum-44",
            OrgKind::School { mentor: true },
            Some("krasninsky"),
        ),
    ] {
        store
            .add_organisation(
                &Organisation {
                    id: OrgId::new(id),
                    kind,
                    parent: parent.map(OrgId::new),
                    name: id.to_owned(),
                },
                "admin",
            )
            .unwrap();
    }
    let user = store
        .add_user(
            "coordinator",
            "Координатор",
            "a long enough password 1",
            "admin",
        )
        .unwrap();
    (store, user)
}

fn campaign(schools: &[(&str, &str)]) -> NewCampaign {
    NewCampaign {
        region: OrgId::new("lipetsk"),
        year: 2026,
        title: "Кампания 2026 года".into(),
        submit_by: "2026-09-30".into(),
        decide_by: "2026-10-31".into(),
        remind_days: 14,
        owes: BTreeMap::from([
            ("supported".to_owned(), FormKind::ALL.to_vec()),
            ("mentor".to_owned(), vec![FormKind::StimulusPolicyChange]),
        ]),
        schools: schools
            .iter()
            .map(|(school, category)| CampaignSchool {
                school: OrgId::new(*school),
                category: (*category).to_owned(),
                source: SchoolSource::Listed,
            })
            .collect(),
    }
}

fn a_campaign_is_stored_whole_and_audited(fixture: &Fixture) {
    let (store, user) = store_with_schools(fixture);
    let stored = store
        .open_campaign(
            &campaign(&[("krasnoe", "supported"), ("lyceum-44", "mentor")]),
            &user,
        )
        .unwrap();
    assert_eq!(store.campaign(stored.id).unwrap().as_ref(), Some(&stored));
    assert_eq!(stored.campaign.owes["supported"], FormKind::ALL);
    assert_eq!(stored.campaign.schools.len(), 2);
    assert_eq!(store.campaigns().unwrap(), std::slice::from_ref(&stored));
    let log = store.audit_log().unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.subject.as_str()),
        ("open-campaign", format!("campaign:{}", stored.id).as_str())
    );

    // An unknown school refuses the whole campaign.
    let refused = store.open_campaign(
        &campaign(&[("krasnoe", "supported"), ("nowhere", "supported")]),
        &user,
    );
    assert!(
        matches!(refused, Err(StoreError::UnknownOrganisation { .. })),
        "{refused:?}"
    );
    assert_eq!(store.campaigns().unwrap().len(), 1);
    assert_eq!(store.verify_audit().unwrap(), Ok(log.len()));
}

fn reminders_are_recorded_once_each(fixture: &Fixture) {
    let (store, user) = store_with_schools(fixture);
    let id = store
        .open_campaign(&campaign(&[("krasnoe", "supported")]), &user)
        .unwrap()
        .id;
    let due = vec![
        (
            id,
            OrgId::new("krasnoe"),
            FormKind::SchoolProgramme,
            ReminderKind::DueSoon,
            "2026-09-30".to_owned(),
        ),
        (
            id,
            OrgId::new("krasnoe"),
            FormKind::PartnershipAgreement,
            ReminderKind::DueSoon,
            "2026-09-30".to_owned(),
        ),
    ];
    assert_eq!(store.record_reminders(&due).unwrap().len(), 2);
    assert!(
        store.record_reminders(&due).unwrap().is_empty(),
        "recorded once"
    );
    let late = [(
        id,
        OrgId::new("krasnoe"),
        FormKind::SchoolProgramme,
        ReminderKind::Late,
        "2026-09-30".to_owned(),
    )];
    assert_eq!(store.record_reminders(&late).unwrap().len(), 1);
    let kept = store.reminders_of(&OrgId::new("krasnoe")).unwrap();
    assert_eq!(kept.len(), 3);
    assert_eq!(kept[0].kind, ReminderKind::Late, "newest first");
    assert!(
        store
            .reminders_of(&OrgId::new("lyceum-44"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .audit_log()
            .unwrap()
            .iter()
            .filter(|r| r.action == "remind")
            .count(),
        3
    );
}

fn days_come_from_the_store_s_calendar(fixture: &Fixture) {
    let (store, _) = store_with_schools(fixture);
    assert_eq!(store.today().unwrap().len(), 10);
    assert_eq!(
        store.add_days("2026-03-01", -1).unwrap().as_deref(),
        Some("2026-02-28")
    );
    assert_eq!(
        store.add_days("2026-12-31", 1).unwrap().as_deref(),
        Some("2027-01-01")
    );
    for bad in ["2026-02-30", "2026-2-3", "завтра", ""] {
        assert_eq!(store.add_days(bad, 0).unwrap(), None, "{bad}");
    }
}
