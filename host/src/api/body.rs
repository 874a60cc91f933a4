//! Request bodies: JSON that fits a schema, or Sahara's 400; too large, 413. Nothing is written
//! for a body that does not parse.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::api::error::ApiError;

/// A JSON body deserialized into `T` (whose schema denies unknown fields).
pub(crate) struct JsonBody<T>(pub(crate) T);

/// The raw bytes of a body, within the size limit.
pub(crate) struct RawBody(pub(crate) Bytes);

async fn bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large")
        } else {
            ApiError::malformed(rejection.body_text())
        }
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = bytes(request, state).await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|err| ApiError::malformed(format!("the request body is not valid JSON: {err}")))?;
        let Some(object) = value.as_object() else {
            return Err(ApiError::validation("the request body must be a JSON object"));
        };
        // Leave a field out instead of sending null: no field of any body is nullable.
        if let Some((key, _)) = object.iter().find(|(_, value)| value.is_null()) {
            return Err(ApiError::validation(format!("`{key}` cannot be null; leave it out instead")));
        }
        T::deserialize(value).map(JsonBody).map_err(|err| ApiError::validation(err.to_string()))
    }
}

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        bytes(request, state).await.map(RawBody)
    }
}

/// Sahara's names: 1 to 80 characters, not blank, without `/` (the OpenAPI schema says the same).
pub(crate) fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.trim().is_empty() && name.chars().count() <= 80 && !name.contains('/');
    if ok { Ok(()) } else { Err(ApiError::validation("name must be 1 to 80 characters, not blank, without `/`")) }
}
