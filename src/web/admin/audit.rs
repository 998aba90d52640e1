//! The audit trail (superadmin and auditors): filtered on a page, whole as CSV.

use super::nav::Nav;
use super::{stream_download, Admin, MayReadLog};
use crate::domain::audit::{Actor, AuditAction};
use crate::domain::display::local_time_in;
use crate::domain::file_format::FileFormat;
use crate::domain::user_agent;
use crate::i18n::{Lang, Words};
use crate::service::audit::{self, AuditEvent, AuditFilter};
use crate::service::App;
use crate::web::csrf::Csrf;
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use crate::web::paging::PageNumber;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// `aksi=`, `aktor=`, `format=csv`.
#[derive(Deserialize)]
pub struct AuditQuery {
    aksi: Option<String>,
    aktor: Option<String>,
    format: Option<FileFormat>,
    #[serde(default)]
    hal: PageNumber,
}

struct EventRow {
    /// Done at the server's command line: no address, no browser, a command.
    from_server: bool,
    at: String,
    /// The action in the page's language.
    action: String,
    /// "Chrome 131 · Android"; the full user agent is in `event`.
    browser: String,
    event: AuditEvent,
}

/// The action in `lang`, or its code if it has no words.
fn action_words(action: AuditAction, lang: Lang) -> String {
    let code = action.code();
    match lang.text(&format!("action.{code}")) {
        "" => code.to_owned(),
        words => words.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    events: Vec<EventRow>,
    /// Every action as (code, words), for the filter.
    actions: Vec<(&'static str, String)>,
    action: String,
    actor: String,
    page: i64,
    has_next: bool,
}

/// Events per page (the CSV has them all).
const AUDIT_PAGE: i64 = 100;

/// `GET /admin/audit`: the audit trail, filtered; `format=csv` downloads it whole.
#[get("/admin/audit")]
pub async fn show_audit(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = AuditFilter::new(query.aksi.as_deref(), query.aktor.as_deref());
    // The trail downloads as CSV only.
    if query.format.is_some() {
        let app = app.get_ref().clone();
        return Ok(stream_download(
            "text/csv; charset=utf-8",
            "audit-ikrar.csv",
            move |out| audit::write_csv(&app, &filter, out),
        ));
    }
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let (action, who) = (filter.action.clone(), filter.actor.clone());
    let page = query.hal;
    let mut events: Vec<EventRow> =
        audit::recent(&app, filter, page.offset(AUDIT_PAGE), AUDIT_PAGE + 1)
            .await?
            .into_iter()
            .map(|event| EventRow {
                from_server: Actor::is_command_line(&event.actor),
                at: local_time_in(event.at, tz, lang),
                action: action_words(event.action, lang),
                browser: user_agent::summary(&event.user_agent),
                event,
            })
            .collect();
    let has_next = events.len() as i64 > AUDIT_PAGE;
    events.truncate(AUDIT_PAGE as usize);
    let actions = AuditAction::ALL
        .iter()
        .map(|a| (a.code(), action_words(*a, lang)))
        .collect();
    Ok(html(
        StatusCode::OK,
        &AuditPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            events,
            actions,
            action: action.unwrap_or_default(),
            actor: who.unwrap_or_default(),
            page: page.get(),
            has_next,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_words_in_both_languages() {
        for action in AuditAction::ALL {
            for lang in [Lang::Id, Lang::En] {
                let words = action_words(action, lang);
                assert_ne!(words, action.code(), "{lang:?}: {}", action.code());
            }
        }
        assert_eq!(action_words(AuditAction::SignIn, Lang::En), "Signed in");
    }
}
