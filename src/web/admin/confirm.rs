//! "Are you sure?" for actions that cannot be undone (codes handed out that stop working): the
//! form posts to itself again with `konfirmasi=ya` and the same fields. Works without
//! JavaScript.

use super::nav::Nav;
use crate::web::error::html;
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

/// A confirmation page.
#[derive(Template)]
#[template(path = "admin_konfirmasi.html")]
pub struct ConfirmPage {
    pub t: Tr,
    pub nav: Nav,
    pub heading: String,
    /// What will happen; the first line is the consequence.
    pub lines: Vec<String>,
    /// Where the confirmed form posts.
    pub action: String,
    /// Fields posted again, as (name, value).
    pub fields: Vec<(String, String)>,
    /// One submit button per choice: (name, value, label).
    pub buttons: Vec<(String, String, String)>,
    /// Where "cancel" goes.
    pub back: String,
    /// For a form answered with a file: what the page says once it is sent (the page then
    /// offers only the way back).
    pub after_submit: Option<String>,
}

impl ConfirmPage {
    /// The page, answered `200 OK`.
    pub fn respond(&self) -> HttpResponse {
        html(StatusCode::OK, self)
    }
}
