//! `GET /admin/kesehatan`: the system's health for superadmins on the morning of a ceremony —
//! signatures and activations per minute over the last hour (a bar chart), how long signing
//! takes, refusals by reason, NIPs locked now, the log and its witnesses, the database pool and
//! the queues. `GET /admin/kesehatan/angka` gives the same as JSON; the page's script puts it
//! in place every 10 seconds.

use super::nav::Nav;
use super::{Admin, Superadmin};
use crate::domain::display::{count_in, local_time_in};
use crate::i18n::{Lang, Words};
use crate::service::health::{self, Health, MINUTES};
use crate::service::App;
use crate::web::csrf::Csrf;
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Serialize;

/// The chart's drawing box: one bar a minute.
const BAR: i64 = 8;
const CHART_HEIGHT: i64 = 100;

/// One bar: its minute and its height in the chart's box.
#[derive(Serialize)]
struct Bar {
    x: i64,
    y: i64,
    height: i64,
}

/// A series of the chart.
#[derive(Serialize)]
struct Series {
    bars: Vec<Bar>,
    /// "312 in the last hour, at most 41 a minute".
    summary: String,
}

impl Series {
    fn new(per_minute: &[i64], lang: Lang) -> Series {
        let most = per_minute.iter().copied().max().unwrap_or(0);
        let total: i64 = per_minute.iter().sum();
        let bars = per_minute
            .iter()
            .zip(0..)
            .map(|(&n, minute)| {
                let height = if most == 0 {
                    0
                } else {
                    n * CHART_HEIGHT / most
                };
                Bar {
                    x: minute * BAR,
                    y: CHART_HEIGHT - height,
                    height,
                }
            })
            .collect();
        Series {
            bars,
            summary: lang.fill(
                "health.per_minute",
                &[
                    ("total", &count_in(total, lang)),
                    ("most", &count_in(most, lang)),
                ],
            ),
        }
    }
}

/// What the page shows, as text (and the chart as bars).
#[derive(Serialize)]
struct Figures {
    signatures: Series,
    activations: Series,
    sign_median: String,
    sign_p95: String,
    refusals: Vec<(String, String)>,
    locked: String,
    log_size: String,
    checkpoint_age: String,
    witnesses: Vec<(String, String, String)>,
    pool: String,
    argon2: String,
    append: String,
    updated: String,
}

impl Figures {
    fn new(now: &Health, app: &App, lang: Lang) -> Figures {
        let seconds = |s: f64| {
            lang.fill(
                "health.ms",
                &[("ms", &count_in((s * 1000.0).round() as i64, lang))],
            )
        };
        let none = || lang.text("health.none").to_owned();
        let tz = app.config.tz;
        let (open, idle, max) = now.pool;
        Figures {
            signatures: Series::new(&now.signatures_per_minute, lang),
            activations: Series::new(&now.activations_per_minute, lang),
            sign_median: now.sign_times.map_or_else(none, |(m, _)| seconds(m)),
            sign_p95: now.sign_times.map_or_else(none, |(_, p)| seconds(p)),
            refusals: now
                .refusals
                .iter()
                .map(|(reason, n)| {
                    let words = lang.text(&format!("health.refusal_{}", reason.code()));
                    (words.to_owned(), count_in(*n as i64, lang))
                })
                .collect(),
            locked: count_in(now.locked_now, lang),
            log_size: count_in(now.log_size as i64, lang),
            checkpoint_age: now.checkpoint_age.map_or_else(none, |s| {
                lang.fill("health.seconds_ago", &[("s", &count_in(s, lang))])
            }),
            witnesses: now
                .witnesses
                .iter()
                .map(|w| {
                    let cosigned = w
                        .cosigned_at
                        .map_or_else(none, |t| local_time_in(t, tz, lang));
                    let failure = w.error.as_ref().map_or_else(String::new, |e| e.text(lang));
                    (w.name.clone(), cosigned, failure)
                })
                .collect(),
            pool: lang.fill(
                "health.pool",
                &[
                    ("open", &open.to_string()),
                    ("idle", &idle.to_string()),
                    ("max", &max.to_string()),
                ],
            ),
            argon2: count_in(now.argon2_waiting as i64, lang),
            append: count_in(now.append_waiting as i64, lang),
            updated: local_time_in(now.at.naive_utc(), tz, lang),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_kesehatan.html")]
struct HealthPage {
    t: Tr,
    nav: Nav,
    figures: Figures,
    chart_width: i64,
    chart_height: i64,
    bar_width: i64,
}

/// `GET /admin/kesehatan`: the health page.
#[get("/admin/kesehatan")]
pub async fn show(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    let now = health::look(&app).await?;
    let page = HealthPage {
        figures: Figures::new(&now, &app, admin.t.lang()),
        t: admin.t.clone(),
        nav: Nav::new(&admin, &csrf),
        chart_width: MINUTES * BAR,
        chart_height: CHART_HEIGHT,
        bar_width: BAR - 2,
    };
    Ok(html(StatusCode::OK, &page))
}

/// `GET /admin/kesehatan/angka`: the same figures as JSON, for the page's script.
#[get("/admin/kesehatan/angka")]
pub async fn figures(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
) -> Result<HttpResponse, AppError> {
    let now = health::look(&app).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(Figures::new(&now, &app, admin.t.lang())))
}
