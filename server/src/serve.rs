//! The accept loop: hyper's HTTP/1.1 server over the router, with the limits a server facing the
//! internet needs and `axum::serve` does not offer: a cap on connections served at once, a
//! timeout for reading each request's headers (a client that sends them slowly is cut off), and
//! graceful shutdown. hyper answers requests it cannot parse itself (400, 414, 431) with an empty
//! body; under `/api` those answers are rewritten as the JSON errors every API answer is.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::cli::Limits;

/// Largest request head (request line and headers) read, in bytes; a larger one is a 431.
pub const MAX_HEAD: usize = 32 * 1024;

/// How long open connections may take to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then lets open connections finish
/// their current request (for up to [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: connections beyond the cap stay in the
        // kernel's backlog instead of each costing a task and buffers here.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!("accept: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // The peer address feeds the rate limits only (see `proxy`); it is never stored.
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection =
            builder.serve_connection(TokioIo::new(ApiErrorsAsJson::new(stream)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that vanished or timed out: nothing to do but close.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open after {} s were closed",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

/// How many bytes of a request's start are kept to tell whether it was for `/api`.
const HEAD_KEPT: usize = 16;

/// A connection that remembers how the current request began, and turns hyper's own bodiless
/// error answers to a request for `/api…` into JSON ones.
struct ApiErrorsAsJson<S> {
    inner: S,
    /// The first bytes of the current request.
    head: Vec<u8>,
    /// Whether the next bytes read begin a new request (nothing read since the last write).
    at_start: bool,
    /// A rewritten answer being written: its bytes, how many are out, and the length of the
    /// write it stands for.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<S> ApiErrorsAsJson<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            head: Vec::with_capacity(HEAD_KEPT),
            at_start: true,
            pending: None,
        }
    }

    /// Whether the current request's target starts with `/api`.
    fn is_api(&self) -> bool {
        let Some(space) = self.head.iter().position(|b| *b == b' ') else {
            return false;
        };
        let target = &self.head[space + 1..];
        target == b"/api"
            || target.starts_with(b"/api/")
            || target.starts_with(b"/api?")
            || target.starts_with(b"/api ")
    }
}

/// The JSON answer standing in for hyper's own `head` (status line and headers), if `head` is
/// one of its automatic error answers: a 400, 414 or 431 with an empty body.
fn json_answer(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status_line, rest) = text.split_once("\r\n")?;
    let message = match status_line {
        "HTTP/1.1 400 Bad Request" | "HTTP/1.0 400 Bad Request" => {
            "request: malformed request line or header (Content-Length included)"
        }
        "HTTP/1.1 414 URI Too Long" | "HTTP/1.0 414 URI Too Long" => "path: the URL is too long",
        "HTTP/1.1 431 Request Header Fields Too Large"
        | "HTTP/1.0 431 Request Header Fields Too Large" => "headers: too large",
        _ => return None,
    };
    if !rest.ends_with("\r\n\r\n") {
        return None;
    }
    let lines: Vec<&str> = rest.trim_end().split("\r\n").collect();
    if !lines
        .iter()
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"))
    {
        return None;
    }
    let date = lines
        .iter()
        .find(|line| line.to_ascii_lowercase().starts_with("date:"));
    let body = serde_json::json!({ "error": message }).to_string();
    let mut answer = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(date) = date {
        answer.push_str(date);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    Some(answer.into_bytes())
}

impl<S: AsyncRead + Unpin> AsyncRead for ApiErrorsAsJson<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let this = &mut *self;
            let read = &buf.filled()[before..];
            if !read.is_empty() {
                if this.at_start {
                    this.head.clear();
                    this.at_start = false;
                }
                let room = HEAD_KEPT.saturating_sub(this.head.len());
                this.head.extend_from_slice(&read[..room.min(read.len())]);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ApiErrorsAsJson<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() && this.is_api() {
            if let Some(answer) = json_answer(buf) {
                this.pending = Some((answer, 0, buf.len()));
            }
        }
        if let Some((answer, written, stands_for)) = &mut this.pending {
            while *written < answer.len() {
                match Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => *written += n,
                    other => return other,
                }
            }
            let stands_for = *stands_for;
            this.pending = None;
            this.at_start = true;
            return Poll::Ready(Ok(stands_for));
        }
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(_)) = written {
            this.at_start = true;
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_error_answers_become_json() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 16:00:00 GMT\r\n\r\n";
        let answer = String::from_utf8(json_answer(head).expect("rewritten")).expect("utf-8");
        assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(answer.contains("content-type: application/json\r\n"));
        assert!(answer.contains("date: Wed, 02 Dec 2026 16:00:00 GMT\r\n"));
        assert!(answer.ends_with("\r\n\r\n{\"error\":\"headers: too large\"}"));
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n";
        assert!(json_answer(own).is_none(), "our own 400s carry a body");
        assert!(json_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }

    #[test]
    fn only_requests_for_the_api_are_rewritten() {
        let with_head = |head: &[u8]| {
            let mut io = ApiErrorsAsJson::new(());
            io.head = head.to_vec();
            io.is_api()
        };
        assert!(with_head(b"GET /api/consent"));
        assert!(with_head(b"POST /api HTTP/1.1"));
        assert!(with_head(b"GET /api"));
        assert!(!with_head(b"GET /apis HTTP/1.1"));
        assert!(!with_head(b"GET /consent/x.js"));
        assert!(!with_head(b"GET"));
    }
}
