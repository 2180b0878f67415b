//! The connection loop: HTTP/1.1 over hyper with a header-read timeout (which
//! also closes idle kept-alive connections), a cap on simultaneous
//! connections, and graceful shutdown. Every connection runs in its own task,
//! so a stalled client never holds up another.
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::api::{app, AppState};

/// How long in-flight requests may run after shutdown is requested.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves [`app`] on `listener` until the process ends.
pub async fn serve(listener: TcpListener, state: AppState) -> io::Result<()> {
    serve_with_shutdown(listener, state, std::future::pending()).await
}

/// Serves [`app`] on `listener` until `shutdown` completes, then stops
/// accepting and gives open requests up to 5 s to finish.
pub async fn serve_with_shutdown(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = state.limits;
    let service = TowerToHyperService::new(app(state));
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        // a client that shuts its sending side after the request (`nc -N`, scripts)
        // still gets its answer
        .half_close(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break, // the semaphore is never closed; stop if it is
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning
                    eprintln!("web-demo: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // latency over throughput for small JSON answers; failure only costs speed
        let _ = stream.set_nodelay(true);
        let conn = builder.serve_connection(TokioIo::new(stream), service.clone());
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // client errors (resets, timeouts, bad requests) end only this connection
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}
