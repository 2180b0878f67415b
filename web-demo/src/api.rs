//! The HTTP routes: the page, the JSON API, and the error mapping that makes
//! every failure a JSON `{"error": "..."}` with the right status.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /` | the drawing page (HTML/JS/CSS in one file, embedded) |
//! | `POST /api/predict` | ink or raster → digit, confidence, probabilities, the 28x28 input |
//! | `POST /estimate` | classic demo API: `{"input": [784 values 0..255]}` → `{"estimated": d}` |
//! | `GET /api/model` | layer sizes, weight type, accuracy, format version, SHA-256 |
//! | `GET /healthz` | `{"status": "ok"}` |
//! | `GET /nnet.wasm`, `GET /api/model/file` | the page's WebAssembly module and the model file ([`crate::assets`]) |
//!
//! Status codes: malformed JSON (including the non-JSON literals `NaN` and
//! `Infinity`) → 400; a `Content-Type` other than `application/json`, or a
//! compressed body (a `Content-Encoding` other than `identity`) → 415 with
//! `Accept-Encoding: identity`;
//! a body over [`Limits::body_limit`] → 413; well-formed JSON of the wrong
//! shape, wrong lengths, non-finite or out-of-range values (`1e999` is valid
//! JSON syntax but infinite; `1e300` is out of every range), too many strokes
//! or points → 422; a `Transfer-Encoding` that ends in `chunked` but names
//! another coding too → 501;
//! a request not finished within [`Limits::request_timeout`] → 408.
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use nnet_core::ink::{self, Strokes, Xy, DEFAULT_POINTS, DEFAULT_STROKES};
use nnet_core::{preprocess, Image, INPUT, SIDE};
use serde::{Deserialize, Serialize};

use crate::model::Model;

/// The page, shipped inside the binary.
pub const INDEX_HTML: &str = include_str!("../static/index.html");

/// Most points an ink drawing may have (the core's stroke buffer capacity).
pub const MAX_POINTS: usize = DEFAULT_POINTS;
/// Most strokes an ink drawing may have.
pub const MAX_STROKES: usize = DEFAULT_STROKES;
/// Largest drawing surface / raster side accepted, in pixels (the core's
/// rule for ink drawings, which `host-trainer` applies too).
pub const MAX_SIDE: f64 = ink::MAX_SURFACE_SIDE as f64;
/// Most raster pixels accepted (`width * height`).
pub const MAX_PIXELS: usize = 512 * 512;

/// The most simultaneous connections `--max-connections` takes.
pub const MAX_CONNECTIONS: usize = 1_000_000;

/// Request limits and timeouts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest request body in bytes (default 1 MiB); larger is 413.
    pub body_limit: usize,
    /// Time allowed for a whole request after its headers: reading the body
    /// and answering (default 10 s); slower is 408 and the connection closes.
    /// Also how long a client may take nothing of its answer before it is
    /// disconnected (the server's write timeout).
    pub request_timeout: Duration,
    /// Time allowed to send the request headers, also the idle time of a
    /// kept-alive connection (default 5 s); slower clients are disconnected.
    pub header_timeout: Duration,
    /// Most simultaneous connections (default 1024, at most
    /// [`MAX_CONNECTIONS`]); more wait in the kernel's accept queue.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_limit: 1 << 20,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(5),
            max_connections: 1024,
        }
    }
}

/// Everything a request handler needs: the model and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The network and its description.
    pub model: Arc<Model>,
    /// Request limits and timeouts.
    pub limits: Limits,
}

impl AppState {
    /// State with default [`Limits`].
    pub fn new(model: Model) -> Self {
        AppState {
            model: Arc::new(model),
            limits: Limits::default(),
        }
    }
}

/// An API failure: its status and the message sent as `{"error": message}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable reason.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl From<nnet_core::Error> for ApiError {
    fn from(e: nnet_core::Error) -> Self {
        use nnet_core::Error as E;
        match e {
            E::NonFiniteInput
            | E::InputOutOfRange
            | E::LengthMismatch { .. }
            | E::BadDimensions
            | E::CapacityExceeded => ApiError::unprocessable(e.to_string()),
            other => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("inference failed: {other}"),
            ),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &ErrorBody {
                error: &self.message,
            },
        )
    }
}

