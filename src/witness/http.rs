//! The witness over HTTP: `POST /add-checkpoint` (C2SP tlog-witness), nothing else.

use super::{Refusal, Witness};
use actix_web::dev::Server;
use actix_web::{post, web, HttpResponse, HttpServer};
use std::net::TcpListener;

/// The most an `add-checkpoint` body may hold (63 proof lines and a checkpoint are ~3 KiB).
const MAX_BODY: usize = 16 * 1024;

/// The witness server on an already bound listener.
pub fn build(witness: Witness, listener: TcpListener) -> std::io::Result<Server> {
    let witness = web::Data::new(witness);
    Ok(HttpServer::new(move || {
        actix_web::App::new()
            .app_data(witness.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .wrap(actix_web::middleware::from_fn(
                crate::web::client_bounds::bound,
            ))
            .service(add_checkpoint)
    })
    .listen(listener)?
    .run())
}

#[post("/add-checkpoint")]
async fn add_checkpoint(witness: web::Data<Witness>, body: web::Bytes) -> HttpResponse {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return plain(
            HttpResponse::BadRequest(),
            "badan permintaan bukan UTF-8\n".into(),
        );
    };
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let answer = web::block(move || witness.add_checkpoint(&text, now)).await;
    match answer {
        Ok(Ok(line)) => plain(HttpResponse::Ok(), line),
        Ok(Err(Refusal::Conflict(size))) => HttpResponse::Conflict()
            .content_type("text/x.tlog.size")
            .body(format!("{size}\n")),
        Ok(Err(refusal)) => {
            let status = match refusal {
                Refusal::UnknownLog => HttpResponse::NotFound(),
                Refusal::BadSignature => HttpResponse::Forbidden(),
                Refusal::BadRequest(_) => HttpResponse::BadRequest(),
                Refusal::BadProof => HttpResponse::UnprocessableEntity(),
                Refusal::Conflict(_) | Refusal::Store(_) => HttpResponse::InternalServerError(),
            };
            if let Refusal::Store(e) = &refusal {
                tracing::error!("{e}");
            }
            plain(status, format!("{refusal}\n"))
        }
        Err(_) => plain(HttpResponse::InternalServerError(), "saksi sibuk\n".into()),
    }
}

fn plain(mut status: actix_web::HttpResponseBuilder, text: String) -> HttpResponse {
    status.content_type("text/plain; charset=utf-8").body(text)
}
