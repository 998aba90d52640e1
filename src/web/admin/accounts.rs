//! Accounts (superadmin), API tokens (superadmin and auditors) and the audit trail.

use super::dashboard::Nav;
use super::{actor, stream_download, Admin, MayReadLog, Superadmin};
use crate::db::audit::{self, AuditEvent};
use crate::db::{admins, api_tokens};
use crate::domain::csv_safe::{Cell, SafeCsv};
use crate::domain::display::{local_time, local_time_in};
use crate::domain::role::Role;
use crate::service::accounts::{self, AccountError, Enrolment, RevokeError};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm, CsrfOnly};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

struct AccountRow {
    id: i64,
    username: String,
    role: &'static str,
    units: String,
    active: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_akun.html")]
struct AccountsPage {
    t: Tr,
    nav: Nav,
    accounts: Vec<AccountRow>,
    error: Option<String>,
    notice: Option<String>,
}

async fn accounts_page(
    app: &App,
    admin: &Admin<Superadmin>,
    csrf: &Csrf,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let accounts = app
        .db
        .run(move |conn| {
            let mut rows = Vec::new();
            for a in admins::all(conn)? {
                rows.push(AccountRow {
                    units: admins::units_of(conn, a.id)?.join(", "),
                    id: a.id,
                    role: a.role.parse::<Role>().map_or("?", |r| r.label(lang)),
                    active: a.disabled_at.is_none(),
                    created: local_time_in(a.created_at, tz, lang),
                    username: a.username,
                });
            }
            Ok::<_, AppError>(rows)
        })
        .await?;
    Ok(html(
        status,
        &AccountsPage {
            t: admin.t.clone(),
            nav: Nav::new(admin, csrf),
            accounts,
            error,
            notice,
        },
    ))
}

/// `GET /admin/akun`: the accounts, and a form for a new one.
#[get("/admin/akun")]
pub async fn show_accounts(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    accounts_page(&app, &admin, &csrf, StatusCode::OK, None, None).await
}

/// The new-account form.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct NewAccount {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(NewAccount);

/// `POST /admin/akun`: creates an account.
#[post("/admin/akun")]
pub async fn create_account(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    req: HttpRequest,
    form: CsrfForm<NewAccount>,
) -> Result<HttpResponse, AppError> {
    let Ok(role) = form.role.parse::<Role>() else {
        let error = Some(admin.t.s("account.choose_role").to_owned());
        return accounts_page(
            &app,
            &admin,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            error,
            None,
        )
        .await;
    };
    let units: Vec<String> = form
        .units
        .split([',', ' '])
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    let (username, password) = (
        form.username.trim().to_owned(),
        zeroize::Zeroizing::new(form.password.clone()),
    );
    let who = actor(&req, &admin.signed_in.username);
    let params = app.config.argon2;
    let created_name = username.clone();
    let result = app
        .key_work({
            let db = app.db.clone();
            move || {
                let mut conn = db.conn()?;
                accounts::create(
                    &mut conn,
                    params,
                    &username,
                    role,
                    &units,
                    &password,
                    Enrolment::AtFirstSignIn,
                    &who,
                )
            }
        })
        .await
        .map_err(|_| AppError::Unavailable)?;
    match result {
        Ok(_) => {
            let notice = Some(
                admin
                    .t
                    .lang()
                    .fill("account.created", &[("name", &created_name)]),
            );
            accounts_page(&app, &admin, &csrf, StatusCode::OK, None, notice).await
        }
        Err(AccountError::Db(e)) => Err(AppError::Db(e)),
        Err(e) => {
            let error = Some(e.text(admin.t.lang()));
            accounts_page(
                &app,
                &admin,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
                None,
            )
            .await
        }
    }
}

/// `POST /admin/akun/{id}/nonaktifkan`: disables an account and ends its sessions.
#[post("/admin/akun/{id}/nonaktifkan")]
pub async fn disable_account(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    req: HttpRequest,
    id: web::Path<i64>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    admin.require(*id != admin.signed_in.id)?;
    let id = id.into_inner();
    let username = app
        .db
        .run(move |conn| Ok::<_, AppError>(admins::all(conn)?.into_iter().find(|a| a.id == id)))
        .await?
        .ok_or(AppError::NotFound)?
        .username;
    accounts::disable(&app, id, username, actor(&req, &admin.signed_in.username)).await?;
    Ok(see_other("/admin/akun"))
}

fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path.to_owned()))
        .finish()
}

