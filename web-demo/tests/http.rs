//! HTTP integration tests: a real server on an ephemeral loopback port, spoken
//! to with raw HTTP/1.1 so every byte (and every stall) is under the test's
//! control. Answers are checked against `nnet-core` called directly, so the
//! tests hold with any valid 784-300-10 model.
use std::net::SocketAddr;
use std::time::Duration;

use nnet_core::ink::Strokes;
use nnet_core::{preprocess, INPUT};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use web_demo::{AppState, Limits, Model};

/// Upper bound on any single network wait, so a broken server fails the test instead of hanging it.
const GUARD: Duration = Duration::from_secs(20);

async fn start(limits: Limits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = AppState::new(Model::embedded().unwrap());
    state.limits = limits;
    tokio::spawn(web_demo::serve(listener, state));
    addr
}

async fn start_default() -> SocketAddr {
    start(Limits::default()).await
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Sends raw bytes on a fresh connection and reads until the server closes it.
async fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("server did not answer")
        .unwrap();
    parse_response(&buf)
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    ctype: Option<&str>,
    body: &[u8],
) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = ctype {
        req.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes).await
}

async fn get(addr: SocketAddr, path: &str) -> Resp {
    send(addr, "GET", path, None, b"").await
}

async fn post_json(addr: SocketAddr, path: &str, body: &str) -> Resp {
    send(
        addr,
        "POST",
        path,
        Some("application/json"),
        body.as_bytes(),
    )
    .await
}

