//! `GET /metrics` in Prometheus text format, on an address of its own (`IKRAR_METRICS_BIND`),
//! never on the public one, without sign-in. Counters and histograms are recorded as things
//! happen (`service::telemetry`) into the `metrics` crate's Prometheus recorder; the gauges
//! (log size, checkpoint age, witnesses, pool, queues, memory) are read at each scrape.

use crate::service::{health, App};
use actix_web::dev::Server;
use actix_web::{get, web, HttpResponse, HttpServer};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::TcpListener;
use std::sync::OnceLock;

/// Buckets of the time histograms, in seconds: from a fast page to a slow Argon2id queue.
const SECONDS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Buckets of the log writer's batch sizes.
const BATCH: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process's Prometheus recorder, installed on first use (one per process: every app
/// server in it shares it).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("ikrar_append_batch_size".into()),
                        &BATCH,
                    )
                })
                .and_then(|b| b.install_recorder());
            match installed {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// The metrics server on an already bound listener.
/// Counting starts here: without `IKRAR_METRICS_BIND` no recorder is installed, and the
/// `metrics` calls on the request path cost next to nothing.
pub fn build(app: App, listener: TcpListener) -> std::io::Result<Server> {
    let _ = recorder();
    let app = web::Data::new(app);
    Ok(
        HttpServer::new(move || actix_web::App::new().app_data(app.clone()).service(scrape))
            .workers(1)
            .listen(listener)?
            .run(),
    )
}

#[get("/metrics")]
async fn scrape(app: web::Data<App>) -> HttpResponse {
    match health::look(&app).await {
        Ok(now) => set_gauges(&now),
        Err(e) => tracing::warn!(error = %e, "health not read for /metrics"),
    }
    metrics::gauge!("ikrar_process_resident_bytes").set(resident_bytes() as f64);
    let text = recorder().map(PrometheusHandle::render).unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

fn set_gauges(now: &health::Health) {
    metrics::gauge!("ikrar_log_size").set(now.log_size as f64);
    if let Some(age) = now.checkpoint_age {
        metrics::gauge!("ikrar_checkpoint_age_seconds").set(age as f64);
    }
    for w in &now.witnesses {
        let lag = now.log_size.saturating_sub(w.size.get());
        metrics::gauge!("ikrar_witness_lag_entries", "witness" => w.name.clone()).set(lag as f64);
    }
    let (open, idle, max) = now.pool;
    metrics::gauge!("ikrar_db_pool_connections").set(f64::from(open));
    metrics::gauge!("ikrar_db_pool_idle").set(f64::from(idle));
    metrics::gauge!("ikrar_db_pool_max").set(f64::from(max));
    metrics::gauge!("ikrar_argon2_queue_depth").set(now.argon2_waiting as f64);
    metrics::gauge!("ikrar_append_queue_depth").set(now.append_waiting as f64);
    metrics::gauge!("ikrar_locked_subjects").set(now.locked_now as f64);
}

/// The process's resident memory, from `/proc/self/statm` (0 where there is none).
fn resident_bytes() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * rustix::param::page_size() as u64
}
