//! `web-demo`: serves the drawing page and the JSON API (see the library docs).
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::parser::ValueSource;
use clap::{ArgMatches, Command, CommandFactory, FromArgMatches, Parser, Subcommand};
use web_demo::{AppState, Limits, Model};

/// Draw a digit in the browser and see what the network sees and thinks.
///
/// Serves one self-contained page at / and a JSON API: POST /api/predict
/// (ink or raster), POST /estimate (classic), GET /api/model, GET /healthz;
/// the page loads /nnet.wasm and /api/model/file and predicts in the browser.
/// `web-demo export DIR` writes the page as static files instead.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Address to listen on, HOST:PORT (a name such as localhost is looked up; port 0 picks a
    /// free port; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:5000")]
    addr: String,
    /// Serve (or export) this model file instead of the embedded default (a 784-300-10 nnet model, f32 or int8 weights).
    #[arg(long, value_name = "PATH", global = true)]
    model: Option<PathBuf>,
    /// Largest request body in bytes (at least 1024: a smaller limit refuses every drawing).
    #[arg(long, default_value_t = Limits::default().body_limit)]
    body_limit: usize,
    /// Seconds a client may take to send its request headers (also the keep-alive idle time).
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs_f64())]
    header_timeout: f64,
    /// Seconds a request may take after its headers (body upload and answer); a client that
    /// takes nothing of its answer for as long is disconnected.
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs_f64())]
    request_timeout: f64,
    /// Most simultaneous connections (1 to 1,000,000; each takes a file descriptor).
    #[arg(long, default_value_t = Limits::default().max_connections,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=web_demo::api::MAX_CONNECTIONS as u64))]
    max_connections: usize,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Write the page as static files (index.html, nnet.wasm, model.nnet) into DIR,
    /// for any static file server: without the API, the page runs fully in the browser.
    Export {
        /// Directory to write into (created if missing; other files in it are left alone).
        dir: PathBuf,
    },
}

/// Longest timeout accepted: a day.
const MAX_SECONDS: f64 = 86_400.0;

fn seconds(name: &str, s: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| d.as_millis() >= 1 && s <= MAX_SECONDS)
        .ok_or_else(|| {
            Usage(format!(
                "--{name} must be a number of seconds from 0.001 to {MAX_SECONDS}, got {}",
                web_demo::api::num(s)
            ))
            .into()
        })
}

/// `--addr` is HOST:PORT with a port number (0 to 65535), or a [`Usage`] error; whether
/// the host is one to listen on is for the bind to say (a name is looked up then).
fn check_addr(addr: &str) -> Result<()> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(Usage(format!(
            "--addr must be HOST:PORT with a port from 0 to 65535 (such as 127.0.0.1:5000, \
             localhost:8080 or [::1]:0), got {addr:?}"
        ))
        .into()),
    }
}

/// The server's limits from the options, or a [`Usage`] error.
fn limits(args: &Args) -> Result<Limits> {
    if args.body_limit < 1024 {
        return Err(Usage(format!(
            "--body-limit must be at least 1024 bytes (a smaller limit refuses every drawing), got {}",
            args.body_limit
        ))
        .into());
    }
    Ok(Limits {
        body_limit: args.body_limit,
        header_timeout: seconds("header-timeout", args.header_timeout)?,
        request_timeout: seconds("request-timeout", args.request_timeout)?,
        max_connections: args.max_connections,
    })
}

/// The arguments, refusing a server option (every option of the top level but
/// the global `--model`) given with `export`: it would be ignored, as the
/// static page has no server.
fn parse(command: &Command, matches: &ArgMatches) -> Result<Args> {
    let args = Args::from_arg_matches(matches)?;
    if matches!(args.command, Some(Cmd::Export { .. })) {
        let given = command
            .get_arguments()
            .filter(|a| !a.is_global_set())
            .filter(|a| matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
            .filter_map(|a| a.get_long().map(|long| format!("--{long}")))
            .collect::<Vec<_>>();
        if !given.is_empty() {
            return Err(Usage(export_serves_nothing(&given)).into());
        }
    } else {
        // a mistake in the server's options is named before the model is read
        check_addr(&args.addr)?;
        limits(&args)?;
    }
    Ok(args)
}

/// Why `export` refuses the server options `given` (`--addr`, ...).
fn export_serves_nothing(given: &[String]) -> String {
    let what = match given {
        [one] => format!("{one} is a server option"),
        [most @ .., last] => format!("{} and {last} are server options", most.join(", ")),
        [] => "a server option".to_string(),
    };
    format!(
        "{what}, and `export` serves nothing: it writes static files \
         (leave the option out, and serve the directory with any static file server)"
    )
}

/// The server option of the top level that the parser did not take after `export` (where
/// only `--model` goes), as `--name`: `export` refuses it as it does before the subcommand,
/// rather than with the parser's "unexpected argument".
fn server_option_after_export(command: &Command, e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split('=').next()?;
    command
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .any(|a| a.get_long() == Some(long))
        .then(|| format!("--{long}"))
}

/// A mistake on the command line: exit status 2, as the parser's own errors have (1 is
/// for what goes wrong after, such as a model file that cannot be read).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Exit status of a [`Usage`] error.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    ignore_file_size_signal();
    let command = Args::command();
    let matches = match command.clone().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => match server_option_after_export(&command, &e) {
            Some(option) => {
                web_demo::note!("web-demo: error: {}", export_serves_nothing(&[option]));
                return ExitCode::from(USAGE);
            }
            None => e.exit(),
        },
    };
    match parse(&command, &matches).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            web_demo::note!("web-demo: error: {e:#}");
            if e.downcast_ref::<Usage>().is_some() {
                ExitCode::from(USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(args: Args) -> Result<()> {
    let model = match &args.model {
        Some(path) => Model::load(path)?,
        None => Model::embedded()?,
    };
    if let Some(Cmd::Export { dir }) = &args.command {
        web_demo::assets::export(dir, &model)
            .with_context(|| format!("cannot write the static page into {}", dir.display()))?;
        web_demo::say!(
            "wrote {} into {} ({} weights); serve the directory with any static file server",
            web_demo::assets::EXPORT_FILES.join(", "),
            dir.display(),
            model.info().weight_type
        );
        return Ok(());
    }
    let limits = limits(&args)?;
    open_files_for(limits.max_connections);
    let mut state = AppState::new(model);
    state.limits = limits;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr.as_str())
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        let info = state.model.info();
        web_demo::note!(
            "model: {}-{}-{} {} from {} (sha256 {}, test accuracy {})",
            info.input,
            info.hidden,
            info.output,
            info.weight_type,
            info.source,
            &info.sha256[..16],
            info.test_accuracy
                .map_or("unknown".into(), |a| format!("{:.2}%", a * 100.0)),
        );
        let stop = stop_signal();
        web_demo::say!("web-demo listening on http://{addr}");
        web_demo::serve_with_shutdown(listener, state, stop)
            .await
            .context("server failed")
    })
}