/// The buffer JSON answers are written into: serde_json writes every token
/// (a number, a comma) separately, and `Vec`'s own `write_all` makes each a
/// `memcpy` call, a sixth of an ink answer's server time with its 784-value
/// `input28`; short tokens are appended byte by byte instead.
struct JsonBuf(Vec<u8>);

impl std::io::Write for JsonBuf {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if buf.len() <= 16 {
            for &b in buf {
                self.0.push(b);
            }
        } else {
            self.0.extend_from_slice(buf);
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A JSON answer from its bytes.
fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    // room for a prediction with its 784-value `input28` (a few KiB) at once:
    // `to_vec`'s growth from 128 bytes copied the answer seven times
    let mut buf = JsonBuf(Vec::with_capacity(8 * 1024));
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => json_bytes(status, buf.0),
        Err(_) => {
            let mut resp =
                Response::new(Body::from(r#"{"error":"could not encode the response"}"#));
            *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
    }
}

/// The router with every route and the JSON error mapping; serve it with
/// [`crate::serve`] (which adds connection timeouts) or any hyper/axum server.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/api/predict", post(predict))
        .route("/estimate", post(estimate))
        .route("/api/model", get(model_info))
        .route("/healthz", get(healthz))
        .merge(crate::assets::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(middleware::map_response(json_errors))
        .layer(middleware::map_response(common_headers))
        .with_state(state)
}

/// Every answer says its `Content-Type` is meant (`X-Content-Type-Options:
/// nosniff`), the JSON ones and the errors too; a 413, sent before the body
/// it refuses is read, says the connection ends with it (the rest of that
/// body would be read as the next request); a 415 says which request body
/// codings are read (`Accept-Encoding: identity`, RFC 9110 section 12.5.3).
async fn common_headers(mut resp: Response) -> Response {
    let status = resp.status();
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    resp
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such route")
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

async fn model_info(State(st): State<AppState>) -> Response {
    json_response(StatusCode::OK, st.model.info())
}

/// Cuts off requests (body upload included) that take longer than the limit.
async fn request_timeout(State(st): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(st.limits.request_timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut resp =
                ApiError::new(StatusCode::REQUEST_TIMEOUT, "request not completed in time")
                    .into_response();
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    }
}

/// Turns every non-JSON error response (axum's plain-text rejections, 405
/// with an empty body, ...) into `{"error": "<reason>"}`.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return resp;
    }
    let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
    let (parts, _) = resp.into_parts();
    let mut out = ApiError::new(status, reason).into_response();
    for name in [header::ALLOW, header::CONNECTION] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Checks the content type and coding and reads the body within the size limit.
async fn read_json_body(limit: usize, req: Request) -> Result<axum::body::Bytes, ApiError> {
    let headers: &HeaderMap = req.headers();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
        ));
    }
    if let Some(coding) = body_coding(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the body is sent with Content-Encoding: {}; send the JSON uncompressed",
                clip(&coding)
            ),
        ));
    }
    // hyper undoes chunked framing only: another transfer coding would reach the
    // JSON parser still compressed (RFC 9112, 6.1: 501 for one not understood)
    if let Some(coding) = transfer_coding(headers) {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!(
                "the body is sent with Transfer-Encoding: {}; only chunked is understood: send the JSON uncompressed",
                clip(&coding)
            ),
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "could not read the request body",
        )),
    }
}

/// The request's `Transfer-Encoding` when it names a coding other than
/// `chunked` (every value, joined as sent), else `None`.
fn transfer_coding(headers: &HeaderMap) -> Option<String> {
    codings_other_than(headers, header::TRANSFER_ENCODING, "chunked")
}

/// The request body's content coding when it is not `identity` (every
/// `Content-Encoding` value, joined as sent), else `None`: the body is read
/// as it comes, so a compressed body is refused rather than parsed as JSON.
fn body_coding(headers: &HeaderMap) -> Option<String> {
    codings_other_than(headers, header::CONTENT_ENCODING, "identity")
}

/// Every value of the coding header `name`, joined as sent, when one of its
/// comma-separated codings is not `plain` (any case), else `None`.
fn codings_other_than(
    headers: &HeaderMap,
    name: header::HeaderName,
    plain: &str,
) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let only_plain = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .all(|c| c.is_empty() || c.eq_ignore_ascii_case(plain));
    (!only_plain).then(|| values.join(", "))
}

