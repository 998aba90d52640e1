//! The audit trail (superadmin and auditors): filtered on a page, whole as CSV.

use super::dashboard::Nav;
use super::{stream_download, Admin, MayReadLog};
use crate::domain::display::local_time_in;
use crate::service::audit::{self, AuditEvent, AuditFilter};
use crate::service::App;
use crate::web::csrf::Csrf;
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// `aksi=`, `aktor=`, `format=csv`.
#[derive(Deserialize)]
pub struct AuditQuery {
    aksi: Option<String>,
    aktor: Option<String>,
    format: Option<String>,
}

struct EventRow {
    at: String,
    event: AuditEvent,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    events: Vec<EventRow>,
    action: String,
    actor: String,
}

/// Most events the page shows (the CSV has them all).
const AUDIT_PAGE: i64 = 500;

/// `GET /admin/audit`: the audit trail, filtered; `format=csv` downloads it whole.
#[get("/admin/audit")]
pub async fn show_audit(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = AuditFilter::new(query.aksi.as_deref(), query.aktor.as_deref());
    if query.format.as_deref() == Some("csv") {
        let app = app.get_ref().clone();
        return Ok(stream_download(
            "text/csv; charset=utf-8",
            "audit-ikrar.csv",
            move |out| audit::write_csv(&app, &filter, out),
        ));
    }
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let (action, who) = (filter.action.clone(), filter.actor.clone());
    let events = audit::recent(&app, filter, AUDIT_PAGE)
        .await?
        .into_iter()
        .map(|event| EventRow {
            at: local_time_in(event.at, tz, lang),
            event,
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &AuditPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            events,
            action: action.unwrap_or_default(),
            actor: who.unwrap_or_default(),
        },
    ))
}
