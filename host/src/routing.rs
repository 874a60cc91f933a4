//! Routing: which engine runs a job of a given type on a given cluster type and version.
//!
//! The most specific matching route wins (cluster type, then job types, then versions); the
//! config check already refused ties. There is no implied default: a job that no route matches
//! has no engine. A route whose engine failed to load stays in the table and says so.

use std::fmt;

use edp_plugin_api::JobType;

use crate::config::{ClusterTypeMatch, ConfigError, RouteSpec};
use crate::plugins::EngineRegistry;
use crate::version::Version;

/// The routes, checked against the engines.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<RouteSpec>,
}

/// The question routing answers.
#[derive(Debug, Clone)]
pub struct RouteQuery<'a> {
    /// Cluster type (Sahara's provisioning plugin name).
    pub cluster_type: &'a str,
    /// The cluster type's version, if known.
    pub version: Option<&'a str>,
    /// The job type.
    pub job_type: JobType,
}

/// Why a route did or did not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It matches.
    Matches,
    /// It does not, because of this.
    Skipped(String),
}

/// The answer of [`RouteTable::explain`].
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Each route with its verdict, in file order.
    pub considered: Vec<(RouteSpec, Verdict)>,
    /// The outcome.
    pub outcome: Result<RouteSpec, NoEngine>,
}

/// Why a job has no engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoEngine {
    /// No route matches.
    #[error("no route matches cluster type `{cluster_type}`{}, job type {job_type}, and there is no default route (cluster_type = \"*\")", version.as_ref().map(|v| format!(" version {v}")).unwrap_or_default())]
    NoRoute {
        /// Cluster type.
        cluster_type: String,
        /// Version.
        version: Option<String>,
        /// Job type.
        job_type: JobType,
    },
}

impl RouteTable {
    /// Checks `routes` against `registry`: every route names an engine that exists (loaded or
    /// not), and every job type a route lists is one its engine runs.
    pub fn build(routes: &[RouteSpec], registry: &EngineRegistry) -> Result<RouteTable, Vec<ConfigError>> {
        let mut errors = Vec::new();
        for route in routes {
            let subject = format!("route #{}", route.number);
            let Some(slot) = registry.slot(&route.engine) else {
                let known: Vec<&str> = registry.slots().map(|slot| slot.name.as_str()).collect();
                errors.push(ConfigError {
                    position: route.engine_position.clone(),
                    subject,
                    message: format!(
                        "unknown engine `{}` (engines: {})",
                        route.engine,
                        if known.is_empty() { "none".into() } else { known.join(", ") }
                    ),
                });
                continue;
            };
            if let (Some(job_types), Some(description)) = (&route.job_types, &slot.description) {
                for job_type in job_types {
                    if !description.job_types.iter().any(|supported| job_type.covers(*supported)) {
                        errors.push(ConfigError {
                            position: route.position.clone(),
                            subject: subject.clone(),
                            message: format!(
                                "engine `{}` does not run {job_type} jobs (it runs: {})",
                                route.engine,
                                job_type_list(&description.job_types)
                            ),
                        });
                    }
                }
            }
            if slot.handle().is_none() {
                tracing::warn!(route = route.number, engine = %route.engine, "route leads to an engine that is not loaded");
            }
        }
        if errors.is_empty() { Ok(RouteTable { routes: routes.to_vec() }) } else { Err(errors) }
    }

    /// The routes.
    pub fn routes(&self) -> &[RouteSpec] {
        &self.routes
    }

    /// The route for `query`, if any.
    pub fn resolve(&self, query: &RouteQuery<'_>) -> Result<&RouteSpec, NoEngine> {
        self.routes
            .iter()
            .filter(|route| verdict(route, query) == Verdict::Matches)
            .max_by_key(|route| route.specificity())
            .ok_or_else(|| no_route(query))
    }

    /// Every route's verdict for `query`, and the outcome.
    pub fn explain(&self, query: &RouteQuery<'_>) -> Explanation {
        Explanation {
            considered: self.routes.iter().map(|route| (route.clone(), verdict(route, query))).collect(),
            outcome: self.resolve(query).cloned(),
        }
    }
}

fn no_route(query: &RouteQuery<'_>) -> NoEngine {
    NoEngine::NoRoute {
        cluster_type: query.cluster_type.to_owned(),
        version: query.version.map(str::to_owned),
        job_type: query.job_type,
    }
}

fn job_type_list(job_types: &[JobType]) -> String {
    job_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

fn verdict(route: &RouteSpec, query: &RouteQuery<'_>) -> Verdict {
    if let ClusterTypeMatch::Exactly(cluster_type) = &route.cluster_type
        && cluster_type != query.cluster_type
    {
        return Verdict::Skipped(format!("cluster type is `{}`, not `{cluster_type}`", query.cluster_type));
    }
    if let Some(job_types) = &route.job_types
        && !job_types.iter().any(|t| t.covers(query.job_type))
    {
        return Verdict::Skipped(format!("job type {} is not in {}", query.job_type, job_type_list(job_types)));
    }
    if let Some(requirement) = &route.versions {
        let Some(text) = query.version else {
            return Verdict::Skipped(format!("the route requires versions {requirement} and no version was given"));
        };
        match text.parse::<Version>() {
            Err(err) => return Verdict::Skipped(format!("the route requires versions {requirement}, and {err}")),
            Ok(version) if !requirement.matches(&version) => {
                return Verdict::Skipped(format!("version {version} does not meet {requirement}"));
            }
            Ok(_) => {}
        }
    }
    Verdict::Matches
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Ok(route) => writeln!(f, "engine: {}\nchosen: {}", route.engine, route.describe())?,
            Err(why) => writeln!(f, "engine: none\nwhy: {why}")?,
        }
        if !self.considered.is_empty() {
            writeln!(f, "considered:")?;
        }
        for (route, verdict) in &self.considered {
            match verdict {
                Verdict::Matches => writeln!(f, "  matches   {} -> {}", route.describe(), route.engine)?,
                Verdict::Skipped(why) => writeln!(f, "  no match  {} -> {}: {why}", route.describe(), route.engine)?,
            }
        }
        Ok(())
    }
}
