//! The writer connection, with group commit.
//!
//! Writers run their own writes, one at a time, on the one connection, each in a savepoint of
//! a transaction that several writers share. A writer that sees others waiting for the
//! connection leaves the transaction open for them and waits; the last one in (or the one that
//! fills the batch) commits for all. Under load one commit — one append to the WAL of the pages
//! the batch touched and, with durable commits, one `fsync` — serves many writes; a writer
//! alone commits at once. A write that fails rolls back to its savepoint and touches no other
//! write; a commit that fails fails every write of its batch, none of which was written.
//! Either way a writer returns only once its write is committed or known not to be.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use rusqlite::Connection;

use super::{database, lock};
use crate::store::StoreError;

/// The most writes one commit carries.
const MAX_BATCH: usize = 64;

/// The writer connection and the batch it has open.
#[derive(Debug)]
pub(super) struct GroupWriter {
    state: Mutex<State>,
    /// Signalled when a batch is committed or has failed.
    finished: Condvar,
    /// Writers waiting for `state`.
    waiting: AtomicUsize,
}

#[derive(Debug)]
struct State {
    connection: Connection,
    /// The open batch: its id and how many writes it holds.
    open: Option<(u64, usize)>,
    next_batch: u64,
    /// Every batch up to this id has finished.
    finished_through: u64,
    /// Failed batches: why, and how many of their writers are still to be told.
    failures: HashMap<u64, (StoreError, usize)>,
}

impl GroupWriter {
    pub(super) fn new(connection: Connection) -> Self {
        let state = State { connection, open: None, next_batch: 1, finished_through: 0, failures: HashMap::new() };
        Self { state: Mutex::new(state), finished: Condvar::new(), waiting: AtomicUsize::new(0) }
    }

    /// Runs `use_connection` on the connection directly: settings, and an in-memory store's
    /// reads (which see a batch that is about to commit).
    pub(super) fn with_connection<T>(&self, use_connection: impl FnOnce(&Connection) -> T) -> T {
        use_connection(&lock(&self.state).connection)
    }

    /// Runs `write` in the shared transaction and returns once it is committed (or not).
    pub(super) fn write<T>(
        &self,
        operation: &'static str,
        write: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut state = lock(&self.state);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let (batch, writes) = match state.open {
            Some(open) => open,
            None => {
                cached(&state.connection, "BEGIN IMMEDIATE").map_err(database(operation))?;
                let batch = state.next_batch;
                state.next_batch += 1;
                (batch, 0)
            }
        };
        let result = in_savepoint(&state.connection, operation, write);
        if state.connection.is_autocommit() {
            // SQLite rolled the whole transaction back (a full or failing disk): every write of
            // the batch failed with it.
            let error = match &result {
                Err(error) => error.clone(),
                Ok(_) => StoreError::Database { operation, reason: "the transaction was rolled back".into() },
            };
            self.finish(&mut state, batch, writes, Some(error.clone()));
            return Err(error);
        }
        state.open = Some((batch, writes + 1));
        if self.waiting.load(Ordering::SeqCst) == 0 || writes + 1 >= MAX_BATCH {
            let committed = commit(&state.connection).map_err(database(operation));
            self.finish(&mut state, batch, writes, committed.clone().err());
            return committed.and(result);
        }
        // Writers are waiting for the connection: the last of them commits this batch too.
        while state.finished_through < batch {
            state = self.finished.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let Some((error, untold)) = state.failures.get_mut(&batch) else { return result };
        let error = error.clone();
        *untold -= 1;
        if *untold == 0 {
            state.failures.remove(&batch);
        }
        Err(error)
    }

    /// Ends `batch`, whose `waiters` earlier writes are waiting to hear how it ended.
    fn finish(&self, state: &mut State, batch: u64, waiters: usize, failure: Option<StoreError>) {
        state.open = None;
        state.finished_through = batch;
        if let Some(error) = failure.filter(|_| waiters > 0) {
            state.failures.insert(batch, (error, waiters));
        }
        self.finished.notify_all();
    }
}

/// Runs `write` in a savepoint: kept if it succeeds, undone if it fails or panics.
fn in_savepoint<T>(
    connection: &Connection,
    operation: &'static str,
    write: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    cached(connection, "SAVEPOINT write").map_err(database(operation))?;
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| write(connection))).unwrap_or_else(|_| {
        Err(StoreError::Database { operation, reason: "the write panicked; it was rolled back".into() })
    });
    if connection.is_autocommit() {
        return result;
    }
    let end = if result.is_ok() {
        cached(connection, "RELEASE write")
    } else {
        cached(connection, "ROLLBACK TO write").and_then(|()| cached(connection, "RELEASE write"))
    };
    end.map_err(database(operation))?;
    result
}

fn commit(connection: &Connection) -> rusqlite::Result<()> {
    let committed = cached(connection, "COMMIT");
    if committed.is_err() && !connection.is_autocommit() {
        let _ = cached(connection, "ROLLBACK");
    }
    committed
}

/// Runs a statement without parameters or rows, prepared once per connection.
fn cached(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(drop)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_batch_whose_commit_fails_fails_every_write_in_it() {
        let connection = Connection::open_in_memory().expect("open");
        // A deferred foreign key is checked at COMMIT, so the second write makes the commit fail.
        connection
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 CREATE TABLE parent (id INTEGER PRIMARY KEY);
                 CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                 CREATE TABLE kept (value INTEGER);",
            )
            .expect("schema");
        let writer = Arc::new(GroupWriter::new(connection));
        let (started, running) = std::sync::mpsc::channel();
        let first = {
            let writer = Arc::clone(&writer);
            std::thread::spawn(move || {
                writer.write("first", |connection| {
                    connection.execute("INSERT INTO kept VALUES (1)", []).map_err(database("first"))?;
                    started.send(()).expect("tell");
                    // Stay in until the second writer waits for the connection, so both share
                    // one batch and the second one commits it.
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while writer.waiting.load(Ordering::SeqCst) == 0 {
                        assert!(Instant::now() < deadline, "the second writer never queued");
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Ok(())
                })
            })
        };
        running.recv().expect("the first write runs");
        let second = writer.write("second", |connection| {
            connection.execute("INSERT INTO child VALUES (42)", []).map_err(database("second")).map(drop)
        });
        let first = first.join().expect("first writer");
        assert!(second.is_err(), "the commit failed: {second:?}");
        assert!(first.is_err(), "the first write was in the failed batch: {first:?}");
        let kept: i64 = writer
            .with_connection(|connection| connection.query_row("SELECT COUNT(*) FROM kept", [], |row| row.get(0)))
            .expect("count");
        assert_eq!(kept, 0, "nothing of the batch was written");
        assert!(writer.state.lock().expect("state").failures.is_empty(), "every waiter was told");
        writer
            .write("third", |connection| {
                connection.execute("INSERT INTO kept VALUES (3)", []).map_err(database("third")).map(drop)
            })
            .expect("the next write works");
    }
}
