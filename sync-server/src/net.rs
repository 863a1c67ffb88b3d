//! The server's TCP listener: every accepted connection must speak within
//! [`FIRST_BYTE_TIMEOUT`] and is closed after [`IDLE_TIMEOUT`] without a byte in either
//! direction.
//!
//! Without this, a client can open thousands of connections and say nothing, holding a task,
//! a socket and a file descriptor each for as long as it likes. A websocket is never idle for
//! long while its peer lives: the server pings it every `sync::connection::PING_INTERVAL` and
//! the pong is a read.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a new connection may stay silent before its first byte.
pub const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may go without reading or writing a byte.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A TCP listener whose connections time out when silent.
pub struct TimedListener {
    inner: TcpListener,
}

impl TimedListener {
    /// Wraps `inner`.
    pub fn new(inner: TcpListener) -> TimedListener {
        TimedListener { inner }
    }
}

impl Listener for TimedListener {
    type Io = TimedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.inner).await;
        let _ = stream.set_nodelay(true);
        (TimedStream::new(stream), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The client's address, for handlers (`ConnectInfo<ClientAddr>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, TimedListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, TimedListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// A TCP stream that fails with [`io::ErrorKind::TimedOut`] when silent too long.
pub struct TimedStream {
    inner: TcpStream,
    deadline: Pin<Box<Sleep>>,
    /// Whether a byte was read yet (the first deadline is shorter).
    spoke: bool,
}

impl TimedStream {
    fn new(inner: TcpStream) -> TimedStream {
        TimedStream {
            inner,
            deadline: Box::pin(tokio::time::sleep(FIRST_BYTE_TIMEOUT)),
            spoke: false,
        }
    }

    /// Pushes the deadline back after activity.
    fn active(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + IDLE_TIMEOUT);
    }

    /// A write's outcome: activity (once the client has spoken) pushes the deadline back; a
    /// write that cannot proceed waits no longer than the deadline.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        outcome: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match outcome {
            Poll::Ready(Ok(written)) => {
                if written > 0 && self.spoke {
                    self.active();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => self.expired(cx),
        }
    }

    /// `Pending` while the deadline has not passed; the timeout error once it has.
    fn expired<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                if self.spoke {
                    "connection idle too long"
                } else {
                    "no request within the handshake timeout"
                },
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.spoke = true;
                    self.active();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => self.expired(cx),
        }
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(cx, written)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.expired(cx),
            ready => ready,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
