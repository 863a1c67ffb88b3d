//! The OpenAPI document of the REST API, at `/api/openapi.json`, derived from the handlers'
//! annotations so that it cannot drift from the code.

use api_types::{
    AdminOrganisation, AdminUser, AuditCheck, AuditRowView, ChangeView, CommentView,
    CuratedDocument, CuratedSchool, CuratorSchool, DashboardCell, DashboardView, DiffView,
    DocumentDetail, DocumentSummary, ErrorBody, FindingCount, LoginRequest, LoginResponse,
    NewComment, NewOrganisation, NewUser, OrgView, OrganisationRename, OrganisationView, Passage,
    PasswordChange, PasswordReset, RegisterRequest, RegistryRow, ReviewRequest, RoleGrant,
    RoleView, SchoolMove, SessionsClosed, SignatureView, SubmissionView, SubmitRequest,
    SubmitResponse, UserActive, Verdict, WhoAmI,
};
use api_types::{
    CategoryView, IdentificationQuery, IdentificationView, IdentifiedSchoolView,
    SchoolIdentification,
};
use axum::Json;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
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
        OrgView, OrganisationView, SubmitRequest, SubmitResponse, ReviewRequest, Verdict, NewComment, Passage, RegistryRow,
        DashboardView, DashboardCell, FindingCount, AdminUser, PasswordReset, AuditRowView, AuditCheck,
        AdminOrganisation, NewOrganisation, OrganisationRename, SchoolMove, NewUser, RoleGrant,
        CuratorSchool, UserActive, CuratedSchool, CuratedDocument,
        IdentificationQuery, IdentificationView, IdentifiedSchoolView, CategoryView, SchoolIdentification,
    )),
    modifiers(&BearerAuth, &CommonErrors),
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

/// Documents the errors every operation of a kind can answer, so that no handler's
/// annotation has to repeat them (and none can forget one): 401 where a token is needed,
/// 400/413/415/422 where a JSON body is read, 400 where query parameters are, 404 where a
/// path names something. All are [`ErrorBody`]s.
struct CommonErrors;

impl CommonErrors {
    fn error(description: &str) -> RefOr<Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let mut add = Vec::new();
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add.push(("401", "нужно войти: токен не передан, неверен или отозван"));
                }
                if operation.request_body.is_some() {
                    add.push(("400", "тело запроса — не JSON"));
                    add.push(("413", "тело запроса больше 1 МиБ"));
                    add.push(("415", "тело запроса должно быть JSON"));
                    add.push((
                        "422",
                        "в теле запроса не хватает полей или они неверного типа",
                    ));
                }
                let parameters = operation.parameters.iter().flatten();
                for parameter in parameters {
                    match parameter.parameter_in {
                        ParameterIn::Query => add.push(("400", "неверные параметры запроса")),
                        ParameterIn::Path => add.push(("404", "не найдено или нет доступа")),
                        _ => {}
                    }
                }
                for (status, description) in add {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Self::error(description));
                }
            }
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api::campaigns::CampaignsDoc::openapi());
    // The merged paths get the same common errors as ApiDoc's own.
    CommonErrors.modify(&mut doc);
    Json(doc)
}