/// Parses JSON: malformed JSON is 400, well-formed JSON of the wrong shape 422.
/// On failure the whole body's grammar is checked (without building
/// anything), so a body that is both malformed and of the wrong shape is 400.
fn parse_json<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, ApiError> {
    let malformed = |e: &str| {
        let msg = if bytes.iter().all(u8::is_ascii_whitespace) {
            "malformed JSON: the body is empty (expected a JSON object)".to_string()
        } else {
            format!("malformed JSON: {e}")
        };
        ApiError::new(StatusCode::BAD_REQUEST, msg)
    };
    // the hint for JavaScript's non-JSON numbers, only where the parser stopped at one
    let syntax = |e: serde_json::Error| {
        let message = clip(&e.to_string());
        if non_json_number_at(bytes, e.line(), e.column()) {
            malformed(&format!("{message} (NaN and Infinity are not valid JSON)"))
        } else {
            malformed(&message)
        }
    };
    // JSON is UTF-8, the parts a request's fields skip (IgnoredAny: a label) too
    if let Err(bad) = std::str::from_utf8(bytes) {
        return Err(malformed(&format!(
            "the body is not UTF-8 (at byte {})",
            bad.valid_up_to()
        )));
    }
    // IgnoredAny checks the grammar only: a body it accepts is well-formed
    // JSON (numbers like 1e999 included, whose values are out of range)
    let grammar = || serde_json::from_slice::<serde::de::IgnoredAny>(bytes);
    // every request is an object: serde would read an array as a struct's fields in order
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(match grammar() {
            Ok(_) => ApiError::unprocessable("invalid request: the body must be a JSON object"),
            Err(e) => syntax(e),
        });
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let e = clip(&e.to_string());
        match grammar() {
            Ok(_) => ApiError::unprocessable(format!("invalid request: {e}")),
            Err(e) => syntax(e),
        }
    })
}

/// Whether the JSON parser's error at `line` and `column` (1-based, as
/// serde_json counts them: bytes) is at a `NaN` or `Infinity`, or at its sign.
fn non_json_number_at(bytes: &[u8], line: usize, column: usize) -> bool {
    let line_start = match line {
        0 | 1 => 0,
        n => match bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .nth(n - 2)
        {
            Some((i, _)) => i + 1,
            None => return false,
        },
    };
    let at = line_start + column.saturating_sub(1);
    // the parser stops at the literal's first letter, or just after it
    [at, at.saturating_sub(1)].iter().any(|&i| {
        let rest = bytes.get(i..).unwrap_or_default();
        let rest = rest
            .strip_prefix(b"-")
            .or(rest.strip_prefix(b"+"))
            .unwrap_or(rest);
        rest.starts_with(b"NaN") || rest.starts_with(b"Infinity")
    })
}

/// Most characters of a parser's message in an error answer: the parser
/// quotes the client's text, which is sent back no longer than this.
pub const MAX_MESSAGE: usize = 200;

/// `message`, cut to [`MAX_MESSAGE`] characters (with `…` where it was cut).
fn clip(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_string(),
    }
}

/// `POST /api/predict` body: ink (`strokes`) or raster (`pixels`), never both.
#[derive(Debug, Deserialize)]
struct PredictRequest {
    width: Option<f64>,
    height: Option<f64>,
    strokes: Option<Vec<Vec<Xy<f64>>>>,
    pixels: Option<Vec<f64>>,
    /// Ink records may carry a label; it is ignored here, whatever it holds
    /// (skipped unread: a number out of range or deep nesting is no error).
    #[serde(default)]
    #[allow(dead_code)]
    label: Option<serde::de::IgnoredAny>,
}

/// `POST /api/predict` answer. All fields but `elapsed_us` are `null` when
/// there is no digit.
#[derive(Debug, Serialize)]
struct PredictResponse<'a> {
    digit: Option<u8>,
    confidence: Option<f32>,
    probabilities: Option<&'a [f32]>,
    input28: Option<&'a [f32]>,
    /// Server-side preprocessing + inference time in microseconds.
    elapsed_us: u64,
}

