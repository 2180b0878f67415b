//! The page, its WebAssembly module and the model file over HTTP (validators,
//! gzip, 304), and the static build written by `web-demo export`.
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use tower::ServiceExt;
use web_demo::assets::{EXPORT_FILES, WASM};
use web_demo::{app, AppState, Model};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn get(state: &AppState, path: &str, headers: &[(header::HeaderName, &str)]) -> Response {
    request(state, Request::get(path), headers).await
}

async fn request(
    state: &AppState,
    mut req: axum::http::request::Builder,
    headers: &[(header::HeaderName, &str)],
) -> Response {
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    app(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body(resp: Response) -> Vec<u8> {
    to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec()
}

fn gunzip(z: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(z)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Plain, gzip and conditional GETs of one file.
async fn check_file(state: &AppState, path: &str, content_type: &str, expected: &[u8]) -> String {
    let resp = get(state, path, &[]).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let h = resp.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], content_type, "{path}");
    assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{path}");
    assert!(h.get(header::CONTENT_ENCODING).is_none(), "{path}");
    let etag = h[header::ETAG].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "{etag}"
    );
    assert_eq!(body(resp).await, expected, "{path}: the bytes");

    let resp = get(
        state,
        path,
        &[(header::ACCEPT_ENCODING, "gzip, deflate, br")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip");
    // other bytes, another strong tag
    let gz_etag = format!("{}-gz\"", etag.trim_end_matches('"'));
    assert_eq!(resp.headers()[header::ETAG], gz_etag.as_str());
    assert_eq!(resp.headers()[header::VARY], "Accept-Encoding");
    let z = body(resp).await;
    assert!(z.len() < expected.len(), "{path}: compressed");
    assert_eq!(gunzip(&z), expected, "{path}: gzip round trip");
    let gz = (header::ACCEPT_ENCODING, "gzip");
    let resp = get(
        state,
        path,
        &[gz.clone(), (header::IF_NONE_MATCH, &gz_etag)],
    )
    .await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_MODIFIED,
        "{path}: gzip revalidated"
    );
    // a tag of one encoding does not validate the other
    let resp = get(state, path, &[gz, (header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let resp = get(state, path, &[(header::IF_NONE_MATCH, &gz_etag)]).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");

    let resp = get(state, path, &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED, "{path}");
    assert_eq!(resp.headers()[header::ETAG], etag.as_str());
    assert!(body(resp).await.is_empty());
    // a HEAD's 304 gives the length of what a 200 would send, never 0 (RFC 9110, 8.6)
    let plain = [(header::IF_NONE_MATCH, etag.as_str())];
    let gzipped = [
        (header::ACCEPT_ENCODING, "gzip"),
        (header::IF_NONE_MATCH, gz_etag.as_str()),
    ];
    for (hs, len) in [(&plain[..], expected.len()), (&gzipped[..], z.len())] {
        let resp = request(state, Request::head(path), hs).await;
        assert_eq!(resp.status(), StatusCode::NOT_MODIFIED, "{path}: HEAD");
        let n = resp.headers()[header::CONTENT_LENGTH].to_str().unwrap();
        assert_eq!(n, len.to_string(), "{path}: HEAD");
        assert!(body(resp).await.is_empty());
    }
    let resp = get(state, path, &[(header::IF_NONE_MATCH, "\"0123\"")]).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}: another tag");
    etag
}

#[tokio::test]
async fn module_and_model_file_are_served_with_validators() {
    for model in [
        Model::embedded().unwrap(),
        Model::load(&root().join("models/mnist-mlp-i8.nnet")).unwrap(),
    ] {
        let file = model.file().to_vec();
        let sha = model.info().sha256.clone();
        let state = AppState::new(model);
        assert_eq!(&WASM[..4], b"\0asm");
        let wasm_tag = check_file(&state, "/nnet.wasm", "application/wasm", WASM).await;
        let tag = check_file(&state, "/api/model/file", "application/octet-stream", &file).await;
        assert_eq!(
            tag,
            format!("\"{}\"", &sha[..32]),
            "the model's tag is its SHA-256"
        );
        assert_ne!(tag, wasm_tag);
        let page = web_demo::api::INDEX_HTML.as_bytes();
        let page_tag = check_file(&state, "/", "text/html; charset=utf-8", page).await;
        assert_ne!(page_tag, wasm_tag);
        // the page's name in the static build is the page too
        let html_tag = check_file(&state, "/index.html", "text/html; charset=utf-8", page).await;
        assert_eq!(html_tag, page_tag);
        // the page may compile WebAssembly, and only that; no other site frames it
        for path in ["/", "/index.html"] {
            let page = get(&state, path, &[]).await;
            let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap();
            assert!(
                csp.contains("'wasm-unsafe-eval'") && !csp.contains("'unsafe-eval'"),
                "{csp}"
            );
            assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        }
    }
}

/// Asserts that a run succeeded, with its stderr as the message when it did not.
fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A case only root can set up (an immutable file, a run as another user) that this
/// machine could not: said, and a failure where `required` (`NNET_REQUIRE_IMMUTABLE`,
/// `NNET_REQUIRE_NOBODY`) is `1` (scripts/test sets each where this machine lets root set
/// the case up).
#[cfg(unix)]
fn not_tried(required: &str, why: &str) {
    let must = std::env::var(required).is_ok_and(|v| v == "1");
    assert!(!must, "{why}, and {required}=1 requires it");
    eprintln!("{why}: not tried");
}

#[test]
fn export_writes_the_page_module_and_model() {
    let dir = std::env::temp_dir().join(format!("web-demo-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let model = root().join("models/mnist-mlp-i8.nnet");
    let out = Command::new(env!("CARGO_BIN_EXE_web-demo"))
        .args([
            "export",
            dir.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("int8 weights"));
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    // the served page with the static mark after <head>, then its own copies of the module
    // and the model file, and nothing else changed
    let page = String::from_utf8(read("index.html")).unwrap();
    let model_bytes = std::fs::read(&model).unwrap();
    assert_eq!(page, web_demo::assets::static_index_html(&model_bytes));
    let mut blocks = Vec::new();
    let mut rest = page.replacen(&format!("\n{}", web_demo::assets::STATIC_MARK), "", 1);
    for id in web_demo::assets::INLINE_IDS {
        let start = format!("<script type=\"application/octet-stream\" id=\"{id}\">");
        let at = rest.find(&start).unwrap();
        // in the head, after the charset, which browsers look for in the first 1024 bytes
        assert!(at > rest.find("<meta charset=\"utf-8\">").unwrap());
        assert!(at < rest.find("</head>").unwrap());
        let len = rest[at..].find("</script>\n").unwrap() + "</script>\n".len();
        let text = rest[at + start.len()..at + len - "</script>\n".len()].to_string();
        use base64::Engine;
        blocks.push(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        );
        rest.replace_range(at..at + len, "");
    }
    assert_eq!(rest, web_demo::api::INDEX_HTML);
    assert_eq!(blocks, [WASM, model_bytes.as_slice()]);
    assert!(page.contains(&format!("<head>\n{}", web_demo::assets::STATIC_MARK)));
    assert_eq!(read("nnet.wasm"), WASM);
    assert_eq!(read("model.nnet"), std::fs::read(&model).unwrap());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected = EXPORT_FILES.map(String::from).to_vec();
    expected.sort();
    assert_eq!(names, expected);

    // `export ARGS` must fail with a message that says `says`
    let refused = |args: &[&str], says: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_web-demo"))
            .arg("export")
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "export {args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "export {args:?}: {err}");
    };
    // a directory that cannot be made, and a bad model, are clear errors
    let blocked = dir.join("index.html").join("sub");
    refused(
        &[blocked.to_str().unwrap()],
        &format!(
            "cannot write the static page into {}: {} is a file, not a directory",
            blocked.display(),
            dir.join("index.html").display()
        ),
    );
    // a file where the directory should be is named as such
    let file = dir.join("index.html");
    refused(
        &[file.to_str().unwrap()],
        "a file of that name is there; give a directory",
    );
    // a directory where one of the files goes: the file is named
    let other = dir.join("other");
    std::fs::create_dir_all(other.join("model.nnet")).unwrap();
    refused(&[other.to_str().unwrap()], "model.nnet: Is a directory");
    // and nothing else is written there
    assert!(!other.join("index.html").exists() && !other.join("nnet.wasm").exists());

    // a write that fails leaves the directory as it was: here over its own model file,
    // the --model it reads (a write past `ulimit -f`, in 512-byte blocks, fails with EFBIG:
    // web-demo ignores SIGXFSZ, which would otherwise end it with its partial files left)
    let exported = dir.join("model.nnet");
    let before: Vec<Vec<u8>> = EXPORT_FILES.iter().map(|n| read(n)).collect();
    std::fs::write(dir.join("index.html"), b"an earlier page").unwrap();
    let limited = |args: &[&str]| {
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -f 200; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_web-demo"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = limited(&[
        "--model",
        exported.to_str().unwrap(),
        "export",
        dir.to_str().unwrap(),
    ]);
    assert!(
        !out.status.success(),
        "a 241 kB model written under a 100 kB limit"
    );
    assert_eq!(read("model.nnet"), before[2], "the model it read is intact");
    assert_eq!(read("index.html"), b"an earlier page", "nothing replaced");
    assert_eq!(read("nnet.wasm"), before[1]);
    let mut left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".part"))
        .collect();
    left.sort();
    assert_eq!(left, Vec::<String>::new(), "partial files left behind");
    // and into a directory it had to make: the directories go too
    let new = dir.join("new");
    let out = limited(&["export", new.join("site").to_str().unwrap()]);
    assert!(!out.status.success(), "a 954 kB model under a 100 kB limit");
    assert!(!new.exists(), "{} left behind", new.display());
    // a link in the way is replaced, not written through
    let elsewhere = dir.join("elsewhere.html");
    std::fs::write(&elsewhere, b"not the page").unwrap();
    std::fs::remove_file(dir.join("index.html")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("index.html")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_web-demo"))
        .args(["export", dir.to_str().unwrap()])
        .output()
        .unwrap();
    succeeded(&out);
    assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not the page");
    assert!(!dir.join("index.html").is_symlink());
    assert_eq!(
        read("index.html"),
        web_demo::assets::static_index_html(web_demo::model::Model::embedded().unwrap().file())
            .as_bytes()
    );
    // a link to a directory too
    let a_dir = dir.join("a-dir");
    std::fs::create_dir(&a_dir).unwrap();
    std::fs::remove_file(dir.join("index.html")).unwrap();
    std::os::unix::fs::symlink(&a_dir, dir.join("index.html")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_web-demo"))
        .args(["export", dir.to_str().unwrap()])
        .output()
        .unwrap();
    succeeded(&out);
    assert!(!dir.join("index.html").is_symlink());
    assert_eq!(std::fs::read_dir(&a_dir).unwrap().count(), 0);
    std::fs::remove_dir(&a_dir).unwrap();
    // nor is one at the name of a file it writes first
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"not the page").unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ln -s \"$2\" \"$1/.index.html.$$.part\" && exec \"$0\" export \"$1\"")
        .arg(env!("CARGO_BIN_EXE_web-demo"))
        .args([&dir, &victim])
        .output()
        .unwrap();
    succeeded(&out);
    assert_eq!(std::fs::read(&victim).unwrap(), b"not the page");
    assert!(!dir.join("index.html").is_symlink());
    // a file there that may not be moved (immutable, where the file system and the user
    // can make it so): nothing replaced, not even the files before it
    std::fs::write(dir.join("index.html"), b"an earlier page").unwrap();
    let there: Vec<Vec<u8>> = EXPORT_FILES.iter().map(|n| read(n)).collect();
    let immutable = |flag: &str| {
        Command::new("chattr")
            .args([flag, dir.join("model.nnet").to_str().unwrap()])
            .status()
            .is_ok_and(|s| s.success())
    };
    if immutable("+i") {
        let out = Command::new(env!("CARGO_BIN_EXE_web-demo"))
            .args(["export", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(immutable("-i"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("model.nnet"), "{err}");
        for (name, was) in EXPORT_FILES.iter().zip(&there) {
            assert!(read(name) == *was, "{name} replaced");
        }
    } else {
        not_tried(
            "NNET_REQUIRE_IMMUTABLE",
            "chattr +i is not available here: the immutable case",
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "elsewhere.html",
            "index.html",
            "model.nnet",
            "nnet.wasm",
            "other",
            "victim.txt"
        ],
        "nothing left beside them"
    );
    refused(
        &[dir.to_str().unwrap(), "--model", "/nonexistent.nnet"],
        "cannot read model file",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A server option given with `export` is refused and nothing is written (it
/// used to be ignored); `--model` goes on either side of the subcommand.
#[test]
fn export_refuses_server_options() {
    let dir = std::env::temp_dir().join(format!("web-demo-export-opts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let export = |before: &[&str], after: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_web-demo"))
            .args(before)
            .args(["export", dir.to_str().unwrap()])
            .args(after)
            .output()
            .unwrap()
    };
    let none: &[&str] = &[];
    for (before, after, says) in [
        (
            &["--addr", "127.0.0.1:9"][..],
            none,
            "--addr is a server option",
        ),
        (
            &["--request-timeout", "5", "--max-connections", "3"][..],
            none,
            "--request-timeout and --max-connections are server options",
        ),
        // after the subcommand too, with the same explanation (not the parser's "unexpected
        // argument"); an option that is nobody's is still the parser's error
        (
            none,
            &["--addr", "127.0.0.1:9"][..],
            "--addr is a server option",
        ),
        (
            none,
            &["--body-limit=2048"][..],
            "--body-limit is a server option",
        ),
        (
            none,
            &["--no-such-option"][..],
            "unexpected argument '--no-such-option'",
        ),
    ] {
        let out = export(before, after);
        let err = String::from_utf8_lossy(&out.stderr);
        let args = [before, after].concat();
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // a mistake on the command line, whichever part of it finds it
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!dir.exists(), "{args:?} wrote {}", dir.display());
    }
    let model = root().join("models/mnist-mlp-i8.nnet");
    let out = export(&["--model", model.to_str().unwrap()], none);
    succeeded(&out);
    let written = std::fs::read(dir.join("model.nnet")).unwrap();
    assert_eq!(written, std::fs::read(&model).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Export into a sticky directory (as /tmp) as another user, over a file it may write but
/// not replace there: refused, and nothing left beside the file (a second link to it, which
/// that user could not remove again). Needs root, to run the export as `nobody`.
#[cfg(unix)]
#[test]
fn export_in_a_sticky_directory_leaves_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("web-demo-sticky-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let page = dir.join("index.html");
    std::fs::write(&page, b"another user's page").unwrap();
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o666)).unwrap();
    // a copy of the binary that nobody may run (the build's directory may be private)
    let bin = std::env::temp_dir().join(format!("web-demo-sticky-bin-{}", std::process::id()));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_web-demo"), bin.join("web-demo")).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin.join("web-demo"))
        .args(["export", dir.to_str().unwrap()])
        .output();
    std::fs::remove_dir_all(&bin).unwrap();
    let ran = out
        .as_ref()
        .is_ok_and(|o| !String::from_utf8_lossy(&o.stderr).contains("setpriv:"));
    if !ran {
        not_tried(
            "NNET_REQUIRE_NOBODY",
            "setpriv cannot run the export as nobody here (not root?)",
        );
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    }
    let out = out.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("index.html: Operation not permitted"),
        "{err}"
    );
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["index.html"], "left beside it");
    assert_eq!(std::fs::read(&page).unwrap(), b"another user's page");
    std::fs::remove_dir_all(&dir).unwrap();
}
