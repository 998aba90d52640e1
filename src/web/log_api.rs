//! The log over HTTP (docs/FORMATS.md, "The `/log` HTTP API"): key and checkpoint for anyone;
//! entries and proofs, which carry NIPs and names, only for auditors (a bearer token for now).

use super::error::AppError;
use crate::service::{log, sessions, App, DbError};
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ikrar_log::bundle;
use ikrar_log::merkle::Hash;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Most entries one `/log/entries` request returns.
pub const MAX_ENTRIES: u64 = 1000;

/// `GET /log/key`: the verifier key string.
#[get("/log/key")]
pub async fn key(app: web::Data<App>) -> HttpResponse {
    text(app.log.verifier_key() + "\n")
}

/// `GET /log/checkpoint`: the newest signed checkpoint.
#[get("/log/checkpoint")]
pub async fn checkpoint(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let note = log::checkpoint(&app).await?;
    Ok(text(note))
}

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

/// Refuses with 401 unless the request comes from an auditor or superadmin: a live API token
/// or `IKRAR_AUDIT_TOKEN` as a bearer token, or a signed-in session of those roles.
async fn authorize(app: &App, req: &HttpRequest) -> Result<(), AppError> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if let Some(given) = bearer {
        let configured = app.config.audit_token.as_ref().is_some_and(|token| {
            bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes()))
        });
        if configured || crate::service::tokens::is_live(app, given).await? {
            return Ok(());
        }
    }
    if let Some(cookie) = req.cookie(super::csrf::CookieNames::of(req).session) {
        if let Some(admin) = sessions::session(app, cookie.value()).await? {
            if admin.role.may_read_log() {
                return Ok(());
            }
        }
    }
    Err(AppError::Unauthorized)
}

fn bad_request(message: String) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(message + "\n")
}

async fn current_size(app: &App) -> Result<u64, AppError> {
    Ok(log::size(app).await?)
}

#[derive(Deserialize)]
pub struct EntriesQuery {
    start: u64,
    end: u64,
}

/// `GET /log/entries?start=A&end=B`: entries A ≤ n < B as JSON Lines.
#[get("/log/entries")]
pub async fn entries(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<EntriesQuery>,
) -> Result<HttpResponse, AppError> {
    authorize(&app, &req).await?;
    let (start, end) = (query.start, query.end);
    let size = current_size(&app).await?;
    if start >= end || end > size || end - start > MAX_ENTRIES {
        return Ok(bad_request(format!(
            "perlu 0 ≤ start < end ≤ {size} dan paling banyak {MAX_ENTRIES} entri"
        )));
    }
    let rows = log::entries(&app, start, end).await?;
    let mut body = Vec::with_capacity(rows.len() * 512);
    for (index, entry) in rows {
        let text = String::from_utf8_lossy(&entry);
        bundle::write_entry(&mut body, index, &text)
            .map_err(|e| AppError::Db(DbError::Log(e.into())))?;
    }
    Ok(HttpResponse::Ok()
        .content_type("application/jsonl; charset=utf-8")
        .body(body))
}

#[derive(Deserialize)]
pub struct InclusionQuery {
    index: u64,
    size: u64,
}

#[derive(Serialize)]
struct InclusionProof {
    index: u64,
    size: u64,
    proof: Vec<String>,
}

fn encode(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(|h| B64.encode(h.0)).collect()
}

/// `GET /log/proof/inclusion?index=N&size=S`.
#[get("/log/proof/inclusion")]
pub async fn inclusion(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<InclusionQuery>,
) -> Result<HttpResponse, AppError> {
    authorize(&app, &req).await?;
    let (index, size) = (query.index, query.size);
    if index >= size || size > current_size(&app).await? {
        return Ok(bad_request("perlu index < size ≤ ukuran log".into()));
    }
    let proof = log::inclusion_proof(&app, index, size).await?;
    Ok(HttpResponse::Ok().json(InclusionProof {
        index,
        size,
        proof: encode(&proof),
    }))
}

#[derive(Deserialize)]
pub struct ConsistencyQuery {
    from: u64,
    to: u64,
}

#[derive(Serialize)]
struct ConsistencyProof {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

/// `GET /log/proof/consistency?from=M&to=S`.
#[get("/log/proof/consistency")]
pub async fn consistency(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<ConsistencyQuery>,
) -> Result<HttpResponse, AppError> {
    authorize(&app, &req).await?;
    let (from, to) = (query.from, query.to);
    if from > to || to > current_size(&app).await? {
        return Ok(bad_request("perlu from ≤ to ≤ ukuran log".into()));
    }
    let proof = log::consistency_proof(&app, from, to).await?;
    Ok(HttpResponse::Ok().json(ConsistencyProof {
        from,
        to,
        proof: encode(&proof),
    }))
}
