//! What the page loads besides itself, and the static build of the page.
//!
//! | route | what |
//! | --- | --- |
//! | `GET /`, `GET /index.html` | the page itself ([`INDEX_HTML`]), with its `Content-Security-Policy` |
//! | `GET /nnet.wasm` | the WebAssembly module (`web-demo/wasm`: `nnet-core` for the browser), built by `build.rs` |
//! | `GET /api/model/file` | the model file the server answers with, byte for byte |
//!
//! Each carries a strong `ETag` (from the SHA-256 of the bytes; the gzip
//! form's ends in `-gz`, since it is other bytes) and
//! `Cache-Control: no-cache`: a browser keeps its copy and revalidates it, and
//! a matching `If-None-Match` is answered `304 Not Modified` without a body.
//! Clients that accept gzip get the bytes gzip-compressed (compressed once,
//! on first use). [`export`] writes the page, the module and a model file as
//! plain files that any static file server can host, or a browser open as a
//! file (the page holds its own copies of the two).
use std::path::Path;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::api::{AppState, INDEX_HTML};
use crate::model::Model;

/// The page's WebAssembly module.
pub const WASM: &[u8] = include_bytes!(env!("NNET_WASM_PATH"));

/// File names of the static build (the page fetches them relative to itself).
pub const EXPORT_FILES: [&str; 3] = ["index.html", "nnet.wasm", "model.nnet"];

/// The routes of this module, merged into [`crate::app`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        // (its name in the static build, which a link or a bookmark may carry to the server)
        .route("/index.html", get(index))
        .route("/nnet.wasm", get(wasm))
        .route("/api/model/file", get(model_file))
}

/// gzip at the best compression level.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // writing into a Vec cannot fail
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// A strong entity tag: a quoted prefix of the SHA-256 in hex.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether `Accept-Encoding` takes gzip: gzip listed with a non-zero quality,
/// or, when gzip is not listed, `*` with one (RFC 9110, 12.5.3: `gzip;q=0`
/// refuses it whatever `*` says). Parameter names and codings are read
/// without regard to case.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let quality = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        let accepted = quality > 0.0;
        if coding.eq_ignore_ascii_case("gzip") {
            // listed twice: refused if either refuses
            gzip = Some(gzip.unwrap_or(true) && accepted);
        } else if coding == "*" {
            any = Some(any.unwrap_or(true) && accepted);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// The tag of the gzip-encoded form of the file tagged `etag`: a strong tag
/// names one sequence of bytes, so the two encodings have two tags.
fn gzip_etag(etag: &str) -> String {
    format!("{}-gz\"", etag.trim_end_matches('"'))
}

/// One file with validators and optional gzip; `head`: the request is a HEAD.
fn serve(
    head: bool,
    headers: &HeaderMap,
    content_type: &'static str,
    etag: &str,
    raw: &'static [u8],
    gzipped: impl FnOnce() -> Vec<u8>,
) -> Response {
    let gzip = accepts_gzip(headers);
    let etag = if gzip {
        gzip_etag(etag)
    } else {
        etag.to_string()
    };
    let mut resp = if not_modified(headers, &etag) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        if head {
            // the length a 200 would carry (the router would say 0, which RFC 9110 forbids;
            // hyper sends no length with a GET's 304, so only a HEAD pays for it)
            let len = if gzip { gzipped().len() } else { raw.len() };
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        }
        r
    } else if gzip {
        let mut r = Response::new(Body::from(gzipped()));
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        Response::new(Body::from(raw))
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

async fn index(method: Method, headers: HeaderMap) -> Response {
    static ETAG: OnceLock<String> = OnceLock::new();
    static GZIP: OnceLock<Vec<u8>> = OnceLock::new();
    let page = INDEX_HTML.as_bytes();
    let mut resp = serve(
        method == Method::HEAD,
        &headers,
        "text/html; charset=utf-8",
        ETAG.get_or_init(|| etag(page)),
        page,
        || GZIP.get_or_init(|| gzip(page)).clone(),
    );
    // nosniff: added to every answer by `crate::api::app`
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'self'",
        ),
    );
    resp
}

async fn wasm(method: Method, headers: HeaderMap) -> Response {
    static ETAG: OnceLock<String> = OnceLock::new();
    static GZIP: OnceLock<Vec<u8>> = OnceLock::new();
    let etag = ETAG.get_or_init(|| etag(WASM));
    serve(
        method == Method::HEAD,
        &headers,
        "application/wasm",
        etag,
        WASM,
        || GZIP.get_or_init(|| gzip(WASM)).clone(),
    )
}

async fn model_file(method: Method, State(st): State<AppState>, headers: HeaderMap) -> Response {
    let model = st.model.clone();
    let etag = format!("\"{}\"", &model.info().sha256[..32]);
    serve(
        method == Method::HEAD,
        &headers,
        "application/octet-stream",
        &etag,
        model.file(),
        || model.file_gzip().to_vec(),
    )
}

/// The tag [`static_index_html`] adds to the page's head: it tells the page
/// that no API is there to probe for.
pub const STATIC_MARK: &str = r#"<meta name="nnet-host" content="static">"#;

