//! Accounts (superadmin): the list, a new account, and each change of an account's state
//! (disable, enable, approve or refuse a new superadmin), each confirmed first and then named.

use super::confirm::ConfirmPage;
use super::nav::Nav;
use super::{Admin, Superadmin};
use crate::domain::display::local_time_in;
use crate::domain::role::Role;
use crate::i18n::Words;
use crate::service::account_states::{self, AccountState, Change, StateError};
use crate::service::accounts::{self, AccountError, Enrolment};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::form_flag::FormFlag;
use crate::web::lang::Tr;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

struct AccountRow {
    id: i64,
    username: String,
    role: &'static str,
    units: String,
    state: &'static str,
    /// The admin's own account (no buttons).
    own: bool,
    created: String,
    /// The buttons this row offers: (path segment, label).
    actions: Vec<(&'static str, &'static str)>,
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

/// The path segment of each change, as its buttons post it.
const CHANGES: [(&str, Change); 4] = [
    ("nonaktifkan", Change::Disable),
    ("aktifkan", Change::Enable),
    ("setujui", Change::Approve),
    ("tolak", Change::Refuse),
];

fn segment(change: Change) -> &'static str {
    CHANGES
        .iter()
        .find(|(_, c)| *c == change)
        .map_or("", |(segment, _)| segment)
}

/// The changes offered for an account in `state`.
fn offered(state: AccountState) -> &'static [Change] {
    match state {
        AccountState::Active => &[Change::Disable],
        AccountState::Disabled => &[Change::Enable],
        AccountState::AwaitingApproval => &[Change::Approve, Change::Refuse],
        AccountState::Refused => &[],
    }
}