impl PredictResponse<'_> {
    /// The answer as serde_json writes it (the unit test
    /// `predict_json_is_serde_json` checks the bytes), with the blank pixels
    /// of `input28` (`+0.0`, most of them) written as `0.0` directly instead
    /// of through the float formatter: a tenth of an ink answer's server time.
    fn to_json(&self) -> Response {
        let mut out = JsonBuf(Vec::with_capacity(8 * 1024));
        let written = (|| -> serde_json::Result<()> {
            out.0.extend_from_slice(b"{\"digit\":");
            serde_json::to_writer(&mut out, &self.digit)?;
            out.0.extend_from_slice(b",\"confidence\":");
            serde_json::to_writer(&mut out, &self.confidence)?;
            out.0.extend_from_slice(b",\"probabilities\":");
            serde_json::to_writer(&mut out, &self.probabilities)?;
            out.0.extend_from_slice(b",\"input28\":");
            match self.input28 {
                None => out.0.extend_from_slice(b"null"),
                Some(x) => {
                    out.0.push(b'[');
                    for (i, v) in x.iter().enumerate() {
                        if i > 0 {
                            out.0.push(b',');
                        }
                        if v.to_bits() == 0 {
                            out.0.extend_from_slice(b"0.0");
                        } else {
                            serde_json::to_writer(&mut out, v)?;
                        }
                    }
                    out.0.push(b']');
                }
            }
            out.0.extend_from_slice(b",\"elapsed_us\":");
            serde_json::to_writer(&mut out, &self.elapsed_us)?;
            out.0.push(b'}');
            Ok(())
        })();
        match written {
            Ok(()) => json_bytes(StatusCode::OK, out.0),
            Err(_) => json_response(StatusCode::OK, self),
        }
    }
}

