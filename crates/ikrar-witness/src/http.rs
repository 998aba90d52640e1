//! The witness over HTTP: `POST /add-checkpoint` (C2SP tlog-witness), nothing else.

use super::{Refusal, Witness};
use actix_web::dev::Server;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{post, web, HttpResponse, HttpServer};
use futures_util::{Stream, StreamExt};
use std::net::TcpListener;
use std::time::Duration;

/// The most an `add-checkpoint` body may hold (63 proof lines and a checkpoint are ~3 KiB).
const MAX_BODY: usize = 16 * 1024;
/// The time a body gets to arrive: a client that trickles it is answered `408`.
const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// The time the request's head gets to arrive.
const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// Connections served at once: a few logs ask a witness, each one request at a time.
const MAX_CONNECTIONS: usize = 256;

/// The witness server on an already bound listener.
pub fn build(witness: Witness, listener: TcpListener) -> std::io::Result<Server> {
    let witness = web::Data::new(witness);
    Ok(HttpServer::new(move || {
        actix_web::App::new()
            .app_data(witness.clone())
            .service(add_checkpoint)
    })
    .client_request_timeout(HEAD_DEADLINE)
    .max_connections(MAX_CONNECTIONS)
    .listen(listener)?
    .run())
}

/// Why a body was not read.
#[derive(Debug, PartialEq)]
enum BodyFault {
    TooBig,
    TooSlow,
    Broken,
}

/// The request's body, at most [`MAX_BODY`] bytes, within `deadline`.
async fn read_body<S>(mut payload: S, deadline: Duration) -> Result<Vec<u8>, BodyFault>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyFault::Broken)?;
            if body.len() + chunk.len() > MAX_BODY {
                return Err(BodyFault::TooBig);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    actix_web::rt::time::timeout(deadline, read)
        .await
        .unwrap_or(Err(BodyFault::TooSlow))
}

#[post("/add-checkpoint")]
async fn add_checkpoint(witness: web::Data<Witness>, payload: web::Payload) -> HttpResponse {
    let body = match read_body(payload, BODY_DEADLINE).await {
        Ok(body) => body,
        Err(BodyFault::TooBig) => {
            return plain(
                HttpResponse::PayloadTooLarge(),
                format!("badan permintaan melebihi {MAX_BODY} bita\n"),
            )
        }
        Err(BodyFault::TooSlow) => {
            return plain(
                HttpResponse::RequestTimeout(),
                "badan permintaan terlalu lambat\n".into(),
            )
        }
        Err(BodyFault::Broken) => {
            return plain(
                HttpResponse::BadRequest(),
                "badan permintaan terputus\n".into(),
            )
        }
    };
    let Ok(text) = String::from_utf8(body) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: Vec<Bytes>) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin {
        futures_util::stream::iter(parts.into_iter().map(Ok))
    }

    #[actix_web::test]
    async fn a_body_is_read_whole_within_its_bounds() {
        let parts = vec![Bytes::from_static(b"old 0\n"), Bytes::from_static(b"\n")];
        let body = read_body(chunks(parts), Duration::from_secs(1)).await;
        assert_eq!(body, Ok(b"old 0\n\n".to_vec()));
    }

    #[actix_web::test]
    async fn a_body_too_big_or_too_slow_is_given_up() {
        let big = vec![Bytes::from(vec![b'x'; MAX_BODY]), Bytes::from_static(b"x")];
        let body = read_body(chunks(big), Duration::from_secs(1)).await;
        assert_eq!(body, Err(BodyFault::TooBig));
        // One chunk, then nothing more, ever.
        let trickle =
            chunks(vec![Bytes::from_static(b"old 0\n")]).chain(futures_util::stream::pending());
        let body = read_body(trickle, Duration::from_millis(50)).await;
        assert_eq!(body, Err(BodyFault::TooSlow));
    }
}