fn button_label(change: Change) -> &'static str {
    match change {
        Change::Disable => "admin.disable",
        Change::Enable => "admin.enable",
        Change::Approve => "admin.approve",
        Change::Refuse => "admin.refuse",
    }
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
    let accounts = account_states::list(app, &admin.signed_in)
        .await?
        .into_iter()
        .map(|a| {
            let own = a.id == admin.signed_in.id;
            let mut created = local_time_in(a.created_at, tz, lang);
            if let Some(maker) = &a.created_by {
                created = format!(
                    "{created} {}",
                    lang.fill("admin.created_by", &[("name", maker)])
                );
            }
            AccountRow {
                id: a.id,
                role: a.role.label(lang),
                units: a.units.join(", "),
                state: a.state.label(lang),
                actions: if own {
                    Vec::new()
                } else {
                    offered(a.state)
                        .iter()
                        .filter(|&&c| c != Change::Approve || a.approvable)
                        .map(|&c| (segment(c), lang.text(button_label(c))))
                        .collect()
                },
                own,
                created,
                username: a.username,
            }
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

/// `?hasil=` after a change: which change, to which account.
#[derive(Deserialize)]
pub struct Outcome {
    hasil: Option<String>,
    akun: Option<i64>,
}

/// `GET /admin/akun`: the accounts, and a form for a new one; after a change, what it did.
#[get("/admin/akun")]
pub async fn show_accounts(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    outcome: web::Query<Outcome>,
) -> Result<HttpResponse, AppError> {
    let change = CHANGES
        .iter()
        .find(|(segment, _)| Some(*segment) == outcome.hasil.as_deref());
    let notice = match (change, outcome.akun) {
        (Some((segment, _)), Some(id)) => account_states::find(&app, id).await?.map(|a| {
            let key = format!("confirm.account_done_{}", done_key(segment));
            admin.t.lang().fill(&key, &[("name", &a.username)])
        }),
        _ => None,
    };
    accounts_page(&app, &admin, &csrf, StatusCode::OK, None, notice).await
}

fn done_key(segment: &str) -> &'static str {
    match segment {
        "nonaktifkan" => "disable",
        "aktifkan" => "enable",
        "setujui" => "approve",
        _ => "refuse",
    }
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

/// `POST /admin/akun`: creates an account; a superadmin waits for a second superadmin.
#[post("/admin/akun")]
pub async fn create_account(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    form: CsrfForm<NewAccount>,
) -> Result<HttpResponse, AppError> {
    let refused = |error: String| {
        accounts_page(
            &app,
            &admin,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(error),
            None,
        )
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return refused(admin.t.s("account.choose_role").to_owned()).await;
    };
    let units: Vec<String> = form
        .units
        .split([',', ' '])
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    let created_name = form.username.trim().to_owned();
    let created_by = Some(admin.signed_in.id);
    let account = accounts::NewAccount {
        username: created_name.clone(),
        role,
        units,
        password: zeroize::Zeroizing::new(form.password.clone()),
        enrolment: Enrolment::AtFirstSignIn,
        created_by,
    };
    let who = admin.actor.clone();
    match accounts::create(&app, account, who).await {
        Ok(_) => {
            let key = if accounts::needs_approval(role, created_by) {
                "account.created_awaiting"
            } else {
                "account.created"
            };
            let notice = Some(admin.t.lang().fill(key, &[("name", &created_name)]));
            accounts_page(&app, &admin, &csrf, StatusCode::OK, None, notice).await
        }
        Err(AccountError::Db(e)) => Err(AppError::Db(e)),
        Err(AccountError::ShuttingDown) => Err(AppError::Unavailable),
        Err(e) => refused(e.text(admin.t.lang())).await,
    }
}

/// A change's button: confirmed or not yet.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    konfirmasi: FormFlag,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(ChangeForm);

/// `POST /admin/akun/{id}/{nonaktifkan|aktifkan|setujui|tolak}`: asks first, then changes the
/// account and shows the list saying what was done.
#[post("/admin/akun/{id}/{change}")]
pub async fn change_account(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    path: web::Path<(i64, String)>,
    form: CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let (id, segment) = path.into_inner();
    let (segment, change) = *CHANGES
        .iter()
        .find(|(s, _)| *s == segment)
        .ok_or(AppError::NotFound)?;
    let account = account_states::find(&app, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !form.konfirmasi.is_yes() {
        return Ok(confirmation(&admin, &csrf, &account, change, segment));
    }
    let who = admin.actor.clone();
    match account_states::change(&app, id, change, &admin.signed_in, who).await {
        Ok(()) => Ok(see_other(&format!("/admin/akun?hasil={segment}&akun={id}"))),
        Err(StateError::Db(e)) => Err(AppError::Db(e)),
        Err(e) => {
            let status = match e {
                StateError::SamePerson | StateError::Own => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            let error = Some(e.text(admin.t.lang()));
            accounts_page(&app, &admin, &csrf, status, error, None).await
        }
    }
}

/// "Disable this account?" (and the other changes), with what it will do.
fn confirmation(
    admin: &Admin<Superadmin>,
    csrf: &Csrf,
    account: &account_states::AccountSummary,
    change: Change,
    segment: &str,
) -> HttpResponse {
    let lang = admin.t.lang();
    let key = done_key(segment);
    let name = account.username.as_str();
    let maker = account.created_by.as_deref().unwrap_or("-");
    let words = [("name", name), ("maker", maker)];
    let button = match change {
        Change::Disable => "confirm.disable_button",
        Change::Enable => "confirm.enable_button",
        Change::Approve => "confirm.approve_button",
        Change::Refuse => "confirm.refuse_button",
    };
    ConfirmPage {
        t: admin.t.clone(),
        nav: Nav::new(admin, csrf),
        heading: lang.fill(&format!("confirm.account_{key}_heading"), &words),
        lines: vec![lang.fill(&format!("confirm.account_{key}"), &words)],
        action: format!("/admin/akun/{}/{segment}", account.id),
        fields: Vec::new(),
        buttons: vec![("lanjut".into(), "ya".into(), lang.text(button).to_owned())],
        back: "/admin/akun".into(),
        after_submit: None,
    }
    .respond()
}

pub(super) fn see_other(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, path.to_owned()))
        .finish()
}
