//! The OpenAPI document of the REST API, at `/api/openapi.json`, derived from the handlers'
//! annotations so that it cannot drift from the code.

use api_types::{
    AdminOrganisation, AdminUser, AuditCheck, AuditRowView, ChangeView, CommentView,
    CuratedDocument, CuratedSchool, CuratorSchool, DashboardCell, DashboardView, DiffView,
    DocumentDetail, DocumentSummary, ErrorBody, FindingCount, LoginRequest, LoginResponse,
    NewComment, NewOrganisation, NewUser, OrgView, OrganisationRename, OrganisationView,
    PasswordChange, PasswordReset, RegisterRequest, RegistryRow, ReviewRequest, RoleGrant,
    RoleView, SchoolMove, SessionsClosed, SignatureView, SubmissionView, SubmitRequest,
    SubmitResponse, UserActive, Verdict, WhoAmI,
};
use api_types::{
    CategoryView, IdentificationQuery, IdentificationView, IdentifiedSchoolView,
    SchoolIdentification,
};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{
    admin, admin_edits, auth, curator, dashboard, documents, identification, lifecycle,
    organisations, registry, report,
};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Ravenstvo API", description = "Документы школ: регистрация, подача, подписание, рассмотрение, реестр региона. Ошибки: {error, message, details}, сообщения на русском."),
    paths(
        auth::login, auth::logout, auth::logout_others, auth::change_password, auth::whoami,
        documents::list, documents::register, documents::show, documents::diff,
        lifecycle::submit, lifecycle::sign, lifecycle::review, lifecycle::collect,
        registry::list, registry::export, organisations::list, dashboard::show,
        report::show, admin::users, admin::reset_password, admin::close_sessions, admin::audit, admin::verify,
        admin_edits::organisations, admin_edits::add_organisation, admin_edits::rename_organisation,
        admin_edits::move_school, admin_edits::add_user, admin_edits::set_active, admin_edits::grant,
        admin_edits::withdraw, admin_edits::assign, admin_edits::unassign, curator::schools,
        identification::upload, identification::list, identification::show, identification::confirm,
        identification::of_school,
    ),
    components(schemas(
        ErrorBody, LoginRequest, LoginResponse, PasswordChange, SessionsClosed, WhoAmI, RoleView, RegisterRequest, DiffView,
        ChangeView, DocumentSummary, DocumentDetail, SubmissionView, SignatureView, CommentView,
        OrgView, OrganisationView, SubmitRequest, SubmitResponse, ReviewRequest, Verdict, NewComment, RegistryRow,
        DashboardView, DashboardCell, FindingCount, AdminUser, PasswordReset, AuditRowView, AuditCheck,
        AdminOrganisation, NewOrganisation, OrganisationRename, SchoolMove, NewUser, RoleGrant,
        CuratorSchool, UserActive, CuratedSchool, CuratedDocument,
        IdentificationQuery, IdentificationView, IdentifiedSchoolView, CategoryView, SchoolIdentification,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme the paths refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api::campaigns::CampaignsDoc::openapi());
    Json(doc)
}
