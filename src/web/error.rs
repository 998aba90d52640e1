//! Errors a handler can end in, each mapped to a clear page in Bahasa Indonesia and English.

use super::lang::Tr;
use crate::i18n::{Lang, Words};
use crate::service::DbError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// A request that cannot be answered with the page it asked for.
#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// A form or a query that cannot be read (what the library said goes to the log).
    BadRequest,
    /// A form larger than any of ikrar's.
    TooLarge,
    Csrf,
    Unavailable,
    Unauthorized,
    SignInRequired,
    Forbidden,
    /// The request's body did not arrive within its deadline.
    TooSlow,
    /// The client's address holds too many connections.
    TooManyConnections,
    Db(DbError),
}

impl AppError {
    /// The catalog keys of the page's heading and message.
    fn keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("error.not_found_title", "error.not_found"),
            AppError::BadRequest => ("error.bad_request_title", "error.bad_request"),
            AppError::TooLarge => ("error.bad_request_title", "error.too_large"),
            AppError::Csrf => ("error.csrf_title", "error.csrf"),
            AppError::Unavailable => ("error.busy_title", "error.busy"),
            AppError::Unauthorized => ("error.unauthorized_title", "error.unauthorized"),
            AppError::SignInRequired => ("error.unauthorized_title", "error.sign_in_required"),
            AppError::Forbidden => ("error.forbidden_title", "error.forbidden"),
            AppError::TooSlow => ("error.too_slow_title", "error.too_slow"),
            AppError::TooManyConnections => ("error.busy_title", "error.too_many_connections"),
            AppError::Db(e) if e.is_unavailable() => ("error.busy_title", "error.database_away"),
            AppError::Db(_) => ("error.busy_title", "error.database"),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Lang::Id.text(self.keys().1))
    }
}

impl std::error::Error for AppError {}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::Db(e)
    }
}

/// An error page. The error is raised before the request's language is known, so the page says
/// it in Bahasa Indonesia and then in English.
#[derive(Template)]
#[template(path = "galat.html")]
struct ErrorPage {
    t: Tr,
    heading: &'static str,
    message: &'static str,
    heading_en: &'static str,
    message_en: &'static str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::SignInRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Db(e) = self {
            tracing::error!(error = %e, "database error");
        }
        if let AppError::SignInRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/masuk"))
                .finish();
        }
        let (heading, message) = self.keys();
        let mut response = html(
            self.status_code(),
            &ErrorPage {
                t: Tr::new(Lang::Id),
                heading: Lang::Id.text(heading),
                message: Lang::Id.text(message),
                heading_en: Lang::En.text(heading),
                message_en: Lang::En.text(message),
            },
        );
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        if let AppError::Unauthorized = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"ikrar-log\""),
            );
        }
        response
    }
}

/// A form that cannot be read: a page in the catalog's words; the library's own words go to
/// the log.
pub fn unreadable_form(
    e: actix_web::error::UrlencodedError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    tracing::info!(error = %e, "form not read");
    match e {
        actix_web::error::UrlencodedError::Overflow { .. } => AppError::TooLarge.into(),
        _ => AppError::BadRequest.into(),
    }
}

/// A query string that cannot be read (see [`unreadable_form`]).
pub fn unreadable_query(
    e: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    tracing::info!(error = %e, "query not read");
    AppError::BadRequest.into()
}

/// A path whose parts are not what the route takes (`/admin/reset/abc/setujui`): no such page.
pub fn unreadable_path(
    e: actix_web::error::PathError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    tracing::info!(error = %e, "path not read");
    AppError::NotFound.into()
}

/// Renders a page with a status; a template that fails to render becomes a plain 500.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Terjadi kesalahan.")
        }
    }
}
