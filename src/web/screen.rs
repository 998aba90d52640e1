//! `GET /layar/{id}`: the ceremony screen for a projector in the hall — the pact's title, how
//! many have signed of how many, progress per instansi or per unit, and the pact's link as a
//! large QR code. No names and no NIPs. For a signed-in superadmin or unit-admin (a unit-admin
//! sees their units), or for whoever holds a screen link a superadmin made (`?tautan=…`, until
//! it is revoked). The numbers refresh in place every few seconds (`layar.js`, from
//! `GET /layar/{id}/angka`); without JavaScript the page reloads itself.

use super::admin::{Admin, MayChange};
use super::error::{html, AppError};
use super::lang::Tr;
use crate::domain::display::{count_in, local_time_in};
use crate::domain::screen_grouping::Grouping;
use crate::domain::unit_scope::UnitScope;
use crate::i18n::{Lang, Words};
use crate::service::dashboard::{self, Order, PactDashboard, Progress};
use crate::service::{tokens, App};
use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpResponse};
use askama::Template;
use ikrar_log::values::PactId;
use serde::{Deserialize, Serialize};

/// Seconds between refreshes: with JavaScript, and the page's own reload without it.
pub const REFRESH_SECONDS: u32 = 5;
/// The reload without JavaScript: a little slower, since it redraws the whole page.
pub const RELOAD_SECONDS: u32 = 15;

/// `per=instansi|unit` (an admin's choice; a screen link keeps its own), `tautan=` a screen
/// link, `lang=id|en` the screen's language (else the browser's or the site's choice: the
/// projector's browser may not be set to the hall's language).
#[derive(Deserialize)]
pub struct ScreenQuery {
    per: Option<Grouping>,
    tautan: Option<String>,
    lang: Option<String>,
}

impl ScreenQuery {
    /// The words of the screen: `lang=` if it names a language, else the request's.
    fn words(&self, t: Tr) -> Tr {
        match self.lang.as_deref().and_then(Lang::from_code) {
            Some(lang) => Tr::new(lang),
            None => t,
        }
    }
}

/// What the screen shows and to whom.
struct Viewing {
    scope: UnitScope,
    grouping: Grouping,
}

/// Who may look: a screen link for this pact, or else a signed-in superadmin or unit-admin. A
/// link that is wrong, revoked or for another pact is "not found", whoever is signed in.
async fn viewing(
    app: &App,
    pact: &PactId,
    query: &ScreenQuery,
    admin: Result<Admin<MayChange>, AppError>,
) -> Result<Viewing, AppError> {
    if let Some(token) = &query.tautan {
        let link = tokens::screen_link(app, token)
            .await?
            .filter(|link| link.pact == *pact)
            .ok_or(AppError::NotFound)?;
        return Ok(Viewing {
            scope: UnitScope::All,
            grouping: link.grouping,
        });
    }
    let admin = admin?;
    Ok(Viewing {
        scope: admin.signed_in.scope(),
        grouping: query.per.unwrap_or_default(),
    })
}

/// One bar of the screen.
#[derive(Serialize)]
struct Row {
    name: String,
    signed: String,
    roster: String,
    percent: String,
    permille: i64,
}

impl Row {
    fn new(progress: &Progress, lang: Lang) -> Row {
        Row {
            name: progress.name.clone(),
            signed: count_in(progress.signed, lang),
            roster: count_in(progress.roster, lang),
            percent: progress.percent_text(lang),
            permille: progress.permille(),
        }
    }
}

/// The numbers the page shows and its script puts in place.
#[derive(Serialize)]
struct Numbers {
    /// "3.412 dari 8.100 ASN telah menandatangani".
    headline: String,
    percent: String,
    permille: i64,
    rows: Vec<Row>,
    updated: String,
}

