//! Authentication and project scope: `X-Auth-Token` → a project and a role; v1.1's
//! `{project_id}` must be the token's project (admins may act in any project).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::api::ApiState;
use crate::api::error::ApiError;
use crate::config::{Role, TokenSettings};

/// The project requests act in when no token is configured.
pub(crate) const DEVELOPMENT_PROJECT: &str = "default";

/// Who is calling, and in which project they act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The project the request acts in.
    pub project: String,
    /// Admins see and act on every project's objects.
    pub admin: bool,
}

impl Caller {
    /// Whether the caller may read an object of `project` with `is_public`.
    pub fn can_read(&self, project: &str, is_public: bool) -> bool {
        self.admin || is_public || project == self.project
    }

    /// Whether the caller may change or delete an object of `project`.
    pub fn owns(&self, project: &str) -> bool {
        self.admin || project == self.project
    }

    /// The project filter for listings: `None` for admins (everything).
    pub fn listing_project(&self) -> Option<&str> {
        if self.admin { None } else { Some(&self.project) }
    }
}

/// The configured tokens. Never logged: only the project and role are.
#[derive(Clone, Default)]
pub struct Tokens {
    by_token: Arc<HashMap<String, (String, Role)>>,
}

impl Tokens {
    /// From `[[auth.tokens]]`.
    pub fn new(tokens: &[TokenSettings]) -> Self {
        let by_token = tokens.iter().map(|t| (t.token.clone(), (t.project.clone(), t.role))).collect();
        Self { by_token: Arc::new(by_token) }
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }

    fn caller(&self, token: &str) -> Option<Caller> {
        self.by_token.get(token).map(|(project, role)| Caller { project: project.clone(), admin: *role == Role::Admin })
    }
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let path_project =
            parts.uri.path().strip_prefix("/v1.1/").and_then(|rest| rest.split('/').next()).map(str::to_owned);
        let mut caller = if state.tokens.is_empty() {
            // Development mode: no tokens configured, so the host listens on loopback only
            // (serve refuses anything else) and trusts every request.
            Caller { project: DEVELOPMENT_PROJECT.into(), admin: true }
        } else {
            let token = parts
                .headers
                .get("x-auth-token")
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| ApiError::unauthorized("an X-Auth-Token header is required"))?;
            state.tokens.caller(token).ok_or_else(|| ApiError::unauthorized("the token is not valid"))?
        };
        if let Some(project) = path_project {
            if caller.admin {
                caller.project = project;
            } else if project != caller.project {
                return Err(ApiError::forbidden(format!("the token does not act in project `{project}`")));
            }
        }
        Ok(caller)
    }
}
