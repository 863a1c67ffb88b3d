//! Campaigns (`/api/campaigns`, `/api/obligations`) and the impact of a new requirement set
//! (`/api/requirements/impact`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// A school named when opening a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignSchoolRequest {
    /// The school's id.
    pub school: String,
    /// Its category (a key of `owes`); by default `supported` for a supported school and
    /// `mentor` for a mentor school, from the organisations data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// `POST /api/campaigns` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpenCampaignRequest {
    /// The year the documents are for.
    pub year: i32,
    /// The title; by default «Кампания <year> года».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The last day to submit (`YYYY-MM-DD`).
    pub submit_by: String,
    /// The last day for the municipality's decision (`YYYY-MM-DD`, not before `submit_by`).
    pub decide_by: String,
    /// Days before `submit_by` from which a school that has not submitted is reminded
    /// (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_days: Option<u32>,
    /// Which forms each category owes; by default `supported`: programme, agreement and
    /// policy change; `mentor`: policy change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owes: Option<BTreeMap<String, Vec<String>>>,
    /// The schools in it; by default every school of the region in the organisations data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schools: Option<Vec<CampaignSchoolRequest>>,
}

/// A campaign, as listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignView {
    /// Its number.
    pub id: i64,
    /// The region's id.
    pub region: String,
    /// The region's name.
    pub region_name: String,
    /// The year.
    pub year: i32,
    /// The title.
    pub title: String,
    /// The last day to submit.
    pub submit_by: String,
    /// The last day for the municipality's decision.
    pub decide_by: String,
    /// Days of warning before `submit_by`.
    pub remind_days: u32,
    /// Which forms each category owes.
    pub owes: BTreeMap<String, Vec<String>>,
    /// How many schools are in it (that the caller may see).
    pub schools: usize,
    /// Who opened it.
    pub opened_by: String,
    /// When.
    pub opened_at: String,
}

/// One document a school owes in a campaign, and where it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObligationRow {
    /// The school's id.
    pub school: String,
    /// The school's name.
    pub school_name: String,
    /// Its municipality's id.
    pub municipality: String,
    /// Its municipality's name.
    pub municipality_name: String,
    /// Its category in the campaign.
    pub category: String,
    /// The category in Russian.
    pub category_ru: String,
    /// The form owed.
    pub form: String,
    /// The form in Russian.
    pub form_ru: String,
    /// The school's document of that form furthest along, if it has one.
    pub document: Option<String>,
    /// Its status (`draft`, `submitted`, …), if there is a document.
    pub status: Option<String>,
    /// Its status in Russian, or «нет документа».
    pub status_ru: String,
    /// When it was first submitted.
    pub submitted_at: Option<String>,
    /// When it was approved.
    pub approved_at: Option<String>,
    /// No document of that form at all.
    pub missing: bool,
    /// Not submitted by `submit_by`, which has passed.
    pub late_submission: bool,
    /// Submitted but not approved by `decide_by`, which has passed.
    pub late_decision: bool,
    /// The row in a few Russian words: «нет документа», «подача просрочена», «одобрен в срок», …
    pub summary_ru: String,
}

/// A municipality's counts in a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MunicipalityCounts {
    /// Its id.
    pub municipality: String,
    /// Its name.
    pub municipality_name: String,
    /// Schools in the campaign.
    pub schools: usize,
    /// Documents owed.
    pub owed: usize,
    /// Documents submitted at least once.
    pub submitted: usize,
    /// Documents approved (or accepted into the registry).
    pub approved: usize,
    /// Documents missing altogether.
    pub missing: usize,
    /// Documents late (submission or decision).
    pub late: usize,
}

/// `GET /api/campaigns/{id}/status`: what every school the caller may see owes and where it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignStatus {
    /// The campaign.
    pub campaign: CampaignView,
    /// The day the status was judged on (`YYYY-MM-DD`, UTC).
    pub today: String,
    /// One row per school and form owed, by municipality, school and form.
    pub rows: Vec<ObligationRow>,
    /// Counts by municipality.
    pub municipalities: Vec<MunicipalityCounts>,
}

/// `GET /api/campaigns/{id}/export` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignExportQuery {
    /// `csv` (the default) or `xlsx`.
    pub format: Option<String>,
}

/// A reminder the server recorded for a school.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderView {
    /// Its number.
    pub id: i64,
    /// The campaign.
    pub campaign: i64,
    /// The campaign's title.
    pub campaign_title: String,
    /// The school.
    pub school: String,
    /// The form owed.
    pub form: String,
    /// `due-soon` or `late`.
    pub kind: String,
    /// The deadline.
    pub due: String,
    /// When it was recorded.
    pub created_at: String,
    /// What it says, in Russian.
    pub message: String,
}

/// A campaign as one school sees it: what it owes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolCampaign {
    /// The campaign.
    pub campaign: CampaignView,
    /// The school's rows.
    pub rows: Vec<ObligationRow>,
}

/// `GET /api/obligations`: the caller's schools' obligations in every campaign, and their
/// reminders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObligationsView {
    /// Campaigns that concern the caller's schools.
    pub campaigns: Vec<SchoolCampaign>,
    /// Reminders to those schools, newest first.
    pub reminders: Vec<ReminderView>,
}

/// `POST /api/requirements/impact` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImpactRequest {
    /// The region.
    pub region: String,
    /// The form.
    pub form: String,
    /// The new requirement set, as its file would hold it.
    pub requirements: Value,
    /// Continue after this document id (the previous page's `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// How many submissions to judge in this page (default 200, at most 1,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A finding the new set would report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImpactFinding {
    /// The rule's id.
    pub rule: String,
    /// Where.
    pub pointer: String,
    /// The message, in Russian.
    pub message: String,
}

/// A submission that would now fail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImpactDocument {
    /// The document.
    pub document: String,
    /// Its latest submitted round.
    pub round: u32,
    /// The school's id.
    pub school: String,
    /// The school's name.
    pub school_name: String,
    /// Its municipality's name.
    pub municipality_name: String,
    /// When that round was submitted.
    pub submitted_at: String,
    /// The requirement set version it was judged by and keeps.
    pub judged_by: String,
    /// The errors the new set finds.
    pub findings: Vec<ImpactFinding>,
}

/// `POST /api/requirements/impact` answer: one page of the region's submissions of the form,
/// judged against the new set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImpactResponse {
    /// The set's id.
    pub requirements_id: String,
    /// The new set's version.
    pub version: String,
    /// From when the new set would apply.
    pub effective_from: String,
    /// Submissions of the region and form in all.
    pub total: usize,
    /// Submissions judged up to and including this page.
    pub checked: usize,
    /// The document id to continue after, when more remain.
    pub next: Option<String>,
    /// This page's submissions that the new set would fail.
    pub would_fail: Vec<ImpactDocument>,
}
