//! What one slow or greedy client may hold. Every request body arrives within a deadline that
//! suits its size (seconds for a form); a client that trickles bytes is answered `408` and its
//! connection closed. And one address may hold at most so many connections at once
//! (`IKRAR_CONNECTIONS_PER_CLIENT`, 1024 unless set): far more than a hall of phones behind one
//! NAT needs (a phone keeps one or two), far fewer than it takes to starve the server. Connections from trusted reverse proxies are not
//! counted: the proxy bounds its own clients.

use super::error::AppError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::ResponseError;
use futures_util::Stream;
use ipnet::IpNet;
use std::any::Any;
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// The time any body gets, however small.
const BASE: Duration = Duration::from_secs(10);
/// The slowest rate a body may arrive at beyond [`BASE`] (a phone on a weak 2G link still
/// sends a form in a second).
const MIN_BYTES_PER_SECOND: u64 = 16 * 1024;
/// The longest any body may take (a 32 MiB roster at 2 Mbit/s, with room to spare).
const LONGEST: Duration = Duration::from_secs(300);
/// A body of unannounced length (chunked): the time of a form's.
const UNANNOUNCED: Duration = Duration::from_secs(30);

/// The deadline for a body of `length` bytes (`None`: not announced).
pub fn body_deadline(length: Option<u64>) -> Duration {
    match length {
        Some(bytes) => (BASE + Duration::from_secs(bytes / MIN_BYTES_PER_SECOND)).min(LONGEST),
        None => UNANNOUNCED,
    }
}

/// Middleware: bounds the request body in time (a `408` once its deadline passes), and answers
/// `503` at once on a connection beyond its client's bound, without reading anything.
pub async fn bound(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req
        .conn_data::<ClientConnection>()
        .is_some_and(|c| c.over_bound)
    {
        let response = AppError::TooManyConnections.error_response();
        let mut response = req.into_response(response).map_into_right_body();
        close(&mut response);
        return Ok(response);
    }
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let expired = Rc::new(Cell::new(false));
    let (_, payload) = req.parts_mut();
    let body = std::mem::replace(payload, Payload::None);
    if !matches!(body, Payload::None) {
        let timed = TimedBody {
            body,
            deadline: Box::pin(tokio::time::sleep(body_deadline(length))),
            expired: expired.clone(),
        };
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(timed);
        *payload = Payload::Stream { payload: stream };
    }
    let response = next.call(req).await?;
    if !expired.get() {
        return Ok(response.map_into_left_body());
    }
    let (req, _) = response.into_parts();
    let mut response =
        ServiceResponse::new(req, AppError::TooSlow.error_response()).map_into_right_body();
    close(&mut response);
    Ok(response)
}

/// Marks the response as the connection's last.
fn close<B>(response: &mut ServiceResponse<B>) {
    response
        .response_mut()
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
}

/// A request body that fails once its deadline has passed.
struct TimedBody {
    body: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            let late =
                std::io::Error::new(std::io::ErrorKind::TimedOut, "badan permintaan terlambat");
            return Poll::Ready(Some(Err(late.into())));
        }
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The open connections of each client address, and how many one address may hold.
#[derive(Clone)]
pub struct ConnectionCounts {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    bound: usize,
}

impl ConnectionCounts {
    /// No connection yet; each address may hold `bound`.
    pub fn new(bound: usize) -> ConnectionCounts {
        ConnectionCounts {
            open: Arc::default(),
            bound,
        }
    }

    /// For `HttpServer::on_connect`: counts the new connection against its address (unless it
    /// comes from a trusted proxy) and marks it when the address is over its bound.
    pub fn on_connect(&self, connection: &dyn Any, data: &mut Extensions, trusted: &[IpNet]) {
        let Some(peer) = connection
            .downcast_ref::<actix_web::rt::net::TcpStream>()
            .and_then(|s| s.peer_addr().ok())
        else {
            return;
        };
        let ip = peer.ip();
        if trusted.iter().any(|net| net.contains(&ip)) {
            return;
        }
        let Ok(mut counts) = self.open.lock() else {
            return;
        };
        let open = counts.entry(ip).or_default();
        *open += 1;
        let over_bound = *open > self.bound;
        drop(counts);
        data.insert(ClientConnection {
            ip,
            counts: self.clone(),
            over_bound,
        });
    }
}

/// One counted connection; it leaves the count when the connection closes.
struct ClientConnection {
    ip: IpAddr,
    counts: ConnectionCounts,
    over_bound: bool,
}

impl Drop for ClientConnection {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.open.lock() {
            if let Some(open) = counts.get_mut(&self.ip) {
                *open -= 1;
                if *open == 0 {
                    counts.remove(&self.ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_gets_seconds_and_a_roster_minutes() {
        assert_eq!(body_deadline(Some(200)), Duration::from_secs(10));
        assert_eq!(body_deadline(Some(16 * 1024)), Duration::from_secs(11));
        assert_eq!(body_deadline(Some(32 << 20)), Duration::from_secs(300));
        assert_eq!(body_deadline(None), Duration::from_secs(30));
    }
}
