//! Background threads the engine starts itself (a waiter per job, a grace-period watcher per
//! cancel). The engine's spawner enters the host's log scope on each thread; tests use one
//! that enters nothing.

use std::io;
use std::sync::Arc;

/// Work to run on a background thread.
pub type Task = Box<dyn FnOnce() + Send + 'static>;

/// Starts a named thread running a task.
pub type Spawner = Arc<dyn Fn(&str, Task) -> io::Result<()> + Send + Sync>;

/// A spawner whose threads hold the guard `enter` returns while their task runs.
pub fn spawner<G: 'static>(enter: impl Fn() -> G + Send + Sync + 'static) -> Spawner {
    let enter = Arc::new(enter);
    Arc::new(move |name: &str, task: Task| {
        let enter = Arc::clone(&enter);
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _scope = enter();
                task();
            })
            .map(drop)
    })
}
