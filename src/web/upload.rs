//! File uploads (multipart forms) with CSRF checked by type: a handler gets the file only
//! through [`CsrfMultipart::read`], which reads within a size bound and a time bound and then
//! refuses (403) unless the form's `csrf_token` matches. (The token is inside the body, so the
//! role, checked by the handler's `Admin<…>` extractor, is what keeps strangers from sending
//! a body at all.)

use super::csrf::Csrf;
use crate::i18n::{Lang, Words};
#[allow(clippy::disallowed_types)] // the one place that may touch raw multipart bodies
use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use std::future::{ready, Ready};
use std::time::Duration;

/// A multipart form not read yet.
pub struct CsrfMultipart(#[allow(clippy::disallowed_types)] Multipart);

impl FromRequest for CsrfMultipart {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        #[allow(clippy::disallowed_types)]
        let multipart = Multipart::from_request(req, payload).into_inner();
        ready(multipart.map(CsrfMultipart))
    }
}

/// The bounds of one upload.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Bytes of the file.
    pub file: usize,
    /// Bytes of the whole body: every field, framing included.
    pub body: usize,
    /// Time for the whole body to arrive: a client that trickles bytes cannot hold a worker.
    pub time: Duration,
}

/// An uploaded file, its form's CSRF token checked.
#[derive(Debug)]
pub struct UploadedFile {
    /// The file's name as the browser gave it (at most 100 characters; empty if none).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why an upload was not taken.
#[derive(Debug)]
pub enum UploadFailure {
    /// The browser's request broke off or was malformed; the cause goes to the log, never to
    /// the page.
    Broken,
    TooBig(UploadLimits),
    TooSlow(UploadLimits),
    /// The form's token did not match (answered 403).
    Csrf,
}

impl UploadFailure {
    /// What the person reads, in `lang` (not used for [`UploadFailure::Csrf`], which is a 403).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            UploadFailure::Broken => lang.text("roster_upload.broken").to_owned(),
            UploadFailure::TooBig(limits) => lang.fill(
                "roster_upload.too_big",
                &[("mib", &(limits.file >> 20).to_string())],
            ),
            UploadFailure::TooSlow(limits) => lang.fill(
                "roster_upload.too_slow",
                &[("seconds", &limits.time.as_secs().to_string())],
            ),
            UploadFailure::Csrf => lang.text("error.csrf").to_owned(),
        }
    }
}

impl CsrfMultipart {
    /// Reads the form within `limits`, checks its `csrf_token` against `csrf`, and returns the
    /// file sent as `file_field`.
    pub async fn read(
        self,
        csrf: &Csrf,
        file_field: &str,
        limits: UploadLimits,
    ) -> Result<UploadedFile, UploadFailure> {
        let (token, file) = read_within(self.0, file_field, limits).await?;
        if csrf.check(&token).is_err() {
            return Err(UploadFailure::Csrf);
        }
        Ok(file)
    }
}

/// The form's token and file, or a failure once `limits.time` has passed.
#[allow(clippy::disallowed_types)]
async fn read_within(
    payload: Multipart,
    file_field: &str,
    limits: UploadLimits,
) -> Result<(String, UploadedFile), UploadFailure> {
    tokio::time::timeout(limits.time, read_fields(payload, file_field, limits))
        .await
        .unwrap_or(Err(UploadFailure::TooSlow(limits)))
}

#[allow(clippy::disallowed_types)]
async fn read_fields(
    mut payload: Multipart,
    file_field: &str,
    limits: UploadLimits,
) -> Result<(String, UploadedFile), UploadFailure> {
    let mut token = String::new();
    let mut file = UploadedFile {
        name: String::new(),
        bytes: Vec::new(),
    };
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(broken)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(broken)?;
            total += chunk.len();
            if data.len() + chunk.len() > limits.file || total > limits.body {
                return Err(UploadFailure::TooBig(limits));
            }
            data.extend_from_slice(&chunk);
        }
        if name == "csrf_token" {
            token = String::from_utf8_lossy(&data).into_owned();
        } else if name == file_field {
            file.name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect();
            file.bytes = data;
        }
    }
    Ok((token, file))
}

/// A multipart body that cannot be read: logged, and answered with the catalog's sentence.
fn broken(e: actix_multipart::MultipartError) -> UploadFailure {
    tracing::warn!(error = %e, "upload could not be read");
    UploadFailure::Broken
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
    use actix_web::web::Bytes;

    #[actix_web::test]
    #[allow(clippy::disallowed_types)]
    async fn a_body_that_trickles_is_given_up() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XYZ"),
        );
        // One chunk, then nothing more, ever.
        let first = futures_util::stream::iter([Ok::<_, actix_web::error::PayloadError>(
            Bytes::from_static(
                b"--XYZ\r\nContent-Disposition: form-data; name=\"berkas\"\r\n\r\nab",
            ),
        )]);
        let stream = first.chain(futures_util::stream::pending());
        let limits = UploadLimits {
            file: 1024,
            body: 2048,
            time: Duration::from_millis(50),
        };
        let read = read_within(Multipart::new(&headers, stream), "berkas", limits).await;
        assert!(matches!(read, Err(UploadFailure::TooSlow(_))));
    }

    #[actix_web::test]
    #[allow(clippy::disallowed_types)]
    async fn a_broken_body_is_told_in_the_catalogs_words_not_the_librarys() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XYZ"),
        );
        // The body ends in the middle of a part.
        let body = futures_util::stream::iter([Ok::<_, actix_web::error::PayloadError>(
            Bytes::from_static(
                b"--XYZ\r\nContent-Disposition: form-data; name=\"berkas\"\r\n\r\nab",
            ),
        )]);
        let limits = UploadLimits {
            file: 1024,
            body: 2048,
            time: Duration::from_secs(5),
        };
        let read = read_within(Multipart::new(&headers, body), "berkas", limits).await;
        let Err(failure) = read else {
            panic!("a body cut short was read")
        };
        for lang in Lang::ALL {
            assert_eq!(failure.text(lang), lang.text("roster_upload.broken"));
        }
    }
}
