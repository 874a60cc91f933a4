//! Who may see and change what: a project sees its own objects and other projects' public ones
//! (read-only); protected objects cannot be changed, cancelled or deleted until unprotected.

use crate::api::auth::Caller;
use crate::api::error::ApiError;

/// The record, if `caller` may read it; otherwise (and when missing) 404, so private objects
/// of other projects are not even confirmed to exist.
pub(crate) fn readable<T>(
    caller: &Caller,
    row: Option<T>,
    what: &str,
    id: &str,
    owner: impl Fn(&T) -> (&String, bool),
) -> Result<T, ApiError> {
    match row {
        Some(row)
            if {
                let (project, is_public) = owner(&row);
                caller.can_read(project, is_public)
            } =>
        {
            Ok(row)
        }
        _ => Err(ApiError::not_found(what, id)),
    }
}

/// Whether `caller` may change an object of `project`: only its own (403 for another
/// project's public object), and a protected one only by a change that unprotects it.
pub(crate) fn changeable(
    caller: &Caller,
    project: &str,
    is_protected: bool,
    sets_protected: Option<bool>,
    failed_name: &'static str,
    what: &str,
    id: &str,
) -> Result<(), ApiError> {
    if !caller.owns(project) {
        return Err(ApiError::forbidden(format!("{what} `{id}` belongs to another project and is read-only here")));
    }
    if is_protected && sets_protected != Some(false) {
        return Err(ApiError::protected(failed_name, what, id));
    }
    Ok(())
}
