//! Connections: binding the listener (a TCP address, or a Unix socket path that never
//! replaces anything but a stale socket), and serving each connection with HTTP/1.1
//! under deadlines a slow or hostile client cannot stretch:
//!
//! - the **header timeout**: a connection must deliver a complete request head within
//!   it, counted from the connection's start or, on a kept-alive connection, from the end
//!   of the previous answer, so it is the **idle timeout** too;
//! - the **body timeout** is the endpoints' (see `App::body_timeout`);
//! - the **write timeout**: a client that takes none of an answer's bytes for this long
//!   loses the connection.
//!
//! `SIGTERM` stops accepting and lets every connection finish the request in flight.

use std::future::Future;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// The connection deadlines.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    /// From a connection's start, or the end of the previous answer, to a complete
    /// request head.
    pub header: Duration,
    /// How long a write may wait for the client to take bytes.
    pub write: Duration,
}

/// Prepares `path` for a Unix socket: nothing there is fine; a socket nobody listens on
/// (left by a server that died) is removed; a socket a live server answers on, and
/// anything that is not a socket (a regular file, a directory, a symbolic link), is
/// refused and left alone.
pub fn prepare_unix_path(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let metadata = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot inspect `{shown}`: {e}")),
        Ok(metadata) => metadata,
    };
    if !metadata.file_type().is_socket() {
        return Err(format!(
            "`{shown}` exists and is not a socket; refusing to replace it\nhelp: choose another `--unix` path, or remove the file yourself"
        ));
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(format!(
            "a server is already listening on `{shown}`\nhelp: stop it first, or choose another `--unix` path"
        ));
    }
    std::fs::remove_file(path).map_err(|e| format!("cannot remove the stale socket `{shown}`: {e}"))
}

/// Serves connections from `accept` until `shutdown` resolves, then waits for the
/// requests in flight.
pub async fn serve<S, A, F>(
    mut accept: A,
    router: Router,
    deadlines: Deadlines,
    shutdown: impl Future<Output = ()>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    A: FnMut() -> F,
    F: Future<Output = io::Result<S>>,
{
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(deadlines.header)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            stream = accept() => stream,
            () = &mut shutdown => break,
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait a little instead of spinning.
                eprintln!("rampart serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let io = TokioIo::new(WriteDeadline::new(stream, deadlines.write));
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            // A connection ending in an error (a timeout, a reset) concerns only itself.
            let _ = connection.await;
        });
    }
    graceful.shutdown().await;
}

/// A stream whose writes fail with `TimedOut` when the peer takes no bytes for `limit`.
struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limit: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            limit,
            stalled: None,
        }
    }

    /// After a write that could not proceed: `Pending` while the deadline is ahead, an
    /// error once it has passed.
    fn stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took no bytes of the answer within the write timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.stall(cx),
            done => {
                self.stalled = None;
                done
            }
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.stall(cx),
            done => {
                self.stalled = None;
                done
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.stall(cx),
            done => {
                self.stalled = None;
                done
            }
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_unix_path_replaces_only_a_stale_socket() {
        let temporary = tempfile::tempdir().unwrap();
        let dir = temporary.path();
        let file = dir.join("tables.rampart");
        std::fs::write(&file, b"precious").unwrap();
        let refused = prepare_unix_path(&file).unwrap_err();
        assert!(refused.contains("is not a socket"), "{refused}");
        assert_eq!(std::fs::read(&file).unwrap(), b"precious");

        let directory = dir.join("a-directory");
        std::fs::create_dir(&directory).unwrap();
        assert!(prepare_unix_path(&directory).is_err());
        assert!(directory.is_dir());

        let link = dir.join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(prepare_unix_path(&link).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"precious");

        let live = dir.join("live.sock");
        let listener = std::os::unix::net::UnixListener::bind(&live).unwrap();
        let refused = prepare_unix_path(&live).unwrap_err();
        assert!(refused.contains("already listening"), "{refused}");
        drop(listener);
        // Now nobody listens: a stale socket, removed.
        prepare_unix_path(&live).unwrap();
        assert!(!live.exists());
        prepare_unix_path(&dir.join("nothing-here.sock")).unwrap();
    }

    #[tokio::test]
    async fn a_client_that_takes_no_bytes_times_the_write_out() {
        use tokio::io::AsyncWriteExt;
        // The peer end is kept but never read: a pipe of 64 bytes fills at once.
        let (near, _far) = tokio::io::duplex(64);
        let mut stream = WriteDeadline::new(near, Duration::from_millis(100));
        let error = stream.write_all(&[b'x'; 4096]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_client_that_reads_keeps_its_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (near, mut far) = tokio::io::duplex(64);
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            far.read_to_end(&mut all).await.map(|_| all.len())
        });
        let mut stream = WriteDeadline::new(near, Duration::from_millis(100));
        stream.write_all(&[b'x'; 4096]).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);
        assert_eq!(reader.await.unwrap().unwrap(), 4096);
    }
}
