//! Accounts (superadmin): the list, a new account, disabling one.

use super::dashboard::Nav;
use super::{actor, Admin, Superadmin};
use crate::domain::display::local_time_in;
use crate::domain::role::Role;
use crate::i18n::Words;
use crate::service::accounts::{self, AccountError, Enrolment};
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
    let accounts = accounts::list(app)
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            role: a.role.label(lang),
            units: a.units.join(", "),
            active: a.active,
            created: local_time_in(a.created_at, tz, lang),
            username: a.username,
        })
        .collect();
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
    let created_name = form.username.trim().to_owned();
    let account = accounts::NewAccount {
        username: created_name.clone(),
        role,
        units,
        password: zeroize::Zeroizing::new(form.password.clone()),
        enrolment: Enrolment::AtFirstSignIn,
    };
    let who = actor(&req, &admin.signed_in.username);
    let result = accounts::create(&app, account, who).await;
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
        Err(AccountError::ShuttingDown) => Err(AppError::Unavailable),
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
    let who = actor(&req, &admin.signed_in.username);
    if !accounts::disable(&app, id.into_inner(), who).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/akun"))
}

pub(super) fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path.to_owned()))
        .finish()
}
