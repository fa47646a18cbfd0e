//! A pool of scratch spaces shared by parallel tasks.
//!
//! A task takes a free scratch space, or makes one, and gives it back when done, so that the
//! steps of a fit allocate their scratch space only once per task that runs at a time.

use std::sync::Mutex;

/// Free scratch spaces of one kind.
pub(crate) struct Pool<T> {
    free: Mutex<Vec<T>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            free: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Pool<T> {
    /// Returns a free item for which `fits` is true, or a new one from `make`.
    pub fn take(&self, fits: impl Fn(&T) -> bool, make: impl FnOnce() -> T) -> T {
        let reused = self
            .free
            .lock()
            .expect("the pool lock is never poisoned")
            .pop();
        match reused {
            Some(item) if fits(&item) => item,
            _ => make(),
        }
    }

    /// Returns an item to the pool.
    pub fn give_back(&self, item: T) {
        self.free
            .lock()
            .expect("the pool lock is never poisoned")
            .push(item);
    }
}
