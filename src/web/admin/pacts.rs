//! `GET|POST /admin/pakta-baru`: publishing a pact with its signing window, in the deployment's
//! time zone. A published pact never changes: its `pact` log entry fixes the digest.

use super::nav::Nav;
use super::{Admin, Superadmin};
use crate::i18n::{Lang, Words};
use crate::service::pacts::{self, PublishError, Window};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use ikrar_log::pact::Pact;
use serde::Deserialize;

/// The form's fields.
#[derive(Deserialize, Default, Clone)]
pub struct PactForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    judul: String,
    #[serde(default)]
    isi: String,
    #[serde(default)]
    dibuka: String,
    #[serde(default)]
    ditutup: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(PactForm);

#[derive(Template)]
#[template(path = "admin_pakta_baru.html")]
struct PactFormPage {
    t: Tr,
    nav: Nav,
    form: PactForm,
    opens_label: String,
    error: Option<String>,
}

/// `GET /admin/pakta-baru`.
#[get("/admin/pakta-baru")]
pub async fn show_form(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    let page = PactFormPage {
        t: admin.t.clone(),
        nav: Nav::new(&admin, &csrf),
        form: PactForm::default(),
        opens_label: admin
            .t
            .lang()
            .fill("admin.opens", &[("zone", app.config.tz.name())]),
        error: None,
    };
    Ok(html(StatusCode::OK, &page))
}

/// A `datetime-local` value in the deployment's zone, or `None` when left empty.
fn local_input(value: &str, tz: Tz, lang: Lang) -> Result<Option<DateTime<Utc>>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .map_err(|_| lang.fill("publish.bad_time", &[("value", value)]))?;
    tz.from_local_datetime(&naive)
        .single()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| {
            lang.fill(
                "publish.no_such_time",
                &[("value", value), ("zone", tz.name())],
            )
        })
}

/// `POST /admin/pakta-baru`: publishes the pact.
#[post("/admin/pakta-baru")]
pub async fn publish(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    form: CsrfForm<PactForm>,
) -> Result<HttpResponse, AppError> {
    let tz = app.config.tz;
    let lang = admin.t.lang();
    let checked = Pact::new(form.id.trim(), &form.judul, &form.isi)
        .map_err(|e| e.text(lang))
        .and_then(|pact| {
            let window = Window {
                opens_at: local_input(&form.dibuka, tz, lang)?,
                closes_at: local_input(&form.ditutup, tz, lang)?,
            };
            Ok((pact, window))
        });
    let failure = match checked {
        Err(message) => Some(message),
        Ok((pact, window)) => {
            let id = pact.id.clone();
            let who = admin.actor.clone();
            let published = pacts::publish(&app, who, pact, window).await;
            match published {
                Ok(_) => {
                    return Ok(HttpResponse::SeeOther()
                        .insert_header((header::LOCATION, format!("/admin/pakta/{id}")))
                        .finish())
                }
                Err(PublishError::Db(e)) => return Err(AppError::Db(e)),
                Err(e) => Some(e.text(lang)),
            }
        }
    };
    let page = PactFormPage {
        t: admin.t.clone(),
        nav: Nav::new(&admin, &csrf),
        form: form.into_inner(),
        opens_label: admin.t.lang().fill("admin.opens", &[("zone", tz.name())]),
        error: failure,
    };
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_utc() {
        let t = local_input("2024-01-10T08:00", chrono_tz::Asia::Jakarta, Lang::Id)
            .unwrap()
            .unwrap();
        assert_eq!(ikrar_log::values::format_time(t), "2024-01-10T01:00:00Z");
        assert_eq!(
            local_input(" ", chrono_tz::Asia::Jakarta, Lang::Id).unwrap(),
            None
        );
        assert!(local_input("10/01/2024", chrono_tz::Asia::Jakarta, Lang::En).is_err());
    }
}
