//! The admin console under `/admin/`: sign-in, the dashboard, reports and downloads, accounts,
//! API tokens, the audit trail and activation-code resets. Every page needs a session; each
//! handler checks the role it needs.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod confirm;
pub mod dashboard;
pub mod downloads;
pub mod employees;
pub mod health;
pub mod nav;
pub mod pacts;
pub mod roster;
pub mod screens;
pub mod tokens;

use super::client_ip::client_ip;
use super::error::AppError;
use super::lang::Tr;
use crate::domain::audit::Actor;
use crate::domain::role::Role;
use crate::service::sessions::{session, SignedIn};
use crate::service::App;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use std::io::Write;
use std::marker::PhantomData;

/// Registers the admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(auth::show_form)
        .service(auth::sign_in)
        .service(auth::sign_out)
        .service(auth::show_enrolment)
        .service(auth::enrol)
        .service(dashboard::show_home)
        .service(dashboard::show_pact)
        .service(dashboard::numbers)
        .service(dashboard::show_unit)
        .service(downloads::report)
        .service(downloads::bundle)
        .service(employees::reset_code)
        .service(employees::show_requests)
        .service(employees::decide)
        .service(accounts::show_accounts)
        .service(accounts::create_account)
        .service(accounts::change_account)
        .service(tokens::show_tokens)
        .service(tokens::create_token)
        .service(tokens::revoke_token)
        .service(audit::show_audit)
        .service(roster::show_upload)
        .service(roster::upload)
        .service(roster::confirm)
        .service(roster::unit_codes)
        .service(pacts::show_form)
        .service(pacts::publish)
        .service(screens::create)
        .service(health::show)
        .service(health::figures);
}

/// What a page asks of the signed-in admin's role. Every admin handler names one in its
/// [`Admin`] argument, so a page cannot forget its role check: the extractor refuses (403)
/// before the handler runs, and before any request body is read.
pub trait Requirement {
    /// Whether `role` meets the requirement.
    fn allows(role: Role) -> bool;
}

/// Any signed-in admin (pages each role sees, filtered to its units).
pub struct AnyRole;
/// BKPSDM's superadmin only.
pub struct Superadmin;
/// Roles that change data: superadmin and unit-admin (within their units).
pub struct MayChange;
/// Roles that read the whole log: superadmin and auditor.
pub struct MayReadLog;

impl Requirement for AnyRole {
    fn allows(_: Role) -> bool {
        true
    }
}

impl Requirement for Superadmin {
    fn allows(role: Role) -> bool {
        role.is_superadmin()
    }
}

impl Requirement for MayChange {
    fn allows(role: Role) -> bool {
        role.may_change()
    }
}

impl Requirement for MayReadLog {
    fn allows(role: Role) -> bool {
        role.may_read_log()
    }
}

/// A request from a signed-in admin whose role meets `R`: who they are, who is acting for the
/// audit trail (name, address, browser) and the words of the request's language.
pub struct Admin<R: Requirement> {
    pub signed_in: SignedIn,
    pub actor: Actor,
    pub t: Tr,
    requirement: PhantomData<R>,
}

impl<R: Requirement> FromRequest for Admin<R> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let name = super::csrf::CookieNames::of(req).session;
        let cookie = req.cookie(name).map(|c| c.value().to_owned());
        let app = req.app_data::<web::Data<App>>().cloned();
        let t = Tr::of(req);
        let req = req.clone();
        Box::pin(async move {
            let (Some(cookie), Some(app)) = (cookie, app) else {
                return Err(AppError::SignInRequired);
            };
            let signed_in = session(&app, &cookie)
                .await?
                .ok_or(AppError::SignInRequired)?;
            if !R::allows(signed_in.role) {
                return Err(AppError::Forbidden);
            }
            Ok(Admin {
                actor: actor(&req, &signed_in.username),
                signed_in,
                t,
                requirement: PhantomData,
            })
        })
    }
}

impl<R: Requirement> Admin<R> {
    /// Refuses unless `allowed` holds for this admin (checks beyond the role: a unit, an id).
    pub fn require(&self, allowed: bool) -> Result<(), AppError> {
        allowed.then_some(()).ok_or(AppError::Forbidden)
    }
}

/// Who is acting, for the audit trail: the name, the client's address (behind trusted proxies,
/// `web::client_ip`) and the browser, each cut to a sane length (a name may be whatever someone
/// typed into the sign-in form).
pub fn actor(req: &HttpRequest, name: &str) -> Actor {
    let trusted = req
        .app_data::<web::Data<App>>()
        .map_or(&[][..], |app| app.config.trusted_proxies.as_slice());
    let forwarded_for: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    Actor {
        name: name.chars().take(64).collect(),
        ip: req.peer_addr().map_or_else(
            || "-".into(),
            |a| client_ip(a.ip(), &forwarded_for, trusted).to_string(),
        ),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .chars()
            .take(300)
            .collect(),
    }
}

/// A download produced by blocking code (the database, a CSV or XLSX writer), streamed to the
/// client as it is written instead of being held in memory.
pub fn stream_download<F>(content_type: &str, file_name: &str, produce: F) -> HttpResponse
where
    F: FnOnce(&mut ChannelWriter) -> Result<(), String> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        };
        let result = produce(&mut writer).and_then(|()| writer.flush().map_err(|e| e.to_string()));
        if let Err(message) = result {
            tracing::error!(%message, "download failed");
            let _ = writer.tx.blocking_send(Err(std::io::Error::other(message)));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(body)
}

const CHUNK: usize = 64 * 1024;

/// A `Write` that hands full chunks to the response stream.
pub struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "unduhan dibatalkan"))
    }
}