/// Element ids of the static page's own copies of the module and the model file
/// (base64 in `<script type="application/octet-stream">` blocks, which no
/// browser runs).
pub const INLINE_IDS: [&str; 2] = ["nnet-wasm", "nnet-model"];

/// The page as [`export`] writes it: the very page the server serves, with
/// [`STATIC_MARK`] after `<head>`, so that on a static host it does not ask
/// for the API (a request every static host answers 404, logged by browsers
/// as an error), and before `</head>` (after the charset, which browsers look
/// for in the first 1024 bytes) the module ([`WASM`]) and the model file
/// (`model`), base64 in the blocks of [`INLINE_IDS`]: the page runs them
/// without fetching anything, so it also works opened as a file (`file://`,
/// where browsers fetch nothing).
pub fn static_index_html(model: &[u8]) -> String {
    use base64::Engine;
    let block = |id: &str, bytes: &[u8]| {
        format!(
            r#"<script type="application/octet-stream" id="{id}">{}</script>"#,
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    };
    let [wasm_id, model_id] = INLINE_IDS;
    INDEX_HTML
        .replacen("<head>", &format!("<head>\n{STATIC_MARK}"), 1)
        .replacen(
            "</head>",
            &format!(
                "{}\n{}\n</head>",
                block(wasm_id, WASM),
                block(model_id, model)
            ),
            1,
        )
}

/// Writes the static build into `dir` (created if missing): `index.html`
/// ([`static_index_html`]: the page with the module and the model in it),
/// `nnet.wasm` and `model.nnet` (the two as files of their own, for other
/// tools and for downloads). Served from any static file server, or opened
/// as a file, the page runs everything in the browser. Existing
/// files of these names are replaced; nothing else in `dir` is touched.
///
/// All or nothing: the three files are written beside their places first
/// (hidden `.NAME.PID.part` files, made new: whatever has that name, a link
/// included, is removed first, never written through), and only when all
/// three are there whole are the files there kept aside (`.NAME.PID.old`, a
/// second link to each, so that none is missing while a static server reads
/// the directory) and the new ones renamed over them. A step that fails (a full disk, a
/// size limit, a directory where a file goes, a file that may not be moved)
/// leaves `dir` as it was, the model file `--model` read from it included,
/// and removes the directories it made for it; a link in the way is
/// replaced, never written through.
pub fn export(dir: &Path, model: &Model) -> std::io::Result<()> {
    use std::io::Write;
    if dir.exists() && !dir.is_dir() {
        return Err(std::io::Error::other(
            "a file of that name is there; give a directory",
        ));
    }
    let made = create_dirs(dir)?;
    let named =
        |name: &str, e: std::io::Error| std::io::Error::new(e.kind(), format!("{name}: {e}"));
    for name in EXPORT_FILES {
        // a real directory in the way; a link to one is replaced like any link
        if std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_dir()) {
            return Err(named(
                name,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory"),
            ));
        }
    }
    let page = static_index_html(model.file());
    let contents: [&[u8]; 3] = [page.as_bytes(), WASM, model.file()];
    let pid = std::process::id();
    let parts = EXPORT_FILES.map(|name| dir.join(format!(".{name}.{pid}.part")));
    let olds = EXPORT_FILES.map(|name| dir.join(format!(".{name}.{pid}.old")));
    // after a failure: the partial files, then the directories made
    let undo = || {
        for part in &parts {
            let _ = std::fs::remove_file(part);
        }
        remove_dirs(&made);
    };
    for ((name, bytes), part) in EXPORT_FILES.iter().zip(contents).zip(&parts) {
        let written = create_new(part).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            undo();
            // a file name the user gave is named; a temporary one in the way by its path
            let what = if part.is_dir() {
                part.display().to_string()
            } else {
                name.to_string()
            };
            return Err(named(&what, e));
        }
    }
    // the files there are kept aside first (a second link to each, else moved), then the
    // new ones renamed over them, each in one step; a step that fails puts back what was
    // there (the directory as it was), not half of the new site
    let mut aside: Vec<(usize, Aside)> = Vec::new();
    let mut placed = Vec::new();
    let put_back = |aside: &[(usize, Aside)], placed: &[usize]| {
        for &i in placed {
            if !aside.iter().any(|&(j, _)| j == i) {
                let _ = std::fs::remove_file(dir.join(EXPORT_FILES[i]));
            }
        }
        for &(i, how) in aside {
            match how {
                Aside::Linked if !placed.contains(&i) => {
                    let _ = std::fs::remove_file(&olds[i]);
                }
                _ => {
                    let _ = std::fs::rename(&olds[i], dir.join(EXPORT_FILES[i]));
                }
            }
        }
    };
    for (i, name) in EXPORT_FILES.iter().enumerate() {
        let target = dir.join(name);
        if std::fs::symlink_metadata(&target).is_err() {
            continue;
        }
        match keep_aside(&target, &olds[i]) {
            Ok(how) => aside.push((i, how)),
            Err(e) => {
                put_back(&aside, &placed);
                undo();
                return Err(e);
            }
        }
    }
    for (i, (name, part)) in EXPORT_FILES.iter().zip(&parts).enumerate() {
        if let Err(e) = std::fs::rename(part, dir.join(name)) {
            put_back(&aside, &placed);
            undo();
            return Err(named(name, e));
        }
        placed.push(i);
    }
    for (i, _) in aside {
        let _ = std::fs::remove_file(&olds[i]);
    }
    Ok(())
}