/// A number for an error message: plain when short, scientific when huge
/// or tiny (the API's messages, and the command line's in `main`).
pub fn num(v: f64) -> String {
    if v == 0.0 || (1e-6..1e9).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn dimension(name: &str, v: Option<f64>) -> Result<f64, ApiError> {
    let v = v.ok_or_else(|| ApiError::unprocessable(format!("missing field `{name}`")))?;
    // the core works in f32: the size is checked there, by the rule the page's
    // WebAssembly checks it with (ink::surface_ok); one that is 0 there is refused
    let f = v as f32;
    if !ink::side_ok(f) {
        let small = if v > 0.0 && f == 0.0 {
            format!(" ({} is 0 as a 32-bit float)", num(v))
        } else {
            String::new()
        };
        return Err(ApiError::unprocessable(format!(
            "`{name}` must be a number in (0, {MAX_SIDE}]{small}"
        )));
    }
    Ok(v)
}

fn ink_image(width: f64, height: f64, strokes: &[Vec<Xy<f64>>]) -> Result<Option<Image>, ApiError> {
    let points: usize = strokes.iter().map(Vec::len).sum();
    if points > MAX_POINTS {
        return Err(ApiError::unprocessable(format!(
            "too many points: {points} (at most {MAX_POINTS})"
        )));
    }
    let count = strokes.iter().filter(|s| !s.is_empty()).count();
    if count > MAX_STROKES {
        return Err(ApiError::unprocessable(format!(
            "too many strokes: {count} (at most {MAX_STROKES})"
        )));
    }
    let mut drawn: Strokes<MAX_POINTS, MAX_STROKES> = Strokes::new();
    for stroke in strokes.iter().filter(|s| !s.is_empty()) {
        drawn.begin_stroke()?;
        for &Xy([x, y]) in stroke {
            if !(x.is_finite() && y.is_finite()) {
                return Err(ApiError::unprocessable("ink coordinate is not finite"));
            }
            // the core's rule (a point at most one surface size beyond the edges)
            if !ink::point_ok([x as f32, y as f32], width as f32, height as f32) {
                return Err(ApiError::unprocessable(format!(
                    "ink point [{}, {}] lies far outside the {}x{} surface",
                    num(x),
                    num(y),
                    num(width),
                    num(height)
                )));
            }
            drawn.push([x as f32, y as f32])?;
        }
    }
    Ok(preprocess::from_strokes(
        &drawn,
        width as f32,
        height as f32,
    )?)
}

fn raster_image(
    width: f64,
    height: f64,
    pixels: &[f64],
    max_value: f64,
) -> Result<Option<Image>, ApiError> {
    if width.fract() != 0.0 || height.fract() != 0.0 {
        return Err(ApiError::unprocessable(
            "raster `width` and `height` must be whole numbers",
        ));
    }
    let (w, h) = (width as usize, height as usize);
    let n = w * h;
    if n > MAX_PIXELS {
        return Err(ApiError::unprocessable(format!(
            "raster too large: {w}x{h} (at most {MAX_PIXELS} pixels)"
        )));
    }
    if pixels.len() != n {
        return Err(ApiError::unprocessable(format!(
            "wrong number of pixels: expected {w}x{h} = {n}, got {}",
            pixels.len()
        )));
    }
    let mut scaled = Vec::with_capacity(n);
    for &p in pixels {
        if !p.is_finite() {
            return Err(ApiError::unprocessable("pixel value is not finite"));
        }
        // checked as the core checks it, in f32 (what the page's WebAssembly gets):
        // 1.00000001 is 1 there, -1e-50 is 0
        let v = (p / max_value) as f32;
        if !(0.0..=1.0).contains(&v) {
            return Err(ApiError::unprocessable(format!(
                "pixel value {} outside 0..={max_value}",
                num(p)
            )));
        }
        scaled.push(v);
    }
    Ok(preprocess::from_raster(&scaled, w, h)?)
}

async fn predict(State(st): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let body = read_json_body(st.limits.body_limit, req).await?;
    let r: PredictRequest = parse_json(&body)?;
    let start = Instant::now();
    let width = dimension("width", r.width)?;
    let height = dimension("height", r.height)?;
    let image = match (&r.strokes, &r.pixels) {
        (Some(strokes), None) => ink_image(width, height, strokes)?,
        (None, Some(pixels)) => raster_image(width, height, pixels, 1.0)?,
        (Some(_), Some(_)) => {
            return Err(ApiError::unprocessable(
                "send either `strokes` (ink) or `pixels` (raster), not both",
            ))
        }
        (None, None) => {
            return Err(ApiError::unprocessable(
                "missing `strokes` (ink) or `pixels` (raster)",
            ))
        }
    };
    let prediction = match &image {
        Some(x) => Some(st.model.predict(x)?),
        None => None,
    };
    let elapsed_us = start.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
    let resp = PredictResponse {
        digit: prediction.map(|p| p.digit),
        confidence: prediction.map(|p| p.confidence()),
        probabilities: prediction.as_ref().map(|p| &p.probabilities[..]),
        input28: image.as_ref().map(|x| &x[..]),
        elapsed_us,
    };
    Ok(resp.to_json())
}

/// `POST /estimate` body of the classic demo.
#[derive(Debug, Deserialize)]
struct EstimateRequest {
    input: Vec<f64>,
}

/// The common `/estimate` body, `{"input": [n, n, ...]}` with whole numbers
/// of at most 9 digits (the classic demo sends 0..255), read without serde:
/// the same values serde_json gives (such integers are exact in f64), about
/// a fifth of a request's server time saved. `None` for anything else (other
/// keys, decimals, signs, leading zeros, malformed JSON...), which goes
/// through serde_json and its errors.
fn plain_estimate(body: &[u8]) -> Option<Vec<f64>> {
    let mut rest = body;
    // skips JSON whitespace, then expects `token`
    fn eat<'a>(rest: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
        let start = rest
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(rest.len());
        rest[start..].strip_prefix(token)
    }
    for token in [&b"{"[..], b"\"input\"", b":", b"["] {
        rest = eat(rest, token)?;
    }
    let mut input = Vec::with_capacity(INPUT);
    if let Some(after) = eat(rest, b"]") {
        rest = after; // an empty list
    } else {
        loop {
            let start = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
            rest = &rest[start..];
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 || (digits > 1 && rest[0] == b'0') {
                return None;
            }
            let n = rest[..digits]
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
            input.push(f64::from(n));
            rest = &rest[digits..];
            if let Some(after) = eat(rest, b",") {
                rest = after;
            } else {
                rest = eat(rest, b"]")?;
                break;
            }
        }
    }
    rest = eat(rest, b"}")?;
    eat(rest, b"").filter(|r| r.is_empty())?;
    Some(input)
}

