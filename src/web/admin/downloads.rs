//! Downloads: reports (`/admin/pakta/{id}/laporan`) and, for auditors, the whole log as a
//! bundle (`/admin/bundle`), streamed as they are written.

use super::{stream_download, Admin, AnyRole, MayReadLog};
use crate::service::reports::{self, FileFormat, ReportKind, ReportRequest};
use crate::service::{export, App};
use crate::web::error::AppError;
use actix_web::{get, web, HttpResponse};
use ikrar_log::values::{now_seconds, PactId};
use serde::Deserialize;

/// `per=unit|pegawai`, `format=csv|xlsx`.
#[derive(Deserialize)]
pub struct ReportQuery {
    per: Option<String>,
    #[serde(default)]
    format: FileFormat,
}

/// `GET /admin/pakta/{id}/laporan`: the rekap or the daftar, limited to a unit-admin's units.
#[get("/admin/pakta/{id}/laporan")]
pub async fn report(
    app: web::Data<App>,
    admin: Admin<AnyRole>,
    id: web::Path<PactId>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = match query.per.as_deref() {
        Some("pegawai") => ReportKind::ByEmployee,
        _ => ReportKind::ByUnit,
    };
    let format = query.format;
    let pact_id = id.into_inner();
    if app.pact(&pact_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let request = ReportRequest {
        pact_id,
        kind,
        format,
        units: admin.signed_in.scope(),
        tz: app.config.tz,
        now: now_seconds(),
    };
    let file_name = request.file_name();
    let who = admin.actor.clone();
    let content_type = format.content_type();
    let app = app.get_ref().clone();
    Ok(stream_download(
        content_type,
        &file_name.clone(),
        move |out| reports::write(&app, &request, &who, &file_name, out).map_err(|e| e.to_string()),
    ))
}

/// `GET /admin/bundle`: the export bundle, for auditors and the superadmin.
#[get("/admin/bundle")]
pub async fn bundle(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
) -> Result<HttpResponse, AppError> {
    let who = admin.actor.clone();
    let date = now_seconds()
        .with_timezone(&app.config.tz)
        .format("%Y-%m-%d");
    let file_name = format!("ikrar-bundle-{date}.jsonl");
    let app = app.get_ref().clone();
    Ok(stream_download(
        "application/jsonl",
        &file_name.clone(),
        move |out| {
            export::write_bundle(&app, &who, &file_name, out, &mut |_| {})
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    ))
}