fn assert_json_error(r: &Resp, status: u16, what: &str) {
    assert_eq!(
        r.status,
        status,
        "{what}: body {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{what}: errors are JSON"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    let v = r.json();
    let msg = v["error"].as_str().unwrap_or_else(|| panic!("{what}: {v}"));
    assert!(!msg.is_empty(), "{what}: empty error message");
    assert_eq!(
        v.as_object().unwrap().len(),
        1,
        "{what}: only an error field"
    );
}

fn floats(v: &Value) -> Vec<f32> {
    serde_json::from_value(v.clone()).unwrap()
}

/// A "7": top bar and a diagonal, drawn on a 300x300 surface.
fn seven() -> Vec<Vec<[f32; 2]>> {
    vec![
        vec![[80.0, 70.0], [150.0, 68.0], [220.0, 70.0]],
        vec![[220.0, 70.0], [180.0, 150.0], [140.0, 240.0]],
    ]
}

fn expected_for_ink(strokes: &[Vec<[f32; 2]>], w: f32, h: f32) -> Option<nnet_core::Image> {
    let mut ink: Strokes = Strokes::new();
    for s in strokes {
        ink.push_stroke(s).unwrap();
    }
    preprocess::from_strokes(&ink, w, h).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_model_and_page() {
    let addr = start_default().await;
    let r = get(addr, "/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "ok"}));

    let r = get(addr, "/api/model").await;
    assert_eq!(r.status, 200);
    let m = r.json();
    let info = Model::embedded().unwrap().info().clone();
    assert_eq!(m["input"], 784);
    assert_eq!(m["hidden"], 300);
    assert_eq!(m["output"], 10);
    assert_eq!(m["weight_type"], "f32");
    assert_eq!(m["activation"], "sigmoid");
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["sha256"], info.sha256.as_str());
    assert_eq!(m["source"], "embedded");
    // the shipped model records its MNIST test accuracy, and the answer gives it as recorded
    let accuracy = info
        .test_accuracy
        .expect("the shipped model records its test accuracy");
    // (written as the shortest decimal that reads back as the same f32)
    assert_eq!(
        m["test_accuracy"].as_f64().map(|a| a as f32),
        Some(accuracy)
    );

    let r = get(addr, "/").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.header("content-security-policy").is_some());
    let page = String::from_utf8(r.body).unwrap();
    assert!(page.contains("<canvas id=\"pad\""));
    assert!(page.contains("aria-live"));
    assert!(page.contains("touch-action: none"));
    // self-contained: nothing loaded from another host
    for needle in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "@import",
        "url(http",
    ] {
        assert!(
            !page.contains(needle),
            "page loads an external resource: {needle}"
        );
    }

    // HEAD works like GET without a body
    let r = send(addr, "HEAD", "/healthz", None, b"").await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_info_for_a_loaded_file_hashes_its_bytes() {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(env!("NNET_MODEL_PATH")).unwrap();
    let model = Model::from_bytes(&bytes, "some/path.nnet").unwrap();
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(model.info().sha256, hex);
    assert_eq!(model.info().source, "some/path.nnet");
    assert_eq!(model.info().file_bytes, bytes.len());
    // a file loaded by path is named without its directory, which stays on the server
    let dir = std::env::temp_dir().join(format!("web-demo-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.nnet");
    std::fs::write(&path, &bytes).unwrap();
    let loaded = Model::load(&path);
    std::fs::remove_dir_all(&dir).unwrap();
    let loaded = loaded.unwrap();
    assert_eq!(loaded.info().source, "mine.nnet");
    assert_eq!(loaded.info().sha256, hex);
    let err = Model::load(&dir.join("gone.nnet")).unwrap_err().to_string();
    assert!(err.contains(&dir.display().to_string()), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predict_ink_runs_the_core_stroke_path() {
    let addr = start_default().await;
    let strokes = seven();
    let body = json!({"width": 300, "height": 300, "strokes": strokes}).to_string();
    let r = post_json(addr, "/api/predict", &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();

    let image = expected_for_ink(&strokes, 300.0, 300.0).expect("a 7 is a digit");
    let model = Model::embedded().unwrap();
    let p = model.net().predict(&image).unwrap();
    assert_eq!(
        floats(&v["input28"]),
        image.to_vec(),
        "input28 is the core's image"
    );
    assert_eq!(v["digit"], p.digit);
    assert_eq!(floats(&v["probabilities"]), p.probabilities.to_vec());
    assert_eq!(v["confidence"].as_f64().unwrap() as f32, p.confidence());
    let sum: f32 = p.probabilities.iter().sum();
    assert!((sum - 1.0).abs() < 1e-4);
    assert!(v["elapsed_us"].is_u64());

    // an ink record with a label is accepted too (the label is ignored)
    let labelled = json!({"label": 7, "width": 300, "height": 300, "strokes": strokes}).to_string();
    let r2 = post_json(addr, "/api/predict", &labelled).await;
    assert_eq!(r2.json()["probabilities"], v["probabilities"]);

    // numbers are read as the page's JSON.parse reads them (the nearest f64, then f32):
    // one with more digits than a u64 holds, where a faster parser is a step off
    let tricky = "100.000003814697272730427357601001858711242675781251";
    let body =
        format!(r#"{{"width":280,"height":280,"strokes":[[[60,60],[220,60],[{tricky},240]]]}}"#);
    let x = tricky.parse::<f64>().unwrap() as f32;
    let image = expected_for_ink(
        &[vec![[60.0, 60.0], [220.0, 60.0], [x, 240.0]]],
        280.0,
        280.0,
    )
    .expect("a 7 is a digit");
    let r = post_json(addr, "/api/predict", &body).await;
    assert_eq!(floats(&r.json()["input28"]), image.to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_drawings_and_dashes_are_no_digit() {
    let addr = start_default().await;
    let mut dash = vec![0.0; 28 * 28];
    dash[14 * 28 + 4..14 * 28 + 24].fill(1.0);
    for body in [
        json!({"width": 280, "height": 280, "strokes": []}),
        json!({"width": 280, "height": 280, "strokes": [[], []]}),
        json!({"width": 280, "height": 280, "strokes": [[[60, 140], [220, 150]]]}),
        json!({"width": 28, "height": 28, "pixels": dash}),
        json!({"width": 28, "height": 28, "pixels": vec![0.0; INPUT]}),
    ] {
        let r = post_json(addr, "/api/predict", &body.to_string()).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["digit"], Value::Null, "{body}");
        assert_eq!(v["confidence"], Value::Null);
        assert_eq!(v["probabilities"], Value::Null);
        assert_eq!(v["input28"], Value::Null);
    }
    let zeros = json!({"input": vec![0; INPUT]}).to_string();
    let r = post_json(addr, "/estimate", &zeros).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"estimated": null}));
}

/// A 40x30 raster with a thick vertical bar (ink 1.0) and some grey.
fn raster() -> (usize, usize, Vec<f32>) {
    let (w, h) = (40, 30);
    let px = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            if (18..23).contains(&x) && (3..27).contains(&y) {
                1.0
            } else if x == 23 && (3..27).contains(&y) {
                0.5
            } else {
                0.0
            }
        })
        .collect();
    (w, h, px)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predict_raster_and_classic_estimate_run_the_core_raster_path() {
    let addr = start_default().await;
    let model = Model::embedded().unwrap();
    let (w, h, px) = raster();
    let body = json!({"width": w, "height": h, "pixels": px}).to_string();
    let r = post_json(addr, "/api/predict", &body).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    let image = preprocess::from_raster(&px, w, h).unwrap().unwrap();
    assert_eq!(floats(&v["input28"]), image.to_vec());
    assert_eq!(v["digit"], model.net().predict(&image).unwrap().digit);

    // the classic API: 784 values 0..255, answered with the raster path on 28x28
    let input: Vec<u32> = (0..INPUT)
        .map(|i| {
            let (x, y) = (i % 28, i / 28);
            if (6..22).contains(&x) && (y == 6 || x + y == 27) {
                255
            } else {
                0
            }
        })
        .collect();
    let r = post_json(addr, "/estimate", &json!({ "input": input }).to_string()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let scaled: Vec<f32> = input.iter().map(|&v| v as f32 / 255.0).collect();
    let image = preprocess::from_raster(&scaled, 28, 28).unwrap().unwrap();
    let digit = model.net().predict(&image).unwrap().digit;
    assert_eq!(r.json(), json!({ "estimated": digit }));
    // fractional values and a charset parameter are fine
    let mut input: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
    input[0] = 12.5;
    let r = send(
        addr,
        "POST",
        "/estimate",
        Some("application/json; charset=utf-8"),
        json!({ "input": input }).to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
}

/// The limits hold at their edges: exactly `MAX_POINTS` points, `MAX_STROKES` strokes and a
/// `MAX_SIDE` surface are answered (the page sends drawings up to them when the server
/// answers for it), one more point, stroke or half pixel is 422.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_input_limits_hold_at_their_edges() {
    use web_demo::api::{MAX_POINTS, MAX_SIDE, MAX_STROKES};
    let addr = start_default().await;
    let stroke = |n: usize| -> Vec<[f32; 2]> {
        (0..n)
            .map(|i| [(i % 280) as f32, (i / 280 * 20) as f32])
            .collect()
    };
    let dots = |n: usize| -> Vec<Vec<[f32; 2]>> {
        (0..n)
            .map(|i| vec![[(i * 4) as f32, 100.0], [(i * 4) as f32, 140.0]])
            .collect()
    };
    let ink = |w: f64, strokes: &Vec<Vec<[f32; 2]>>| {
        json!({"width": w, "height": 280, "strokes": strokes}).to_string()
    };
    for (body, status, what) in [
        (
            ink(280.0, &vec![stroke(MAX_POINTS)]),
            200,
            "MAX_POINTS points",
        ),
        (
            ink(280.0, &vec![stroke(MAX_POINTS + 1)]),
            422,
            "one point more",
        ),
        (ink(280.0, &dots(MAX_STROKES)), 200, "MAX_STROKES strokes"),
        (ink(280.0, &dots(MAX_STROKES + 1)), 422, "one stroke more"),
        (ink(MAX_SIDE, &seven()), 200, "a MAX_SIDE surface"),
        (ink(MAX_SIDE + 0.5, &seven()), 422, "half a pixel more"),
    ] {
        let r = post_json(addr, "/api/predict", &body).await;
        assert_eq!(
            r.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_class_of_bad_input_is_a_json_error() {
    let addr = start(Limits {
        body_limit: 64 * 1024,
        ..Limits::default()
    })
    .await;
    let ink = |extra: Value| {
        let mut v = json!({"width": 280, "height": 280, "strokes": [[[10, 10], [100, 100]]]});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v.to_string()
    };
    let many_points: Vec<[f32; 2]> = (0..2049).map(|i| [(i % 280) as f32, 5.0]).collect();
    let many_strokes: Vec<Vec<[f32; 2]>> = (0..65).map(|i| vec![[i as f32, 5.0]]).collect();
    let zeros = |n: usize| vec![0; n];
    let mut big_pixel = vec![0.0f64; 784];
    big_pixel[3] = 256.0;
    let cases: Vec<(&str, String, u16, &str)> = vec![
        // malformed JSON → 400 (NaN and Infinity are not JSON)
        (
            "/api/predict",
            "{\"width\": 280,".into(),
            400,
            "truncated JSON",
        ),
        ("/api/predict", "".into(), 400, "empty body"),
        (
            "/api/predict",
            "{} trailing".into(),
            400,
            "trailing garbage",
        ),
        (
            "/api/predict",
            r#"{"width": NaN, "height": 280, "strokes": []}"#.into(),
            400,
            "NaN literal",
        ),
        (
            "/api/predict",
            r#"{"width": Infinity, "height": 280, "strokes": []}"#.into(),
            400,
            "Infinity literal",
        ),
        ("/estimate", "[1, 2".into(), 400, "estimate truncated"),
        // well-formed JSON of the wrong shape or with bad values → 422
        // (1e999 is valid JSON syntax, but its value is infinite)
        (
            "/api/predict",
            r#"{"width": 1e999, "height": 280, "strokes": []}"#.into(),
            422,
            "1e999",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": [[[5, 1]]]})).replace("[5,1]", "[5,-1e999]"),
            422,
            "-1e999 coordinate",
        ),
        ("/api/predict", "[]".into(), 422, "array instead of object"),
        (
            "/api/predict",
            r#"{"height": 280, "strokes": []}"#.into(),
            422,
            "missing width",
        ),
        (
            "/api/predict",
            r#"{"width": 280, "height": 280}"#.into(),
            422,
            "neither strokes nor pixels",
        ),
        (
            "/api/predict",
            ink(json!({"pixels": [0.0]})),
            422,
            "both strokes and pixels",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": "abc"})),
            422,
            "strokes of the wrong type",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": [[[1, 2, 3]]]})),
            422,
            "point with 3 coordinates",
        ),
        (
            "/api/predict",
            ink(json!({"width": -5})),
            422,
            "negative width",
        ),
        ("/api/predict", ink(json!({"width": 0})), 422, "zero width"),
        (
            "/api/predict",
            ink(json!({"height": 1e300})),
            422,
            "huge height",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": [[[1e300, 5]]]})),
            422,
            "huge coordinate",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": [[[5, -100000]]]})),
            422,
            "far outside",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": [many_points]})),
            422,
            "too many points",
        ),
        (
            "/api/predict",
            ink(json!({"strokes": many_strokes})),
            422,
            "too many strokes",
        ),
        (
            "/api/predict",
            json!({"width": 28, "height": 28, "pixels": zeros(783)}).to_string(),
            422,
            "raster too short",
        ),
        (
            "/api/predict",
            json!({"width": 28.5, "height": 28, "pixels": zeros(784)}).to_string(),
            422,
            "fractional raster width",
        ),
        (
            "/api/predict",
            json!({"width": 600, "height": 600, "pixels": [0]}).to_string(),
            422,
            "raster too large",
        ),
        (
            "/api/predict",
            json!({"width": 2, "height": 1, "pixels": [0.5, 1.5]}).to_string(),
            422,
            "pixel above 1",
        ),
        (
            "/api/predict",
            json!({"width": 2, "height": 1, "pixels": [-0.1, 0.5]}).to_string(),
            422,
            "negative pixel",
        ),
        (
            "/api/predict",
            json!({"width": 2, "height": 1, "pixels": [1e300, 0.5]}).to_string(),
            422,
            "huge pixel",
        ),
        // an array with the fields in order is no request either (serde would take it)
        (
            "/api/predict",
            "[280, 280, [[[100, 50], [150, 60], [160, 200]]], null]".to_string(),
            422,
            "ink as an array",
        ),
        (
            "/estimate",
            json!([zeros(784)]).to_string(),
            422,
            "estimate as an array",
        ),
        (
            "/estimate",
            json!({"input": zeros(783)}).to_string(),
            422,
            "estimate 783 values",
        ),
        (
            "/estimate",
            json!({"input": zeros(785)}).to_string(),
            422,
            "estimate 785 values",
        ),
        (
            "/estimate",
            json!({"input": big_pixel}).to_string(),
            422,
            "estimate value 256",
        ),
        (
            "/estimate",
            json!({"input": "x"}).to_string(),
            422,
            "estimate input not a list",
        ),
        (
            "/estimate",
            json!({"pixels": zeros(784)}).to_string(),
            422,
            "estimate missing input",
        ),
    ];
    for (path, body, status, what) in &cases {
        let r = post_json(addr, path, body).await;
        assert_json_error(&r, *status, what);
    }
    // the messages say what is wrong with this body, and only that
    for (body, says, not) in [
        ("", "the body is empty", "NaN"),
        ("{\"width\": 280,", "malformed JSON: EOF", "NaN"),
        (
            r#"{"width": NaN}"#,
            "NaN and Infinity are not valid JSON",
            "empty",
        ),
        (
            "[280, 280, []]",
            "the body must be a JSON object",
            "sequence",
        ),
        (
            r#"{"width": 280, "height": 280, "strokes": [[[10, 10, 5], [20, 20]]]}"#,
            "a point has two numbers, [x, y]",
            "trailing",
        ),
        // JSON is UTF-8: a byte that is not is malformed JSON
        (
            "{\"width\": 280, \"label\": \"\u{fffd}\"}",
            "malformed JSON: the body is not UTF-8 (at byte 25)",
            "invalid request",
        ),
        // a size that is 0 for the core's f32 arithmetic, said short
        (
            r#"{"width": 1e-300, "height": 280, "strokes": [[[0, 0], [0, 50]]]}"#,
            "`width` must be a number in (0, 4096] (1e-300 is 0 as a 32-bit float)",
            "raster",
        ),
    ] {
        // U+FFFD stands for a byte 0xFF, which no &str holds
        let bytes = body.replace('\u{fffd}', "\u{1}").into_bytes();
        let bytes: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == 1 { 0xff } else { b })
            .collect();
        let r = send(
            addr,
            "POST",
            "/api/predict",
            Some("application/json"),
            &bytes,
        )
        .await;
        let text = String::from_utf8_lossy(&r.body);
        assert!(text.contains(says) && !text.contains(not), "{body}: {text}");
        assert!(r.status == 400 || r.status == 422, "{body}: {}", r.status);
    }

    // the client's text comes back in a message at most 200 characters long
    let long = format!("<script>{}", "A".repeat(30_000));
    let r = post_json(addr, "/api/predict", &ink(json!({ "width": long }))).await;
    assert_json_error(&r, 422, "a string for the width");
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        msg.len() < 260 && msg.ends_with('…'),
        "{} bytes: {msg}",
        msg.len()
    );
    let r = post_json(addr, "/api/predict", &format!("{{\"width\": \"{long}")).await;
    assert_json_error(&r, 400, "an unterminated string");
    assert!(r.body.len() < 300, "{}", String::from_utf8_lossy(&r.body));

    // content type → 415
    let body = ink(json!({}));
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = send(addr, "POST", "/api/predict", ct, body.as_bytes()).await;
        assert_json_error(&r, 415, &format!("content type {ct:?}"));
        let r = send(addr, "POST", "/estimate", ct, b"{}").await;
        assert_json_error(&r, 415, &format!("estimate content type {ct:?}"));
    }

    // a compressed body → 415 naming its coding, with the codings the server reads; identity is read
    let plain = ink(json!({}));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, plain.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    for (path, coding, body) in [
        ("/api/predict", "gzip", &gz[..]),
        ("/estimate", "gzip", &gz[..]),
        ("/api/predict", "identity, br", plain.as_bytes()),
    ] {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n\
             Content-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        let r = raw(addr, &req).await;
        assert_json_error(&r, 415, &format!("{path} with Content-Encoding: {coding}"));
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(
            msg.contains(&format!("Content-Encoding: {coding}")),
            "{msg}"
        );
        assert_eq!(r.header("accept-encoding"), Some("identity"), "{path}");
    }
    let req = format!(
        "POST /api/predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Encoding: Identity\r\nContent-Length: {}\r\n\r\n{plain}",
        plain.len()
    );
    let r = raw(addr, req.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // compressed as a transfer coding → 501 naming it (it was read as JSON, "not UTF-8")
    let mut req = format!(
        "POST /estimate HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: gzip, chunked\r\n\r\n{:x}\r\n",
        gz.len()
    )
    .into_bytes();
    req.extend_from_slice(&gz);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    let r = raw(addr, &req).await;
    assert_json_error(&r, 501, "Transfer-Encoding: gzip");
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("Transfer-Encoding: gzip, chunked"), "{msg}");
    // pixels are checked as the core (and the page's WebAssembly) checks them, in f32
    for pixel in ["1.00000001", "-1e-50"] {
        let body = format!(r#"{{"width":2,"height":2,"pixels":[0,{pixel},0,0]}}"#);
        let r = post_json(addr, "/api/predict", &body).await;
        assert_eq!(
            r.status,
            200,
            "pixel {pixel}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    // a label is ignored whatever it holds
    for label in ["1e999", &format!("{}1{}", "[".repeat(200), "]".repeat(200))] {
        let body = format!(
            "{{\"width\":280,\"height\":280,\"strokes\":[[[60,60],[220,60],[100,240]]],\"label\":{label}}}"
        );
        let r = post_json(addr, "/api/predict", &body).await;
        assert_eq!(
            r.status,
            200,
            "label {}: {}",
            &label[..label.len().min(8)],
            String::from_utf8_lossy(&r.body)
        );
    }

    // body over the limit → 413: declared by Content-Length ...
    let huge = format!("{{\"input\": [{}0]}}", "0,".repeat(40_000));
    let r = post_json(addr, "/estimate", &huge).await;
    assert_json_error(&r, 413, "content-length over the limit");
    // on a kept-alive connection too, which the 413 closes (the body is not read)
    let r = raw(
        addr,
        b"POST /estimate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{",
    )
    .await;
    assert_json_error(&r, 413, "declared body over the limit, keep-alive");
    assert_eq!(r.header("connection"), Some("close"));
    // ... or discovered while reading a chunked body
    let chunk = vec![b' '; 70 * 1024];
    let mut req = b"POST /api/predict HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
    req.extend_from_slice(&chunk);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    let r = raw(addr, &req).await;
    assert_json_error(&r, 413, "chunked body over the limit");

    // routes and methods
    assert_json_error(&get(addr, "/nope").await, 404, "unknown route");
    assert_json_error(&get(addr, "/api/predict").await, 405, "GET on a POST route");
    let r = send(addr, "DELETE", "/healthz", None, b"").await;
    assert_json_error(&r, 405, "DELETE on a GET route");
    assert!(r.header("allow").is_some(), "405 names the allowed methods");

    // the server is still healthy after all that, and says its answers' types are meant
    let r = get(addr, "/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));

    // a client that shuts its sending side after the request still gets the answer
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    s.shutdown().await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("server did not answer")
        .unwrap();
    assert_eq!(parse_response(&buf).status, 200, "half-closed client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_get_consistent_answers() {
    let addr = start_default().await;
    let ink_body = json!({"width": 300, "height": 300, "strokes": seven()}).to_string();
    let reference = post_json(addr, "/api/predict", &ink_body).await.json();
    let input: Vec<u32> = (0..INPUT)
        .map(|i| if (12..16).contains(&(i % 28)) { 255 } else { 0 })
        .collect();
    let est_body = json!({ "input": input }).to_string();
    let est_reference = post_json(addr, "/estimate", &est_body).await.json();

    let mut tasks = Vec::new();
    for t in 0..48 {
        let (ink_body, est_body) = (ink_body.clone(), est_body.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..8 {
                let r = if (t + i) % 2 == 0 {
                    post_json(addr, "/api/predict", &ink_body).await
                } else {
                    post_json(addr, "/estimate", &est_body).await
                };
                assert_eq!(r.status, 200);
                out.push(((t + i) % 2 == 0, r.json()));
            }
            out
        }));
    }
    let mut n = 0;
    for t in tasks {
        for (is_ink, mut v) in t.await.unwrap() {
            if is_ink {
                v["elapsed_us"] = reference["elapsed_us"].clone();
                assert_eq!(v, reference);
            } else {
                assert_eq!(v, est_reference);
            }
            n += 1;
        }
    }
    assert_eq!(n, 48 * 8);

    // keep-alive: several requests on one connection
    let mut s = TcpStream::connect(addr).await.unwrap();
    for _ in 0..3 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !got.ends_with(b"{\"status\":\"ok\"}") {
            let n = tokio::time::timeout(GUARD, s.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "connection closed early");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"));
    }
}

/// Reads until the peer closes; returns what arrived before. An error (reset) counts as closed.
async fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(GUARD, s.read_to_end(&mut buf))
        .await
        .expect("the stalled connection was never cut off");
    buf
}

/// Clients that stop reading their answers (answers pipelined behind a full window)
/// are cut off once nothing moves for the request timeout: with every connection slot
/// held by such clients, the server answers again after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_are_cut_off() {
    let addr = start(Limits {
        request_timeout: Duration::from_millis(1000),
        max_connections: 2,
        ..Limits::default()
    })
    .await;
    let requests = b"GET /api/model/file HTTP/1.1\r\nHost: t\r\n\r\n".repeat(20);
    let mut readers = Vec::new();
    for _ in 0..2 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut s = socket.connect(addr).await.unwrap();
        s.write_all(&requests).await.unwrap();
        readers.push(s); // never read
    }
    // both slots are held by clients that do not read; a third is answered once they are cut off
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(GUARD, get(addr, "/healthz"))
        .await
        .expect("the server never answered again: clients that stop reading hold its slots");
    assert_eq!(r.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "answered before the slots were freed?"
    );
    drop(readers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_do_not_block_others_and_are_cut_off() {
    let addr = start(Limits {
        header_timeout: Duration::from_millis(1500),
        request_timeout: Duration::from_millis(1500),
        ..Limits::default()
    })
    .await;
    // half a request line and headers, then silence
    let mut half_headers = TcpStream::connect(addr).await.unwrap();
    half_headers
        .write_all(b"POST /api/predict HTTP/1.1\r\nHost: t\r\nContent-Le")
        .await
        .unwrap();
    // complete headers, half the body, then silence
    let mut half_body = TcpStream::connect(addr).await.unwrap();
    half_body
        .write_all(b"POST /estimate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\": [0, 0,")
        .await
        .unwrap();
    // connected, nothing sent
    let mut silent = TcpStream::connect(addr).await.unwrap();

    // meanwhile other clients are served, before any stalled one is dropped
    for _ in 0..5 {
        let r = post_json(
            addr,
            "/api/predict",
            &json!({"width": 300, "height": 300, "strokes": seven()}).to_string(),
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let mut probe = [0u8; 1];
    for s in [&mut half_headers, &mut half_body, &mut silent] {
        let still_open = tokio::time::timeout(Duration::from_millis(1), s.peek(&mut probe)).await;
        assert!(
            still_open.is_err(),
            "stalled connections are still open while others are served"
        );
    }

    // then every stalled connection is closed by the server
    let got = read_until_closed(&mut half_body).await;
    let r = parse_response(&got);
    assert_json_error(&r, 408, "stalled body");
    read_until_closed(&mut half_headers).await;
    let got = read_until_closed(&mut silent).await;
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(get(addr, "/healthz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_stops_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(Model::embedded().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web_demo::serve_with_shutdown(listener, state, async {
        let _ = rx.await;
    }));
    assert_eq!(get(addr, "/healthz").await.status, 200);
    tx.send(()).unwrap();
    tokio::time::timeout(GUARD, server)
        .await
        .expect("server did not stop")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
}
