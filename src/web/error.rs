//! Errors a handler can end in, each mapped to a clear page in Bahasa Indonesia.

use crate::db::DbError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// A request that cannot be answered with the page it asked for.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Halaman tidak ditemukan.")]
    NotFound,
    #[error("Formulir ini sudah kedaluwarsa atau tidak berasal dari situs ini. Muat ulang halaman lalu coba lagi.")]
    Csrf,
    #[error("Server sedang sibuk; coba lagi sebentar lagi.")]
    Unavailable,
    #[error("Data ini memuat data pribadi dan hanya untuk auditor dan admin.")]
    Unauthorized,
    #[error("Silakan masuk terlebih dahulu.")]
    SignInRequired,
    #[error("Anda tidak berhak membuka halaman ini.")]
    Forbidden,
    #[error("Terjadi kesalahan pada basis data; coba lagi sebentar lagi.")]
    Db(#[from] DbError),
}

#[derive(Template)]
#[template(path = "galat.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::SignInRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Db(e) = self {
            tracing::error!(error = %e, "database error");
        }
        let heading = match self {
            AppError::NotFound => "Tidak ditemukan",
            AppError::Csrf => "Formulir kedaluwarsa",
            AppError::Unauthorized | AppError::SignInRequired => "Perlu masuk",
            AppError::Forbidden => "Tidak berhak",
            AppError::Unavailable | AppError::Db(_) => "Layanan terganggu",
        };
        let message = self.to_string();
        let mut response = html(
            self.status_code(),
            &ErrorPage {
                heading,
                message: &message,
            },
        );
        if let AppError::SignInRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/masuk"))
                .finish();
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
