//! Where a campaign stands: one row per school and form owed, judged against the deadlines on
//! a given day, and counts by municipality.
//!
//! For each school and form owed, the school's document of that form furthest along the
//! lifecycle is its answer (collected, then approved, submitted, returned, draft; the latest
//! registered among equals). A row is *missing* when the school has no such document; its
//! submission is *late* when `submit_by` has passed and no round was submitted on or before
//! it; its decision is *late* when `decide_by` has passed, the document was submitted, and no
//! round was approved on or before it.

use std::collections::BTreeMap;

use api_types::{CampaignView, MunicipalityCounts, ObligationRow};
use store::{Campaign, DocumentRecord, SubmissionRecord};
use workflow::{Directory, FormKind, OrgId, Status};

use super::category_ru;

/// The campaign as listed, counting the schools `visible` lets through.
pub fn view(
    dir: &Directory,
    campaign: &Campaign,
    visible: &dyn Fn(&OrgId) -> bool,
) -> CampaignView {
    let fields = &campaign.campaign;
    CampaignView {
        id: campaign.id,
        region: fields.region.as_str().to_owned(),
        region_name: dir
            .get(&fields.region)
            .map_or_else(|| fields.region.as_str().to_owned(), |r| r.name.clone()),
        year: fields.year,
        title: fields.title.clone(),
        submit_by: fields.submit_by.clone(),
        decide_by: fields.decide_by.clone(),
        remind_days: fields.remind_days,
        owes: fields
            .owes
            .iter()
            .map(|(category, forms)| {
                (
                    category.clone(),
                    forms.iter().map(|f| f.form_id().to_owned()).collect(),
                )
            })
            .collect(),
        schools: fields.schools.iter().filter(|s| visible(&s.school)).count(),
        opened_by: campaign.opened_by.as_str().to_owned(),
        opened_at: campaign.opened_at.clone(),
    }
}

/// The rows of the schools `visible` lets through, by municipality name, school name and form
/// order, judged on `today` (`YYYY-MM-DD`).
pub fn rows(
    dir: &Directory,
    campaign: &Campaign,
    records: &[DocumentRecord],
    submissions: &[SubmissionRecord],
    today: &str,
    visible: &dyn Fn(&OrgId) -> bool,
) -> Vec<ObligationRow> {
    let fields = &campaign.campaign;
    let submission_deadline_passed = today > fields.submit_by.as_str();
    let decision_deadline_passed = today > fields.decide_by.as_str();
    let mut out = Vec::new();
    for member in fields.schools.iter().filter(|s| visible(&s.school)) {
        let Some(forms) = fields.owes.get(&member.category) else {
            continue;
        };
        let municipality = dir.municipality_of(&member.school);
        for form in forms {
            let document = furthest(records, &member.school, *form);
            let rounds: Vec<&SubmissionRecord> = document.map_or_else(Vec::new, |record| {
                submissions
                    .iter()
                    .filter(|s| s.document == record.document.id)
                    .collect()
            });
            let submitted_at = rounds.iter().map(|s| s.submitted_at.clone()).min();
            let approved_rounds: Vec<u32> = document.map_or_else(Vec::new, |record| {
                record
                    .state
                    .submissions()
                    .iter()
                    .filter(|s| s.is_approved())
                    .map(|s| s.id.round)
                    .collect()
            });
            let approved_at = rounds
                .iter()
                .filter(|s| approved_rounds.contains(&s.round))
                .filter_map(|s| s.decided_at.clone())
                .min();
            let on_or_before =
                |at: &Option<String>, day: &str| at.as_deref().is_some_and(|t| day_of(t) <= day);
            let missing = document.is_none();
            let late_submission =
                submission_deadline_passed && !on_or_before(&submitted_at, &fields.submit_by);
            let late_decision = decision_deadline_passed
                && submitted_at.is_some()
                && !on_or_before(&approved_at, &fields.decide_by);
            let status = document.map(|r| r.document.status);
            out.push(ObligationRow {
                school: member.school.as_str().to_owned(),
                school_name: dir
                    .get(&member.school)
                    .map_or_else(|| member.school.as_str().to_owned(), |o| o.name.clone()),
                municipality: municipality
                    .map(|m| m.id.as_str().to_owned())
                    .unwrap_or_default(),
                municipality_name: municipality.map(|m| m.name.clone()).unwrap_or_default(),
                category: member.category.clone(),
                category_ru: category_ru(&member.category),
                form: form.form_id().to_owned(),
                form_ru: form.label_ru().to_owned(),
                document: document.map(|r| r.document.id.as_str().to_owned()),
                status: status.map(|s| s.as_str().to_owned()),
                status_ru: status
                    .map_or_else(|| "нет документа".to_owned(), |s| s.label_ru().to_owned()),
                summary_ru: summary_ru(missing, late_submission, late_decision, status),
                submitted_at,
                approved_at,
                missing,
                late_submission,
                late_decision,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.municipality_name, &a.school_name, form_order(&a.form)).cmp(&(
            &b.municipality_name,
            &b.school_name,
            form_order(&b.form),
        ))
    });
    out
}

/// Counts by municipality, in the rows' order.
pub fn counts(rows: &[ObligationRow]) -> Vec<MunicipalityCounts> {
    let mut out: Vec<MunicipalityCounts> = Vec::new();
    let mut schools: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in rows {
        let at = match out.iter().position(|c| c.municipality == row.municipality) {
            Some(at) => at,
            None => {
                out.push(MunicipalityCounts {
                    municipality: row.municipality.clone(),
                    municipality_name: row.municipality_name.clone(),
                    ..MunicipalityCounts::default()
                });
                out.len() - 1
            }
        };
        let seen = schools.entry(&row.municipality).or_default();
        let counts = &mut out[at];
        if !seen.contains(&row.school.as_str()) {
            seen.push(&row.school);
            counts.schools += 1;
        }
        counts.owed += 1;
        counts.submitted += usize::from(row.submitted_at.is_some());
        counts.approved += usize::from(matches!(
            row.status.as_deref(),
            Some("approved" | "collected")
        ));
        counts.missing += usize::from(row.missing);
        counts.late += usize::from(row.late_submission || row.late_decision);
    }
    out
}

/// `YYYY-MM-DD` of an RFC 3339 timestamp.
fn day_of(timestamp: &str) -> &str {
    timestamp.get(..10).unwrap_or(timestamp)
}

fn form_order(form: &str) -> usize {
    FormKind::ALL
        .iter()
        .position(|f| f.form_id() == form)
        .unwrap_or(FormKind::ALL.len())
}

/// The school's document of `form` furthest along the lifecycle.
fn furthest<'r>(
    records: &'r [DocumentRecord],
    school: &OrgId,
    form: FormKind,
) -> Option<&'r DocumentRecord> {
    let rank = |status: Status| match status {
        Status::Collected => 4,
        Status::Approved => 3,
        Status::Submitted => 2,
        Status::Returned => 1,
        Status::Draft => 0,
    };
    records
        .iter()
        .filter(|r| &r.document.owner_school == school && r.document.form == form)
        .max_by(|a, b| {
            (rank(a.document.status), &a.created_at).cmp(&(rank(b.document.status), &b.created_at))
        })
}

