//! The dashboard: progress per pact, per instansi and unit kerja, and each unit's employees.

use super::nav::Nav;
use super::{Admin, AnyRole};
use crate::domain::display::{local_time_in, short_time_in};
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use crate::service::dashboard::{
    self, EmployeeFilter, EmployeeStatus, Order, PactDashboard, PactProgress, Progress, StoredPact,
};
use crate::service::App;
use crate::web::csrf::Csrf;
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use crate::web::paging::PageNumber;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use ikrar_log::nip::{mask, NipKind};
use ikrar_log::values::{PactId, UnitCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Employees per page on a unit's list.
const PAGE: i64 = 50;

struct PactRow {
    id: PactId,
    title: String,
    total: Progress,
    /// The units with the lowest share: where to push.
    lowest: Vec<Progress>,
}

/// Units the home page names per pact.
const LOWEST_UNITS: usize = 3;

#[derive(Template)]
#[template(path = "admin_beranda.html")]
struct HomePage {
    t: Tr,
    nav: Nav,
    pacts: Vec<PactRow>,
    witnesses: Vec<WitnessRow>,
}

/// A witness as the home page shows it.
struct WitnessRow {
    name: String,
    size: u64,
    /// Local time of its newest cosignature, if any.
    cosigned_at: Option<String>,
    error: Option<String>,
}

/// `GET /admin`: every pact with its overall progress.
#[get("/admin")]
pub async fn show_home(
    app: web::Data<App>,
    admin: Admin<AnyRole>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    let limit = admin.signed_in.scope();
    let mut rows = Vec::new();
    for p in dashboard::pacts(&app, limit.clone()).await? {
        let lowest = dashboard::pact(&app, p.id.clone(), None, limit.clone(), Order::Percent)
            .await?
            .map(|d| d.progress.units)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| u.pending() > 0)
            .take(LOWEST_UNITS)
            .collect();
        rows.push(PactRow {
            id: p.id,
            title: p.title,
            total: p.total,
            lowest,
        });
    }
    let witnesses = crate::service::cosigning::status(&app)
        .await?
        .into_iter()
        .map(|w| WitnessRow {
            name: w.name,
            size: w.size.get(),
            cosigned_at: w
                .cosigned_at
                .map(|t| crate::domain::display::local_time_in(t, app.config.tz, admin.t.lang())),
            error: w.error.map(|e| e.text(admin.t.lang())),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &HomePage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            pacts: rows,
            witnesses,
        },
    ))
}

/// The dashboard's filters: `urut=persen|nama`, `jenis=PNS|PPPK`.
#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    urut: Option<String>,
    jenis: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_pakta.html")]
struct PactPage {
    t: Tr,
    nav: Nav,
    pact: StoredPact,
    progress: PactProgress,
    /// This page's query, for the numbers to be fetched with the same filters.
    query: String,
    by_name: bool,
    kind: String,
    updated: String,
    /// Signatures made with a key that replaced an earlier one: (unit, NIP, log index).
    replaced: Vec<(String, String, i64)>,
}

impl DashboardQuery {
    fn order(&self) -> Order {
        match self.urut.as_deref() {
            Some("nama") => Order::Name,
            _ => Order::Percent,
        }
    }

    fn kind(&self) -> Option<NipKind> {
        self.jenis.as_deref().and_then(NipKind::from_label)
    }

    /// The query string again (only the known filters).
    fn to_query(&self) -> String {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        if let Some(kind) = self.kind() {
            pairs.append_pair("jenis", kind.label());
        }
        if self.order() == Order::Name {
            pairs.append_pair("urut", "nama");
        }
        pairs.finish()
    }
}

