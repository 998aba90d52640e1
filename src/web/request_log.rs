//! One log line per request: method, route *pattern* (`/bukti/{index}/{token}`, never the path,
//! which can hold a NIP or a receipt token), status and latency, inside a span that the
//! handlers' own log lines (database errors) belong to. No query string, no personal data.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;

/// Logs a request when its answer is ready.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(tidak dikenal)".into());
    let span = tracing::info_span!("request", %method, %route);
    let started = std::time::Instant::now();
    let res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    let took = started.elapsed();
    let latency_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| tracing::info!(status, latency_us, "answered"));
    crate::service::telemetry::answered(&route, status, took);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};
    use std::sync::{Arc, Mutex};

    /// Log lines written to memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[actix_web::test]
    async fn a_request_is_logged_by_its_route_not_its_path() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(from_fn(log_request))
                .route("/admin/pegawai/{nip}", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let req = test::TestRequest::get()
            .uri("/admin/pegawai/199004152019032004?q=rahasia")
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), 200);
        let lines = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(lines.contains("route=/admin/pegawai/{nip}"), "{lines}");
        assert!(
            lines.contains("status=200") && lines.contains("method=GET"),
            "{lines}"
        );
        assert!(
            !lines.contains("199004152019032004") && !lines.contains("rahasia"),
            "{lines}"
        );
        // The time in whole microseconds: no fraction to round in a log shipper.
        let latency = lines.split("latency_us=").nth(1).unwrap();
        let digits: String = latency.chars().take_while(char::is_ascii_digit).collect();
        assert!(
            !digits.is_empty() && !latency[digits.len()..].starts_with('.'),
            "{lines}"
        );
    }
}