struct TokenRow {
    id: i64,
    name: String,
    created_by: String,
    created: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin_token.html")]
struct TokensPage {
    t: Tr,
    nav: Nav,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    app: &App,
    admin: &Admin<MayReadLog>,
    csrf: &Csrf,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let tokens = app
        .db
        .run(move |conn| {
            Ok::<_, AppError>(
                api_tokens::all(conn)?
                    .into_iter()
                    .map(|t| TokenRow {
                        id: t.id,
                        name: t.name,
                        created_by: t.created_by,
                        created: local_time_in(t.created_at, tz, lang),
                        active: t.revoked_at.is_none(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        &TokensPage {
            t: admin.t.clone(),
            nav: Nav::new(admin, csrf),
            tokens,
            new_token,
            error,
        },
    ))
}

/// `GET /admin/token`: API tokens for monitoring scripts.
#[get("/admin/token")]
pub async fn show_tokens(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    tokens_page(&app, &admin, &csrf, None, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(NewToken);

/// `POST /admin/token`: makes a token and shows it once.
#[post("/admin/token")]
pub async fn create_token(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    req: HttpRequest,
    form: CsrfForm<NewToken>,
) -> Result<HttpResponse, AppError> {
    let name = match crate::domain::values::normalize_text(&form.name) {
        Ok(name) => name,
        Err(e) => {
            let lang = admin.t.lang();
            let error = Some(format!(
                "{} {}",
                lang.text("account.token_name"),
                e.text(lang)
            ));
            return tokens_page(&app, &admin, &csrf, None, error).await;
        }
    };
    let secret =
        accounts::create_api_token(&app, name, actor(&req, &admin.signed_in.username)).await?;
    tokens_page(&app, &admin, &csrf, Some(secret.to_string()), None).await
}

/// `POST /admin/token/{id}/cabut`: revokes a token.
#[post("/admin/token/{id}/cabut")]
pub async fn revoke_token(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    req: HttpRequest,
    id: web::Path<i64>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let who = actor(&req, &admin.signed_in.username);
    match accounts::revoke_api_token(&app, id.into_inner(), &admin.signed_in, who).await {
        Ok(()) => Ok(see_other("/admin/token")),
        Err(RevokeError::NotYours) => Err(AppError::Forbidden),
        Err(RevokeError::Db(e)) => Err(AppError::Db(e)),
    }
}

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
    let filter = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let (action, who) = (filter(&query.aksi), filter(&query.aktor));
    if query.format.as_deref() == Some("csv") {
        let db = app.db.clone();
        let tz = app.config.tz;
        return Ok(stream_download(
            "text/csv; charset=utf-8",
            "audit-ikrar.csv",
            move |out| {
                let mut conn = db.conn().map_err(|e| e.to_string())?;
                let events = audit::list(&mut conn, action.as_deref(), who.as_deref(), i64::MAX)
                    .map_err(|e| e.to_string())?;
                let mut csv = SafeCsv::new(out);
                let fail = |e: csv::Error| e.to_string();
                csv.text_row([
                    "waktu",
                    "waktu_utc",
                    "aktor",
                    "aksi",
                    "rincian",
                    "ip",
                    "user_agent",
                    "jumlah",
                ])
                .map_err(fail)?;
                for e in events {
                    let (local, utc, count) = (
                        local_time(e.at, tz),
                        crate::domain::values::format_time(e.at.and_utc()),
                        e.repeat_count.to_string(),
                    );
                    csv.row(&[
                        Cell::Text(&local),
                        Cell::Text(&utc),
                        Cell::Text(&e.actor),
                        Cell::Text(&e.action),
                        Cell::Text(&e.detail),
                        Cell::Text(&e.ip),
                        Cell::Text(&e.user_agent),
                        Cell::Number(&count),
                    ])
                    .map_err(fail)?;
                }
                csv.flush().map_err(|e| e.to_string())
            },
        ));
    }
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let (list_action, list_actor) = (action.clone(), who.clone());
    let events = app
        .db
        .run(move |conn| {
            audit::list(
                conn,
                list_action.as_deref(),
                list_actor.as_deref(),
                AUDIT_PAGE,
            )
        })
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