/// The dashboard of pact `id` as the signed-in admin may see it.
async fn visible_dashboard(
    app: &App,
    admin: &Admin<AnyRole>,
    id: PactId,
    query: &DashboardQuery,
) -> Result<PactDashboard, AppError> {
    let limit = admin.signed_in.scope();
    dashboard::pact(app, id, query.kind(), limit, query.order())
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /admin/pakta/{id}`: progress per instansi and unit; each unit's row carries its bar.
#[get("/admin/pakta/{id}")]
pub async fn show_pact(
    app: web::Data<App>,
    admin: Admin<AnyRole>,
    csrf: Csrf,
    id: web::Path<PactId>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let order = query.order();
    let kind = query.kind();
    let PactDashboard {
        pact,
        progress,
        replaced,
    } = visible_dashboard(&app, &admin, id.into_inner(), &query).await?;
    Ok(html(
        StatusCode::OK,
        &PactPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            query: query.to_query(),
            pact,
            progress,
            by_name: order == Order::Name,
            replaced,
            kind: kind.map_or_else(String::new, |k| k.label().to_owned()),
            updated: local_time_in(
                chrono::Utc::now().naive_utc(),
                app.config.tz,
                admin.t.lang(),
            ),
        },
    ))
}

/// One row's numbers as the page shows them.
#[derive(Serialize)]
struct Numbers {
    roster: i64,
    signed: i64,
    pending: i64,
    percent: String,
    permille: i64,
}

impl Numbers {
    fn new(p: &Progress, lang: Lang) -> Numbers {
        Numbers {
            roster: p.roster,
            signed: p.signed,
            pending: p.pending(),
            percent: p.percent_text(lang),
            permille: p.permille(),
        }
    }
}

/// What the dashboard's script puts in place every 30 seconds.
#[derive(Serialize)]
struct LiveNumbers {
    total: Numbers,
    instansi: BTreeMap<String, Numbers>,
    units: BTreeMap<String, Numbers>,
    updated: String,
}

/// `GET /admin/pakta/{id}/angka`: the dashboard's numbers as JSON (same filters as the page),
/// so that the page updates in place instead of reloading.
#[get("/admin/pakta/{id}/angka")]
pub async fn numbers(
    app: web::Data<App>,
    admin: Admin<AnyRole>,
    id: web::Path<PactId>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let PactDashboard { progress, .. } =
        visible_dashboard(&app, &admin, id.into_inner(), &query).await?;
    let lang = admin.t.lang();
    let live = LiveNumbers {
        total: Numbers::new(&progress.total, lang),
        instansi: progress
            .instansi
            .iter()
            .map(|p| (p.name.clone(), Numbers::new(p, lang)))
            .collect(),
        units: progress
            .units
            .iter()
            .map(|p| (p.code.clone(), Numbers::new(p, lang)))
            .collect(),
        updated: local_time_in(chrono::Utc::now().naive_utc(), app.config.tz, lang),
    };
    Ok(HttpResponse::Ok().json(live))
}

/// A unit list's search and page: `q=`, `hal=`.
#[derive(Deserialize, Default)]
pub struct UnitQuery {
    q: Option<String>,
    #[serde(default)]
    hal: PageNumber,
}

struct EmployeeRow {
    nip: String,
    masked_nip: String,
    name: String,
    kind: &'static str,
    jabatan: String,
    activated: bool,
    signed: Option<String>,
}

impl EmployeeRow {
    fn new(status: EmployeeStatus, tz: chrono_tz::Tz, lang: Lang) -> EmployeeRow {
        let e = status.employee;
        EmployeeRow {
            masked_nip: mask(&e.nip),
            nip: e.nip,
            name: e.name,
            kind: e.kind.label(),
            jabatan: e.jabatan,
            activated: e.activated,
            signed: status.signed_at.map(|t| short_time_in(t, tz, lang)),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct UnitPage {
    t: Tr,
    nav: Nav,
    pact_id: PactId,
    unit_code: UnitCode,
    /// The unit's name and counts on this pact.
    unit: Option<Progress>,
    /// "12 signed, 3 not yet (80,0 %)".
    counts: Option<String>,
    /// This page's path, for the forms to come back to.
    here: String,
    employees: Vec<EmployeeRow>,
    search: String,
    page: i64,
    has_next: bool,
    may_reset: bool,
}

/// `GET /admin/pakta/{id}/unit/{code}`: the unit's employees with their status.
#[get("/admin/pakta/{id}/unit/{code}")]
pub async fn show_unit(
    app: web::Data<App>,
    admin: Admin<AnyRole>,
    csrf: Csrf,
    path: web::Path<(PactId, UnitCode)>,
    query: web::Query<UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let (pact_id, unit_code) = path.into_inner();
    admin.require(admin.signed_in.scope().allows(&unit_code))?;
    let only_this = UnitScope::Only(vec![unit_code.clone()]);
    let page = query.hal;
    let search = query.q.clone().unwrap_or_default();
    let filter = EmployeeFilter {
        units: only_this.clone(),
        search: Some(search.clone()),
    };
    let mut rows = dashboard::employees(&app, pact_id.clone(), filter, page.offset(PAGE), PAGE + 1)
        .await?
        .ok_or(AppError::NotFound)?;
    let has_next = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let unit = dashboard::pact(&app, pact_id.clone(), None, only_this, Order::Name)
        .await?
        .and_then(|d| d.progress.units.into_iter().next());
    let tz = app.config.tz;
    Ok(html(
        StatusCode::OK,
        &UnitPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            here: format!("/admin/pakta/{pact_id}/unit/{unit_code}"),
            counts: unit.as_ref().map(|u| {
                admin.t.lang().fill(
                    "admin.unit_counts",
                    &[
                        ("signed", &u.signed.to_string()),
                        ("pending", &u.pending().to_string()),
                        ("percent", &u.percent_text(admin.t.lang())),
                    ],
                )
            }),
            pact_id,
            unit_code,
            unit,
            employees: rows
                .into_iter()
                .map(|e| EmployeeRow::new(e, tz, admin.t.lang()))
                .collect(),
            search,
            page: page.get(),
            has_next,
            may_reset: admin.signed_in.role.may_change(),
        },
    ))
}
