//! The HTTP face of ikrar: thin handlers over [`crate::service`], server-rendered pages that work
//! without JavaScript, and strict security headers.

pub mod admin;
pub mod assets;
pub mod checker;
pub mod client_bounds;
pub mod client_ip;
pub mod csrf;
pub mod employee;
pub mod error;
pub mod form_flag;
pub mod lang;
pub mod log_api;
pub mod metrics;
pub mod pact_text;
pub mod paging;
pub mod qr;
pub mod receipt;
pub mod request_log;
pub mod screen;
pub mod transport;
pub mod upload;

use crate::service::App;
use crate::service::DbError;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{get, web, HttpResponse, HttpServer};
use std::net::TcpListener;

/// Content-Security-Policy: nothing inline, nothing from elsewhere.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A server bound to a port, ready to run.
pub struct Running {
    pub port: u16,
    pub server: Server,
}

/// Builds the web server on an already bound listener (port 0 in tests).
pub fn build(app: App, listener: TcpListener) -> Result<Running, BuildError> {
    let key = app.shared_secret("csrf-hmac-key")?;
    let https = app.config.public_url.starts_with("https://");
    let csrf_key = web::Data::new(csrf::CsrfKey::new(key, https));
    let port = listener.local_addr()?.port();
    tokio::spawn(crate::service::cosigning::run(app.clone()));
    let trusted = app.config.trusted_proxies.clone();
    let connections = client_bounds::ConnectionCounts::new(app.config.connections_per_client);
    let app = web::Data::new(app);
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(app.clone())
            .app_data(csrf_key.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(16 * 1024)
                    .error_handler(error::unreadable_form),
            )
            .app_data(web::QueryConfig::default().error_handler(error::unreadable_query))
            .app_data(web::PathConfig::default().error_handler(error::unreadable_path))
            .wrap(from_fn(client_bounds::bound))
            .wrap(from_fn(csrf::ensure_cookie))
            .wrap(security_headers(https))
            .wrap(Compress::default())
            .wrap(from_fn(request_log::log_request))
            .wrap(from_fn(transport::head_as_get))
            .service(lang::switch)
            .service(employee::home)
            .service(employee::help)
            .service(employee::activation_form)
            .service(employee::activate)
            .service(employee::show_pact)
            .service(employee::sign)
            .service(screen::show)
            .service(screen::numbers)
            .service(receipt::show_receipt)
            .service(receipt::download_full)
            .service(receipt::redownload)
            .configure(admin::routes)
            .service(log_api::key)
            .service(log_api::checkpoint)
            .service(log_api::entries)
            .service(log_api::inclusion)
            .service(log_api::consistency)
            .service(checker::page)
            .service(checker::download)
            .service(assets::file)
            .service(assets::favicon)
            .service(healthz)
            .service(robots)
            .default_service(web::to(not_found))
    })
    .on_connect(move |connection, data| connections.on_connect(connection, data, &trusted))
    .listen(listener)?
    .run();
    Ok(Running { port, server })
}

/// Why the server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("tidak dapat membuka port: {0}")]
    Io(#[from] std::io::Error),
}

/// Headers on every response; `https` adds HSTS (two years, subdomains too).
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        DefaultHeaders::new().add((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// `GET /robots.txt`: the pacts and the checker may be found; the console, receipts, the
/// ceremony screen and the log's API are not for search engines (receipt pages carry names).
#[get("/robots.txt")]
async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=86400",
        ))
        .body(ROBOTS)
}

const ROBOTS: &str = "User-agent: *\nDisallow: /admin/\nDisallow: /bukti/\nDisallow: /layar/\nDisallow: /log/\nAllow: /\n";

/// `GET /healthz`: `200 ok` when the database answers.
#[get("/healthz")]
async fn healthz(app: web::Data<App>) -> HttpResponse {
    let answered = crate::service::log::size(&app).await.is_ok();
    if answered {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable")
    }
}

async fn not_found() -> Result<HttpResponse, error::AppError> {
    Err(error::AppError::NotFound)
}
