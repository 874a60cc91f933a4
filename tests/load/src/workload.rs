//! What a phase sends and what it keeps from the answers: launches (keeping acknowledged
//! ids), requests cycled over a set, each request of a set once, and job status reads.

use std::sync::atomic::{AtomicU64, Ordering};

use hyper::{Request, StatusCode};

use crate::http::{Body, Reply, RequestTemplate};
use crate::job_json;

/// The requests of a phase and what is kept from their answers.
pub(crate) trait Workload: Send + Sync + 'static {
    /// What one connection keeps from its answers.
    type Seen: Default + Send + 'static;

    /// The request with sequence number `sequence`, or `None` once the workload is done.
    fn request(&self, sequence: u64) -> Option<Request<Body>>;

    /// Looks at the answer to request `sequence`.
    fn observe(&self, _seen: &mut Self::Seen, _sequence: u64, _reply: &Reply) {}

    /// How many more times a request that got no answer is sent.
    fn retries(&self) -> u32 {
        0
    }
}

/// `POST /v2/jobs` again and again; a 202 acknowledges a job, whose id is kept.
pub(crate) struct Launches {
    template: RequestTemplate,
    acknowledged: AtomicU64,
}

impl Launches {
    /// Launches sending `template`.
    pub(crate) fn new(template: RequestTemplate) -> Launches {
        Launches { template, acknowledged: AtomicU64::new(0) }
    }

    /// Jobs acknowledged so far, over every connection.
    pub(crate) fn acknowledged(&self) -> u64 {
        self.acknowledged.load(Ordering::Relaxed)
    }
}

impl Workload for Launches {
    type Seen = Vec<String>;

    fn request(&self, _sequence: u64) -> Option<Request<Body>> {
        Some(self.template.build())
    }

    fn observe(&self, seen: &mut Vec<String>, _sequence: u64, reply: &Reply) {
        if reply.status == StatusCode::ACCEPTED
            && let Some(id) = job_json::job_id(&reply.body)
        {
            seen.push(id);
            self.acknowledged.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The requests of a set, in turn, for as long as the phase lasts.
pub(crate) struct Cycle {
    templates: Vec<RequestTemplate>,
}

impl Cycle {
    /// Cycles over `templates` (at least one).
    pub(crate) fn new(templates: Vec<RequestTemplate>) -> Cycle {
        Cycle { templates }
    }
}

impl Workload for Cycle {
    type Seen = ();

    fn request(&self, sequence: u64) -> Option<Request<Body>> {
        let len = u64::try_from(self.templates.len()).ok().filter(|len| *len > 0)?;
        let index = usize::try_from(sequence % len).ok()?;
        self.templates.get(index).map(RequestTemplate::build)
    }
}

/// Each request of a set once (retried when it gets no answer).
pub(crate) struct EachOnce {
    templates: Vec<RequestTemplate>,
}

impl EachOnce {
    /// Sends each of `templates` once.
    pub(crate) fn new(templates: Vec<RequestTemplate>) -> EachOnce {
        EachOnce { templates }
    }
}

impl Workload for EachOnce {
    type Seen = ();

    fn request(&self, sequence: u64) -> Option<Request<Body>> {
        self.templates.get(usize::try_from(sequence).ok()?).map(RequestTemplate::build)
    }

    fn retries(&self) -> u32 {
        3
    }
}

/// What a job read said about one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobState {
    /// 404: the server does not know the job.
    Missing,
    /// 200 with this status.
    Status(String),
    /// Any other answer, or a body without a status.
    Unreadable(u16),
}

/// `GET /v2/jobs/{id}` once for each job of a set, keeping each job's state.
pub(crate) struct StatusReads {
    templates: Vec<RequestTemplate>,
}

impl StatusReads {
    /// Reads each of `templates` (job reads) once.
    pub(crate) fn new(templates: Vec<RequestTemplate>) -> StatusReads {
        StatusReads { templates }
    }
}

impl Workload for StatusReads {
    type Seen = Vec<(u64, JobState)>;

    fn request(&self, sequence: u64) -> Option<Request<Body>> {
        self.templates.get(usize::try_from(sequence).ok()?).map(RequestTemplate::build)
    }

    fn observe(&self, seen: &mut Self::Seen, sequence: u64, reply: &Reply) {
        let state = match reply.status {
            StatusCode::NOT_FOUND => JobState::Missing,
            StatusCode::OK => match job_json::job_status(&reply.body) {
                Some(status) => JobState::Status(status),
                None => JobState::Unreadable(200),
            },
            other => JobState::Unreadable(other.as_u16()),
        };
        seen.push((sequence, state));
    }

    fn retries(&self) -> u32 {
        3
    }
}
