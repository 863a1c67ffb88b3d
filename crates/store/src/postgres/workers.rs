//! [`Workers`]: plain threads, outside every tokio runtime, on which async callers run
//! PostgreSQL work.
//!
//! The blocking client panics on a thread that belongs to a tokio runtime, and a thread of
//! tokio's blocking pool cannot be told apart from a worker, so [`Postgres::run`](super::Postgres::run)
//! moves every call made on such a thread to a scoped thread of its own, which costs a thread
//! start per call. samod's storage calls the store all the time, so
//! [`DocumentStorage`](crate::DocumentStorage) hands its operations to these threads instead
//! of `spawn_blocking`: there `run` calls the client directly.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

/// One piece of work.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking jobs from one queue; they end when the set is dropped.
pub(crate) struct Workers {
    /// The queue's sending end; dropping it ends the threads once the queue is empty.
    queue: Mutex<Sender<Job>>,
}

impl Workers {
    /// Starts `threads` threads named `name-<n>`.
    pub(crate) fn new(threads: usize, name: &str) -> Workers {
        let (queue, jobs) = channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads {
            let jobs = Arc::clone(&jobs);
            let started = std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || work(&jobs));
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a postgresql worker thread");
            }
        }
        Workers {
            queue: Mutex::new(queue),
        }
    }

    /// Runs `f` on one of the threads; the future resolves to its result, or to the panic's
    /// message if it panicked (or no thread could take it).
    pub(crate) fn spawn<T, F>(&self, f: F) -> impl Future<Output = Result<T, String>> + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(f)));
        });
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        async move {
            queued.map_err(|_| "the postgresql worker threads have ended".to_owned())?;
            match result.await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(panic)) => Err(panic_message(panic.as_ref())),
                Err(_) => Err("a postgresql worker thread ended mid-job".to_owned()),
            }
        }
    }
}

/// A worker thread's loop: take a job, run it, until the queue is closed.
fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// The text a panic carried, if it was a string.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a storage operation panicked".to_owned())
}