/// Ends when the server is asked to stop: Ctrl-C (SIGINT), or SIGTERM, which service
/// managers and `docker stop` send. On unix the handlers are installed by this call, before
/// the server says it listens, so a signal right after that line stops it the same way
/// (elsewhere Ctrl-C's is installed when the server starts waiting). A handler that cannot
/// be installed leaves that signal's default (the process ends at once).
///
/// On unix, a second signal while open requests finish ends the process at once, with the
/// status a shell gives a process that signal ends (130 for Ctrl-C, 143 for SIGTERM), instead
/// of waiting out the rest of the 5 s.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).ok();
        let mut terminate = signal(SignalKind::terminate()).ok();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            stop_requested(&mut interrupt, &mut terminate).await;
            web_demo::note!(
                "web-demo: stopping: open requests get up to {} s to finish (a second Ctrl-C or \
                 SIGTERM stops it now)",
                web_demo::server::DRAIN.as_secs()
            );
            let _ = stop.send(());
            let status = stop_requested(&mut interrupt, &mut terminate).await;
            web_demo::note!("web-demo: stopped at once: open requests cut off");
            std::process::exit(status);
        });
        async move {
            // the task never drops its sender before sending
            let _ = stopped.await;
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Ends when Ctrl-C or SIGTERM arrives: the exit status a shell gives a process that signal
/// ends.
#[cfg(unix)]
async fn stop_requested(
    interrupt: &mut Option<tokio::signal::unix::Signal>,
    terminate: &mut Option<tokio::signal::unix::Signal>,
) -> i32 {
    tokio::select! {
        () = arrived(interrupt.as_mut()) => 128 + libc::SIGINT,
        () = arrived(terminate.as_mut()) => 128 + libc::SIGTERM,
    }
}

/// Ends when `signal` arrives; never without a handler.
#[cfg(unix)]
async fn arrived(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// A write past the file-size limit (`ulimit -f`) is then the error `EFBIG`, which `export`
/// reports and undoes, instead of the signal that ends the process and leaves its partial
/// files behind.
fn ignore_file_size_signal() {
    // SAFETY: SIG_IGN for SIGXFSZ, set before any other thread exists; no handler runs
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Files the server holds open besides its connections (the listener, the runtime's own,
/// the standard streams), with room to spare.
const OTHER_FILES: usize = 32;

/// Raises the soft limit on open files (`ulimit -n`, often 1024) towards what
/// `max_connections` connections need, as far as the hard limit allows; when that is not
/// enough it says so: connections past the limit wait in the kernel's queue until others
/// close, as past `--max-connections`.
fn open_files_for(max_connections: usize) {
    #[cfg(unix)]
    {
        use libc::rlim_t;
        let want =
            rlim_t::try_from(max_connections.saturating_add(OTHER_FILES)).unwrap_or(rlim_t::MAX);
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given, which lives for the call
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return;
        }
        if limit.rlim_cur >= want {
            return;
        }
        let raised = libc::rlimit {
            rlim_cur: want.min(limit.rlim_max),
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the struct it is given, which lives for the call
        let now = if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            raised.rlim_cur
        } else {
            limit.rlim_cur
        };
        if now < want {
            let room = usize::try_from(now).map_or(0, |n| n.saturating_sub(OTHER_FILES));
            web_demo::note!(
                "web-demo: warning: at most {now} open files (ulimit -n): about {room} connections \
                 at once, not --max-connections {max_connections}; more wait until others close"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = max_connections;
}
