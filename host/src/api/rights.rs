//! Who may see and change what: a project sees its own objects and other projects' public ones
//! (read-only); protected objects cannot be changed, cancelled or deleted until unprotected.

use axum::http::StatusCode;

use crate::api::ApiState;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::store::{ClusterRecordRow, DataSourceRow, JobBinaryRow, JobExecutionRow, JobTemplateRow, Store, StoreError};

/// An object that belongs to a project.
pub(crate) trait Owned {
    /// Its project.
    fn project(&self) -> &str;
    /// Readable by every project.
    fn is_public(&self) -> bool;
    /// Frozen until unprotected.
    fn is_protected(&self) -> bool;
}

macro_rules! owned {
    ($($row:ty),*) => {$(
        impl Owned for $row {
            fn project(&self) -> &str {
                &self.project
            }
            fn is_public(&self) -> bool {
                self.is_public
            }
            fn is_protected(&self) -> bool {
                self.is_protected
            }
        }
    )*};
}

owned!(ClusterRecordRow, DataSourceRow, JobBinaryRow, JobExecutionRow, JobTemplateRow);

/// The record, if `caller` may read it; otherwise (and when missing) 404, so private objects
/// of other projects are not even confirmed to exist.
pub(crate) fn readable<T: Owned>(caller: &Caller, row: Option<T>, what: &str, id: &str) -> Result<T, ApiError> {
    match row {
        Some(row) if caller.can_read(row.project(), row.is_public()) => Ok(row),
        _ => Err(ApiError::not_found(what, id)),
    }
}

/// Reads the record `id` with `read` and checks that `caller` may read it.
pub(crate) async fn fetch<T: Owned + Send + 'static>(
    state: &ApiState,
    caller: &Caller,
    what: &str,
    id: &str,
    read: fn(&dyn Store, &str) -> Result<Option<T>, StoreError>,
) -> Result<T, ApiError> {
    let owned = id.to_owned();
    let row = state.db(move |store| read(store, &owned)).await?;
    readable(caller, row, what, id)
}

/// Whether `caller` may change `row`: only its own (403 for another project's public object),
/// and a protected one only by a change that unprotects it (`sets_protected == Some(false)`).
pub(crate) fn changeable(
    caller: &Caller,
    row: &impl Owned,
    sets_protected: Option<bool>,
    failed_name: &'static str,
    what: &str,
    id: &str,
) -> Result<(), ApiError> {
    if !caller.owns(row.project()) {
        return Err(ApiError::forbidden(format!("{what} `{id}` belongs to another project and is read-only here")));
    }
    if row.is_protected() && sets_protected != Some(false) {
        return Err(ApiError::protected(failed_name, what, id));
    }
    Ok(())
}

/// Reads, checks and deletes the record `id`: the whole of most `DELETE` endpoints.
pub(crate) async fn delete<T: Owned + Send + 'static>(
    state: &ApiState,
    caller: &Caller,
    what: &str,
    id: String,
    read: fn(&dyn Store, &str) -> Result<Option<T>, StoreError>,
    remove: fn(&dyn Store, &str) -> Result<bool, StoreError>,
) -> Result<StatusCode, ApiError> {
    let row = fetch(state, caller, what, &id, read).await?;
    changeable(caller, &row, None, "DELETION_FAILED", what, &id)?;
    state.db(move |store| remove(store, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
