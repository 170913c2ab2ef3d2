//! SQLite only: keeps the search index up with new messages from a thread of its own, every
//! 100 ms, in bulk (see `store::search::index_pending`); straight on while it is behind.

use std::time::Duration;

use crate::db::Pool;
use crate::store::search;

const EVERY: Duration = Duration::from_millis(100);
/// After a failure (the database is away, say): searches still see unindexed messages.
const AFTER_FAILURE: Duration = Duration::from_secs(10);

pub(crate) fn spawn(pool: Pool) {
    let spawned = std::thread::Builder::new()
        .name("search-index".into())
        .spawn(move || {
            loop {
                let indexed = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                    search::index_pending(&mut conn).map_err(|e| e.to_string())
                });
                match indexed {
                    Ok(0) => std::thread::sleep(EVERY),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "search indexing failed; retrying in 10 s");
                        std::thread::sleep(AFTER_FAILURE);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the search indexer");
    }
}
