//! The campaigns' calls (`/api/campaigns`, `/api/obligations`) and the impact report of a new
//! requirement set (`/api/requirements/impact`).

pub use api_types::{
    CampaignSchoolRequest, CampaignStatus, CampaignView, ImpactDocument, ImpactFinding,
    ImpactRequest, ImpactResponse, MunicipalityCounts, ObligationRow, ObligationsView,
    OpenCampaignRequest, ReminderView, SchoolCampaign,
};

use super::{ApiClient, ApiError, ExportFormat, MAX_ANSWER_BYTES, refusal};

impl ApiClient {
    /// Opens a campaign in the caller's region.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (403 for anyone but a regional coordinator, 422 for
    /// bad dates, categories or schools).
    pub fn open_campaign(&self, request: &OpenCampaignRequest) -> Result<CampaignView, ApiError> {
        self.json(self.post("/api/campaigns", Some(request))?)
    }

    /// The campaigns the caller may see, newest first.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn campaigns(&self) -> Result<Vec<CampaignView>, ApiError> {
        self.json(self.get("/api/campaigns", &[])?)
    }

    /// Where campaign `id` stands, for the schools the caller may see.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (404 for a campaign the caller may not see).
    pub fn campaign_status(&self, id: i64) -> Result<CampaignStatus, ApiError> {
        self.json(self.get(&format!("/api/campaigns/{id}/status"), &[])?)
    }

    /// Campaign `id`'s status as a CSV or XLSX file.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn campaign_export(&self, id: i64, format: ExportFormat) -> Result<Vec<u8>, ApiError> {
        let (url, mut response) = self.get(
            &format!("/api/campaigns/{id}/export"),
            &[("format", format.as_str())],
        )?;
        if !response.status().is_success() {
            return Err(refusal(&url, response));
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| self.transport(&url, e))
    }

    /// The caller's schools' obligations and reminders.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers.
    pub fn obligations(&self) -> Result<ObligationsView, ApiError> {
        self.json(self.get("/api/obligations", &[])?)
    }

    /// One page of the impact report of a new requirement set.
    ///
    /// # Errors
    ///
    /// [`ApiError`] as the server answers (403 for anyone but the region's coordinator, 422
    /// for a set that does not compile).
    pub fn impact(&self, request: &ImpactRequest) -> Result<ImpactResponse, ApiError> {
        self.json(self.post("/api/requirements/impact", Some(request))?)
    }
}