/// `POST /estimate`: 784 values 0..255 (a 28x28 raster, 255 = ink), run
/// through the core's raster path; `{"estimated": null}` when it holds no digit (empty, too
/// little ink, or a dash).
async fn estimate(State(st): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let body = read_json_body(st.limits.body_limit, req).await?;
    let r = match plain_estimate(&body) {
        Some(input) => EstimateRequest { input },
        None => parse_json(&body)?,
    };
    if r.input.len() != INPUT {
        return Err(ApiError::unprocessable(format!(
            "`input` must have {INPUT} values, got {}",
            r.input.len()
        )));
    }
    let image = raster_image(SIDE as f64, SIDE as f64, &r.input, 255.0)?;
    let digit = match &image {
        Some(x) => Some(st.model.predict(x)?.digit),
        None => None,
    };
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "estimated": digit }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hint about NaN and Infinity comes with an error at one of them, and
    /// only then: not for another mistake in a body that has the word elsewhere.
    #[test]
    fn the_nan_hint_names_the_literal_the_parser_stopped_at() {
        let hint = "(NaN and Infinity are not valid JSON)";
        let message = |body: &str| {
            let e = parse_json::<serde_json::Value>(body.as_bytes()).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{body}");
            e.message
        };
        for body in [
            r#"{"width": NaN}"#,
            r#"{"width": Infinity, "height": 280}"#,
            r#"{"width": -Infinity}"#,
            r#"{"width": +Infinity}"#,
            "{\"strokes\": [[[1, 2],\n  [NaN, 3]]]}",
            "[NaN]",
        ] {
            assert!(message(body).ends_with(hint), "{body}: {}", message(body));
        }
        for body in [
            r#"{"label": "NaN", "width": }"#,
            r#"{"NaN": 1,}"#,
            "{\"note\": \"Infinity\",\n \"width\": 280 \"height\": 280}",
            r#"{"width": Nan}"#,
        ] {
            let m = message(body);
            assert!(
                m.starts_with("malformed JSON: ") && !m.contains(hint),
                "{body}: {m}"
            );
        }
    }

    /// `PredictResponse::to_json` writes exactly what serde_json writes.
    #[test]
    fn predict_json_is_serde_json() {
        let mut x = [0.0f32; INPUT];
        let specials = [
            -0.0,
            1.0,
            0.5,
            1e-7,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            0.1,
            1.0 / 3.0,
            f32::NAN,
            f32::INFINITY,
        ];
        for (i, v) in x.iter_mut().enumerate() {
            *v = match i % 9 {
                0 => specials[(i / 9) % specials.len()],
                1 => i as f32 / 783.0,
                _ => 0.0,
            };
        }
        let p = [0.25f32, 0.0, 1e-30, 0.75, 0.0, 0.0, 0.0, 0.0, 0.0, f32::NAN];
        let answers = [
            PredictResponse {
                digit: Some(3),
                confidence: Some(0.75),
                probabilities: Some(&p),
                input28: Some(&x),
                elapsed_us: 123,
            },
            PredictResponse {
                digit: None,
                confidence: None,
                probabilities: None,
                input28: None,
                elapsed_us: 0,
            },
        ];
        for a in &answers {
            let resp = a.to_json();
            let body = futures_body(resp);
            assert_eq!(body, serde_json::to_vec(a).unwrap());
        }
    }

    /// The bytes of a response body (already in memory).
    fn futures_body(resp: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            use http_body_util::BodyExt;
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec()
        })
    }

    /// Where the fast path answers, it gives serde_json's values; everything
    /// else (which serde_json accepts or rejects with its own error) it
    /// leaves to serde_json.
    #[test]
    fn plain_estimate_agrees_with_serde() {
        let ints: Vec<String> = (0..784).map(|i| ((i * 37) % 256).to_string()).collect();
        let taken = [
            format!(r#"{{"input":[{}]}}"#, ints.join(",")),
            format!("{{ \"input\" :\n[ {} ]\t}}\r\n", ints.join(" , ")),
            r#"{"input":[]}"#.to_string(),
            r#"{"input":[0,999999999,7]}"#.to_string(),
        ];
        for body in &taken {
            let fast = plain_estimate(body.as_bytes()).expect("the fast path takes it");
            let slow: EstimateRequest = serde_json::from_str(body).unwrap();
            assert_eq!(fast.len(), slow.input.len());
            assert!(fast
                .iter()
                .zip(&slow.input)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        let left = [
            r#"{"input":[1.5]}"#,
            r#"{"input":[1e3]}"#,
            r#"{"input":[-1]}"#,
            r#"{"input":[01]}"#,
            r#"{"input":[1234567890]}"#,
            r#"{"input":[1,]}"#,
            r#"{"input":[1 2]}"#,
            r#"{"input":[1]"#,
            r#"{"input":[1]}x"#,
            r#"{"input":[1],"other":2}"#,
            r#"{"other":2,"input":[1]}"#,
            r#"{"input":"1"}"#,
            r#"{"input":null}"#,
            r#"[1, 2"#,
            "",
        ];
        for body in left {
            assert_eq!(plain_estimate(body.as_bytes()), None, "{body}");
        }
    }
}