impl Numbers {
    fn new(app: &App, dashboard: &PactDashboard, grouping: Grouping, lang: Lang) -> Numbers {
        let progress = &dashboard.progress;
        let total = &progress.total;
        let groups = match grouping {
            Grouping::Instansi => &progress.instansi,
            Grouping::Unit => &progress.units,
        };
        Numbers {
            headline: lang.fill(
                "screen.headline",
                &[
                    ("signed", &count_in(total.signed, lang)),
                    ("roster", &count_in(total.roster, lang)),
                ],
            ),
            percent: total.percent_text(lang),
            permille: total.permille(),
            rows: groups.iter().map(|p| Row::new(p, lang)).collect(),
            updated: local_time_in(chrono::Utc::now().naive_utc(), app.config.tz, lang),
        }
    }
}

#[derive(Template)]
#[template(path = "layar.html")]
struct ScreenPage {
    t: Tr,
    title: String,
    numbers: Numbers,
    grouping: Grouping,
    /// The pact's address (in the QR code), without `http://` or `https://`, for people to type.
    short_url: String,
    qr: String,
    /// Where the script fetches the numbers (with the screen link, if one opened the page).
    numbers_path: String,
    reload_seconds: u32,
    refresh_seconds: u32,
}

/// What one request for the screen sees: its words, the pact, who looks and what they see.
struct Look {
    t: Tr,
    pact: PactId,
    viewing: Viewing,
    dashboard: PactDashboard,
}

/// The screen's data for a request, or why it is refused.
async fn look(
    app: &App,
    t: Tr,
    pact: PactId,
    query: &ScreenQuery,
    admin: Result<Admin<MayChange>, AppError>,
) -> Result<Look, AppError> {
    let viewing = viewing(app, &pact, query, admin).await?;
    let dashboard = dashboard::pact(app, pact.clone(), None, viewing.scope.clone(), Order::Name)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Look {
        t: query.words(t),
        pact,
        viewing,
        dashboard,
    })
}

/// `GET /layar/{id}`: the ceremony screen.
#[get("/layar/{id}")]
pub async fn show(
    app: web::Data<App>,
    t: Tr,
    id: web::Path<PactId>,
    query: web::Query<ScreenQuery>,
    admin: Result<Admin<MayChange>, AppError>,
) -> Result<HttpResponse, AppError> {
    let Look {
        t,
        pact,
        viewing,
        dashboard,
    } = look(&app, t, id.into_inner(), &query, admin).await?;
    let pact_url = format!(
        "{}/pakta/{pact}",
        app.config.public_url.trim_end_matches('/')
    );
    let short_url = pact_url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_owned();
    let numbers_path = match &query.tautan {
        Some(token) => format!("/layar/{pact}/angka?tautan={token}&lang={}", t.code()),
        None => format!(
            "/layar/{pact}/angka?per={}&lang={}",
            viewing.grouping.code(),
            t.code()
        ),
    };
    let page = ScreenPage {
        numbers: Numbers::new(&app, &dashboard, viewing.grouping, t.lang()),
        t,
        title: dashboard.pact.title.clone(),
        grouping: viewing.grouping,
        qr: super::qr::svg(&pact_url).unwrap_or_default(),
        short_url,
        numbers_path,
        reload_seconds: RELOAD_SECONDS,
        refresh_seconds: REFRESH_SECONDS,
    };
    let mut response = html(StatusCode::OK, &page);
    // A screen link is a secret: the page is not kept by caches, nor its address sent onward.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /layar/{id}/angka`: the screen's numbers as JSON, for its script.
#[get("/layar/{id}/angka")]
pub async fn numbers(
    app: web::Data<App>,
    t: Tr,
    id: web::Path<PactId>,
    query: web::Query<ScreenQuery>,
    admin: Result<Admin<MayChange>, AppError>,
) -> Result<HttpResponse, AppError> {
    let seen = look(&app, t, id.into_inner(), &query, admin).await?;
    let numbers = Numbers::new(&app, &seen.dashboard, seen.viewing.grouping, seen.t.lang());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(numbers))
}