fn summary_ru(
    missing: bool,
    late_submission: bool,
    late_decision: bool,
    status: Option<Status>,
) -> String {
    match (missing, late_submission, late_decision, status) {
        (true, true, _, _) => "нет документа, срок подачи прошёл".to_owned(),
        (true, false, _, _) => "нет документа".to_owned(),
        (_, true, _, _) => "подача просрочена".to_owned(),
        (_, _, true, Some(Status::Submitted)) => "решение муниципалитета просрочено".to_owned(),
        (_, _, true, _) => "не одобрен к сроку решения".to_owned(),
        (_, _, _, Some(Status::Approved | Status::Collected)) => "одобрен в срок".to_owned(),
        (_, _, _, Some(Status::Submitted)) => "подан, ждёт решения".to_owned(),
        (_, _, _, Some(Status::Returned)) => "возвращён на доработку".to_owned(),
        (_, _, _, _) => "в работе".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_document_after_the_deadline_says_both() {
        assert_eq!(
            summary_ru(true, true, false, None),
            "нет документа, срок подачи прошёл"
        );
        assert_eq!(
            summary_ru(false, false, true, Some(Status::Submitted)),
            "решение муниципалитета просрочено"
        );
        assert_eq!(
            summary_ru(false, false, false, Some(Status::Collected)),
            "одобрен в срок"
        );
    }

    #[test]
    fn counts_group_rows_by_municipality_and_count_each_school_once() {
        let row = |school: &str, municipality: &str, missing: bool, late: bool| ObligationRow {
            school: school.into(),
            municipality: municipality.into(),
            missing,
            late_submission: late,
            ..ObligationRow::default()
        };
        let counts = counts(&[
            row("a", "m1", true, true),
            row("a", "m1", false, false),
            row("b", "m2", false, true),
        ]);
        assert_eq!(counts.len(), 2);
        assert_eq!(
            (
                counts[0].schools,
                counts[0].owed,
                counts[0].missing,
                counts[0].late
            ),
            (1, 2, 1, 1)
        );
        assert_eq!(
            (
                counts[1].schools,
                counts[1].owed,
                counts[1].missing,
                counts[1].late
            ),
            (1, 1, 0, 1)
        );
    }
}
