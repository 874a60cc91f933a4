//! [`ApiError`]: the one error type of the REST API, rendered as Sahara's error body
//! `{"error_code": <HTTP status>, "error_name": "...", "error_message": "..."}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::manager::ManagerError;
use crate::store::StoreError;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Sahara's error name, e.g. `NOT_FOUND`.
    pub name: &'static str,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// An error with `status`, `name` and `message`.
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into() }
    }

    /// 400 `VALIDATION_ERROR`: the body or a parameter does not fit the schema.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// 400 `MALFORMED_REQUEST_BODY`: the body is not JSON.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST_BODY", message)
    }

    /// 400 `INVALID_REFERENCE`: a referenced object does not exist.
    pub fn invalid_reference(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REFERENCE", message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", format!("{what} `{id}` not found"))
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    /// 403 `FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 400 with one of Sahara's `*_FAILED` names, for protected objects.
    pub fn protected(name: &'static str, what: &str, id: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, name, format!("{what} `{id}` is protected; unprotect it first"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_code": self.status.as_u16(),
            "error_name": self.name,
            "error_message": self.message,
        });
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { .. } => Self::new(StatusCode::CONFLICT, "NAME_ALREADY_EXISTS", error.to_string()),
            StoreError::InUse { what, by } => {
                Self::new(StatusCode::BAD_REQUEST, "DELETION_FAILED", format!("{what} is in use: {by}"))
            }
            StoreError::Full { .. } => {
                Self::new(StatusCode::INSUFFICIENT_STORAGE, "INSUFFICIENT_STORAGE", error.to_string())
            }
            StoreError::ReadOnly { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "STORE_READ_ONLY", error.to_string())
            }
            StoreError::Unavailable { .. } => {
                tracing::error!(%error, "the store's disk failed behind an API request");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "STORE_UNAVAILABLE", error.to_string())
            }
            StoreError::Database { .. } => {
                tracing::error!(%error, "store failure behind an API request");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "STORE_ERROR", error.to_string())
            }
        }
    }
}

impl From<ManagerError> for ApiError {
    fn from(error: ManagerError) -> Self {
        let message = error.to_string();
        match error {
            ManagerError::NotFound { what, id } => Self::not_found(what, &id),
            ManagerError::ClusterNotActive { .. } => Self::new(StatusCode::BAD_REQUEST, "INVALID_DATA", message),
            ManagerError::NoEngine(_) | ManagerError::UnsupportedJobType { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "INVALID_REFERENCE", message)
            }
            ManagerError::Invalid(_) => Self::new(StatusCode::BAD_REQUEST, "INVALID_DATA", message),
            ManagerError::WrongStatus { .. } => Self::new(StatusCode::BAD_REQUEST, "INVALID_JOB_STATUS", message),
            ManagerError::Engine(crate::engine::EngineCallError::NotCapable { .. }) => {
                Self::new(StatusCode::BAD_REQUEST, "NOT_SUPPORTED", message)
            }
            ManagerError::EngineUnavailable { .. } | ManagerError::Engine(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "ENGINE_UNAVAILABLE", message)
            }
            ManagerError::CancelTimedOut { .. } => Self::new(StatusCode::CONFLICT, "CANCELING_FAILED", message),
            ManagerError::Store(store) => store.into(),
            ManagerError::Internal(_) => {
                tracing::error!(%message, "internal error behind an API request");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", message)
            }
        }
    }
}
