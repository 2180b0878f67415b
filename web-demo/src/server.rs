//! The connection loop: HTTP/1.1 over hyper with a header-read timeout (which
//! also closes idle kept-alive connections), a write timeout (a client that
//! stops reading its answers is disconnected), a cap on simultaneous
//! connections, and graceful shutdown. Every connection runs in its own task,
//! so a stalled client never holds up another.
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use crate::api::{app, AppState};

/// How long in-flight requests may run after shutdown is requested.
pub const DRAIN: Duration = Duration::from_secs(5);

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
    let max = limits.max_connections.clamp(1, crate::api::MAX_CONNECTIONS);
    let slots = Arc::new(Semaphore::new(max));
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
    // failed accepts in a row: the first is logged, the rest only counted until one succeeds
    let mut failing: u64 = 0;
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
                Ok((stream, _peer)) => {
                    if failing > 0 {
                        crate::note!("web-demo: accepting again, after {failing} failed accepts");
                    }
                    failing = 0;
                    stream
                }
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning, and say
                    // so once, not every 50 ms (the waiting clients stay in the kernel's queue)
                    if failing == 0 {
                        crate::note!("web-demo: accept failed: {e} (retrying every 50 ms)");
                    }
                    failing = failing.saturating_add(1);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // latency over throughput for small JSON answers; failure only costs speed
        let _ = stream.set_nodelay(true);
        let stream = WriteTimeout::new(stream, limits.request_timeout);
        let conn = builder.serve_connection(TokioIo::new(stream), service.clone());
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // client errors (resets, timeouts, bad requests) end only this connection
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        let open = max.saturating_sub(slots.available_permits());
        crate::note!(
            "web-demo: stopped after {} s: {open} open connection{} cut off",
            DRAIN.as_secs(),
            if open == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// A connection whose writes fail with [`io::ErrorKind::TimedOut`] once the
/// client has taken nothing for `limit`: the request timeout covers reading a
/// request and making its answer, this covers sending it, so a client that
/// stops reading (its window full, answers pipelined behind it) frees its
/// connection slot instead of holding it for good.
struct WriteTimeout {
    stream: TcpStream,
    limit: Duration,
    /// Running while a write waits for the client; reset by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl WriteTimeout {
    fn new(stream: TcpStream, limit: Duration) -> Self {
        WriteTimeout {
            stream,
            limit,
            stalled: None,
        }
    }

    /// What a write that returned `poll` comes to: ready resets the clock,
    /// pending starts it (or lets it run), and past the limit it is an error.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let limit = self.limit;
                let timer = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client stopped reading its answer",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for WriteTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