/// How [`export`] kept a file aside before it put the new one in its place.
#[derive(Debug, Clone, Copy)]
enum Aside {
    /// A second link to it: the file stays in place until the new one replaces it.
    Linked,
    /// Moved (where the file system has no hard links): its place is empty until then.
    Moved,
}

/// Keeps `target` aside at `old` ([`Aside`]); an `old` file left by an earlier run with this
/// process id is removed first (a directory there is an error). An error names the path.
fn keep_aside(target: &Path, old: &Path) -> std::io::Result<Aside> {
    let named = |path: &Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
    };
    if std::fs::symlink_metadata(old).is_ok() {
        std::fs::remove_file(old).map_err(|e| named(old, e))?;
    }
    let moved = || {
        std::fs::rename(target, old)
            .map(|()| Aside::Moved)
            .map_err(|e| named(target, e))
    };
    // moved, not linked: a link in the way (some systems would link the file it leads to),
    // and a file in a sticky directory (/tmp), where a second link to another user's file
    // could be made but not removed again
    let is_link = std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    if is_link || sticky(parent(target)) {
        return moved();
    }
    // no hard links there (vfat, say): moved instead; a file that may not be moved
    // (immutable) fails both
    match std::fs::hard_link(target, old) {
        Ok(()) => Ok(Aside::Linked),
        Err(_) => moved(),
    }
}

/// The directory `path` is in.
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Whether `dir` has the sticky bit (only a file's owner may remove or rename it there).
fn sticky(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o1000 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        false
    }
}

/// Creates `path` as a new file: whatever is at its name (a file left by a run that was
/// killed, or a link someone put there) is removed first, never written through.
fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            open()
        }
        other => other,
    }
}

/// Creates `dir` and its missing parents, one level at a time from the outermost, and returns
/// the ones it made (not those already there, through a `..` step, say), outermost first. On
/// an error it removes again those it made.
fn create_dirs(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut made = Vec::new();
    let levels: Vec<&Path> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    for level in levels.into_iter().rev() {
        match std::fs::create_dir(level) {
            Ok(()) => made.push(level.to_path_buf()),
            Err(_) if level.is_dir() => {}
            Err(e) => {
                remove_dirs(&made);
                // a file in the way: said so (the system only says "File exists")
                return Err(match dir.ancestors().find(|a| a.is_file()) {
                    Some(file) => std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        format!("{} is a file, not a directory", file.display()),
                    ),
                    None => e,
                });
            }
        }
    }
    Ok(made)
}

/// Removes the directories [`create_dirs`] made, innermost first; one that holds anything stays.
fn remove_dirs(made: &[std::path::PathBuf]) {
    for dir in made.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        let ae = header::ACCEPT_ENCODING;
        assert!(accepts_gzip(&headers(&[(ae.clone(), "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[(
            ae.clone(),
            "br;q=1.0, GZIP;q=0.5"
        )])));
        assert!(accepts_gzip(&headers(&[(ae.clone(), "*")])));
        assert!(!accepts_gzip(&headers(&[(ae.clone(), "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[(ae.clone(), "br, identity")])));
        // gzip's own quality rules over *'s, and parameter names have no case
        for refused in [
            "gzip;q=0, *",
            "* , gzip;q=0",
            "gzip; Q=0",
            "gzip;q=0.0, *;q=0.5",
            "*;q=0",
        ] {
            assert!(
                !accepts_gzip(&headers(&[(ae.clone(), refused)])),
                "{refused}"
            );
        }
        assert!(accepts_gzip(&headers(&[(ae.clone(), "gzip;q=0.1, *;q=0")])));
        assert!(accepts_gzip(&headers(&[(ae.clone(), "br;q=0, *")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_entity_tags() {
        let inm = header::IF_NONE_MATCH;
        let tag = "\"abc\"";
        assert!(not_modified(&headers(&[(inm.clone(), "\"abc\"")]), tag));
        assert!(not_modified(
            &headers(&[(inm.clone(), "\"x\", W/\"abc\"")]),
            tag
        ));
        assert!(not_modified(&headers(&[(inm.clone(), "*")]), tag));
        assert!(!not_modified(&headers(&[(inm.clone(), "\"abd\"")]), tag));
        assert!(!not_modified(&HeaderMap::new(), tag));
    }

    #[test]
    fn the_module_is_a_small_wasm_binary_and_gzip_round_trips() {
        assert_eq!(&WASM[..4], b"\0asm");
        assert!(WASM.len() <= 64 * 1024, "{} bytes", WASM.len());
        let z = gzip(WASM);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&z[..]), &mut back).unwrap();
        assert_eq!(back, WASM);
        assert_eq!(etag(WASM).len(), 34);
    }
}
