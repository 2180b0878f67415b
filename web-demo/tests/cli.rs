//! The binary's command line: `--help`, and `--model` validation at start
//! (a corrupt, mismatched or missing file is a clear error and a non-zero exit).
use std::process::Command;

fn web_demo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_web-demo"))
}

/// Runs the binary with `args`: it must fail saying `needle`. Returns its exit status: 2 for a
/// mistake on the command line (the parser's and the binary's own checks alike), 1 for what
/// goes wrong after.
fn fails_with(args: &[&str], needle: &str) -> Option<i32> {
    let out = web_demo().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} must fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} lacks {needle:?}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    out.status.code()
}

#[test]
fn help_names_the_options() {
    let out = web_demo().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--addr",
        "--model",
        "--body-limit",
        "--header-timeout",
        "--request-timeout",
    ] {
        assert!(text.contains(opt), "--help lacks {opt}");
    }
}

#[test]
fn bad_model_files_are_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("web-demo-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read(env!("NNET_MODEL_PATH")).unwrap();

    let corrupt = dir.join("corrupt.nnet");
    let mut bytes = good.clone();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&corrupt, &bytes).unwrap();
    fails_with(&["--model", corrupt.to_str().unwrap()], "checksum");

    let cut = dir.join("cut.nnet");
    std::fs::write(&cut, &good[..good.len() - 10]).unwrap();
    fails_with(&["--model", cut.to_str().unwrap()], "truncated");

    let small = dir.join("small.nnet");
    let m = nnet_core::format::OwnedModel {
        hidden: 4,
        meta: Default::default(),
        w1: vec![0.0; 4 * 784],
        b1: vec![0.0; 4],
        w2: vec![0.0; 40],
        b2: vec![0.0; 10],
    };
    std::fs::write(&small, m.to_bytes().unwrap()).unwrap();
    fails_with(
        &["--model", small.to_str().unwrap()],
        "4 hidden units, expected 300",
    );

    let text = dir.join("text.nnet");
    std::fs::write(&text, "hello").unwrap();
    fails_with(&["--model", text.to_str().unwrap()], "bad magic");

    // longer than any model file: refused without reading it all (a sparse file here)
    let long = dir.join("long.nnet");
    std::fs::File::create(&long)
        .unwrap()
        .set_len(nnet_core::format::MAX_FILE_LEN as u64 + 1)
        .unwrap();
    fails_with(
        &["--model", long.to_str().unwrap()],
        "longer than any model file",
    );

    let code = fails_with(
        &["--model", "/nonexistent/x.nnet"],
        "cannot read model file",
    );
    assert_eq!(code, Some(1));
    // an address that is no HOST:PORT is named before the model is read, as the parser's
    // mistakes are; one the machine cannot listen on fails at the bind
    for addr in [
        "not-an-address",
        ":5000",
        "127.0.0.1:",
        "127.0.0.1:65536",
        "[::1]",
        "",
    ] {
        let code = fails_with(
            &["--addr", addr, "--model", "/nonexistent/x.nnet"],
            &format!("--addr must be HOST:PORT with a port from 0 to 65535 (such as 127.0.0.1:5000, localhost:8080 or [::1]:0), got {addr:?}"),
        );
        assert_eq!(code, Some(2), "--addr {addr:?}");
    }
    let code = fails_with(&["--addr", "192.0.2.1:0"], "cannot listen on 192.0.2.1:0");
    assert_eq!(code, Some(1));
    for (flag, value, got) in [
        ("--request-timeout", "0", "0"),
        ("--request-timeout", "1e300", "1e300"),
        ("--header-timeout", "1e-12", "1e-12"),
        ("--header-timeout", "0.0005", "0.0005"),
        ("--header-timeout", "86401", "86401"),
    ] {
        let code = fails_with(
            &[flag, value],
            &format!("{flag} must be a number of seconds from 0.001 to 86400, got {got}\n"),
        );
        assert_eq!(code, Some(2), "{flag} {value}");
    }
    let code = fails_with(
        &["--body-limit", "0"],
        "--body-limit must be at least 1024 bytes",
    );
    assert_eq!(code, Some(2));
    // named before the model is read, with the same status
    let code = fails_with(
        &["--body-limit", "0", "--model", "/nonexistent/x.nnet"],
        "--body-limit must be at least 1024 bytes",
    );
    assert_eq!(code, Some(2));
    // connections: at least one, and not more than a semaphore holds (it panicked
    // after saying it listened)
    for n in ["0", "1000001", "3000000000000000000"] {
        let code = fails_with(&["--max-connections", n], "is not in 1..=1000000");
        assert_eq!(code, Some(2), "--max-connections {n}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A started server, killed and waited for when dropped: a failing test leaves none running.
#[cfg(unix)]
struct Running(std::process::Child);

#[cfg(unix)]
impl std::ops::Deref for Running {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

#[cfg(unix)]
impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

#[cfg(unix)]
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` (the server, or a shell that runs it) with stdout piped and waits for
/// its "listening" line: the child and the address it listens on.
#[cfg(unix)]
fn listening(command: &mut Command) -> (Running, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Running(
        command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    (child, addr)
}

/// The answer to `GET /healthz` on `conn`, as text (what came before a read failed).
#[cfg(unix)]
fn healthz(mut conn: std::net::TcpStream) -> String {
    use std::io::{Read, Write};
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// The port of the TCP socket that process `pid` listens on, from `/proc` (Linux).
#[cfg(target_os = "linux")]
fn listening_port(pid: u32) -> Option<u16> {
    // the inodes of the process's sockets
    let sockets: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    // /proc/net/tcp: "sl local_address rem_address st ... inode", addresses as HEX:PORT,
    // state 0A = LISTEN
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).ok()?;
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (local, state, inode) = (f.get(1)?, f.get(3)?, f.get(9)?);
        if *state != "0A" || !sockets.iter().any(|s| s == inode) {
            return None;
        }
        u16::from_str_radix(local.rsplit(':').next()?, 16).ok()
    })
}

/// All that `child` wrote to its piped standard error (it has ended, or is ending).
#[cfg(unix)]
fn stderr_of(child: &mut std::process::Child) -> String {
    use std::io::Read;
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut err)
        .unwrap();
    err
}

/// Sends `SIG<signal>` to `child`.
#[cfg(unix)]
fn send(signal: &str, child: &std::process::Child) {
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Ctrl-C (SIGINT) and SIGTERM (what service managers and `docker stop` send) both stop the
/// server the same way: a request under way when the signal comes is answered, and the
/// process ends with success.
#[cfg(unix)]
#[test]
fn sigint_and_sigterm_let_an_open_request_finish() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let server = || {
        let mut command = web_demo();
        command
            .args(["--addr", "127.0.0.1:0"])
            .stderr(std::process::Stdio::null());
        listening(&mut command)
    };
    for signal in ["INT", "TERM"] {
        let (mut child, addr) = server();
        // half a request, the signal, then the rest of it
        let body =
            r#"{"width": 280, "height": 280, "strokes": [[[100, 50], [150, 60], [160, 200]]]}"#;
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            conn,
            "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            body.len(),
            &body[..10]
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        send(signal, &child);
        std::thread::sleep(Duration::from_millis(300));
        // (a server that died of the signal has closed the connection: the write may fail)
        let _ = conn.write_all(&body.as_bytes()[10..]);
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "SIG{signal}: {answer:?}"
        );
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("SIG{signal}: the server did not stop");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "SIG{signal}: {status:?}");
    }
    // the same at once after the server says it listens: its handlers are in place by then
    for _ in 0..10 {
        let (mut child, _) = server();
        send("TERM", &child);
        let status = child.wait().unwrap();
        assert!(status.success(), "SIGTERM at once: {status:?}");
    }
}

/// The limit options reach the server: a body over `--body-limit` is 413, a body slower
/// than `--request-timeout` is 408, a connection silent for `--header-timeout` is closed,
/// and with `--max-connections 1` a second client waits until the first has gone. Each
/// limit is far below its default (1 MiB, 10 s, 5 s, 1024), and the client gives up well
/// before the default would act.
#[cfg(unix)]
#[test]
fn the_limit_options_take_effect() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;
    let limits = web_demo::api::Limits::default();
    assert_eq!(
        (
            limits.body_limit,
            limits.request_timeout,
            limits.header_timeout,
            limits.max_connections
        ),
        (
            1 << 20,
            Duration::from_secs(10),
            Duration::from_secs(5),
            1024
        ),
        "the defaults the README and --help give"
    );
    let server = |args: &[&str]| {
        let mut command = web_demo();
        command
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stderr(std::process::Stdio::null());
        listening(&mut command)
    };
    let connect = |addr: &str, wait: u64| {
        let c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(wait))).unwrap();
        c
    };
    let answer = |c: &mut TcpStream| {
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        String::from_utf8_lossy(&got).into_owned()
    };
    // One read within the socket's read timeout, tried again for the rest of it when
    // interrupted: on Linux a read with a timeout fails with EINTR when the process is
    // stopped and continued, even with no signal handler.
    let read_some = |c: &mut TcpStream, buf: &mut [u8]| {
        let wait = c.read_timeout().unwrap().expect("a read timeout");
        let deadline = std::time::Instant::now() + wait;
        let got = loop {
            match c.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        break Err(std::io::ErrorKind::TimedOut.into());
                    }
                    c.set_read_timeout(Some(left)).unwrap();
                }
                other => break other,
            }
        };
        c.set_read_timeout(Some(wait)).unwrap();
        got
    };
    let post = |len: usize| {
        format!(
            "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };

    let (child, addr) = server(&["--body-limit", "2048"]);
    let mut c = connect(&addr, 5);
    write!(c, "{}{}", post(3000), " ".repeat(3000)).unwrap();
    let a = answer(&mut c);
    assert!(a.starts_with("HTTP/1.1 413"), "--body-limit 2048: {a:?}");
    drop(child);

    let (child, addr) = server(&["--request-timeout", "0.5"]);
    let mut c = connect(&addr, 5);
    write!(c, "{}{{", post(100)).unwrap();
    let a = answer(&mut c);
    assert!(
        a.starts_with("HTTP/1.1 408"),
        "--request-timeout 0.5: {a:?}"
    );
    drop(child);

    let (child, addr) = server(&["--header-timeout", "0.3"]);
    let mut c = connect(&addr, 3);
    let mut buf = [0u8; 16];
    let closed = read_some(&mut c, &mut buf);
    assert!(matches!(closed, Ok(0)), "--header-timeout 0.3: {closed:?}");
    drop(child);

    let (child, addr) = server(&["--max-connections", "1"]);
    let first = connect(&addr, 5);
    std::thread::sleep(Duration::from_millis(200));
    let mut second = connect(&addr, 1);
    write!(
        second,
        "GET /api/model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let waited = read_some(&mut second, &mut buf);
    assert!(
        waited.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "--max-connections 1: the second client was answered beside the first: {waited:?}"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let a = answer(&mut second);
    assert!(a.starts_with("HTTP/1.1 200"), "after the first went: {a:?}");
    drop(child);
}

/// A second Ctrl-C (or SIGTERM) while an open request holds up the stop ends the process at
/// once, with status 130 (143 for SIGTERM), instead of after the rest of the 5 s; the first
/// says how to.
#[cfg(unix)]
#[test]
fn a_second_signal_stops_at_once() {
    use std::io::{BufRead, BufReader, Write};
    for (first, second, status) in [
        ("INT", "INT", 130),
        ("TERM", "INT", 130),
        ("INT", "TERM", 143),
        ("TERM", "TERM", 143),
    ] {
        let mut command = web_demo();
        command
            .args(["--addr", "127.0.0.1:0"])
            .stderr(std::process::Stdio::piped());
        let (mut child, addr) = listening(&mut command);
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        // half a request: the connection stays open through the drain
        let mut conn = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            conn,
            "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        send(first, &child);
        let mut said = String::new();
        while !said.contains("stopping:") {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("SIG{first}: stderr ended before the stop was announced: {said:?}");
            }
            said.push_str(&line);
        }
        assert!(
            said.contains("a second Ctrl-C or SIGTERM stops it now"),
            "{said:?}"
        );
        send(second, &child);
        let ended = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        assert_eq!(
            ended.code(),
            Some(status),
            "SIG{first} then SIG{second}: {ended:?}, stderr {rest:?}"
        );
        assert!(rest.contains("stopped at once"), "{rest:?}");
        drop(conn);
    }
}

/// Out of file descriptors (`ulimit -n` below what the connections need, the hard limit too):
/// the server warns at start, says that accepts fail while they do (once for a run of
/// failures, not every 50 ms) and when it accepts again, and then answers.
#[cfg(unix)]
#[test]
fn out_of_file_descriptors_it_says_so_once_and_goes_on() {
    use std::time::Duration;
    let (mut child, addr) = listening(
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 40 && exec \"$0\" --addr 127.0.0.1:0")
            .arg(env!("CARGO_BIN_EXE_web-demo"))
            .stderr(std::process::Stdio::piped()),
    );
    // more connections than descriptors, held for a second (20 retries of the accept)
    let held: Vec<_> = (0..60)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    let answer = healthz(std::net::TcpStream::connect(&addr).unwrap());
    send("INT", &child);
    let err = stderr_of(&mut child);
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}\n{err}");
    assert!(
        err.contains("warning: at most 40 open files (ulimit -n)"),
        "{err}"
    );
    // once per run of failures (a descriptor freed for a moment can end a run early), not
    // once per retry, 20 times in that second
    let (failed, again) = (
        err.matches("accept failed").count(),
        err.matches("accepting again").count(),
    );
    assert!((1..=3).contains(&failed) && again == failed, "{err}");
}

/// A standard output nobody reads any more (`web-demo | head -0`, a log reader gone) is
/// no reason to stop: the server drops its lines and serves, and `export` writes the page
/// and reports success.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_is_no_reason_to_stop() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = Running(
        web_demo()
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // closed before the server says it listens; its port then comes from /proc
    drop(child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    let port = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server stopped: {status:?}: {}", stderr_of(&mut child));
        }
        if let Some(port) = listening_port(child.id()) {
            break port;
        }
        assert!(Instant::now() < deadline, "the server never listened");
        std::thread::sleep(Duration::from_millis(50));
    };
    let answer = healthz(std::net::TcpStream::connect(("127.0.0.1", port)).unwrap());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");

    let dir = std::env::temp_dir().join(format!("web-demo-closed-{}", std::process::id()));
    let mut export = web_demo()
        .args(["export", dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(export.stdout.take());
    let out = export.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("index.html").is_file() && dir.join("nnet.wasm").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A request still open when the 5 s for finishing are up is cut off, and the server says
/// so as it stops.
#[cfg(unix)]
#[test]
fn a_request_cut_off_at_the_stop_is_named() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let mut command = web_demo();
    command
        .args(["--addr", "127.0.0.1:0", "--request-timeout", "30"])
        .stderr(std::process::Stdio::piped());
    let (mut child, addr) = listening(&mut command);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // the server's "100 Continue" says it reads the body: the request is under way
    conn.write_all(
        b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut continued = [0u8; 25];
    conn.read_exact(&mut continued).unwrap();
    assert_eq!(&continued, b"HTTP/1.1 100 Continue\r\n\r\n");
    // half the body, never the rest
    conn.write_all(b"{\"width\"").unwrap();
    send("TERM", &child);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let err = stderr_of(&mut child);
    assert!(
        err.contains("stopped after 5 s: 1 open connection cut off"),
        "{err}"
    );
    drop(conn);
}
