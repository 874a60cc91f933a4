//! The fake Oozie server: web-services API v1 and v2, workflow and coordinator jobs.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};

use super::server::{Request, Response};
use super::{Fake, Shared, State};

/// Oozie's error answer: the headers carry the error, the body is the container's HTML page.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let page = format!(
        "<html><head><title>Apache Tomcat/6.0.44 - Error report</title></head><body><h1>HTTP Status {status} - \
         {escaped}</h1><HR size=\"1\" noshade=\"noshade\"><p><b>type</b> Status report</p><p><b>message</b> \
         <u>{escaped}</u></p><HR size=\"1\" noshade=\"noshade\"><h3>Apache Tomcat/6.0.44</h3></body></html>"
    );
    Response::new(status, "text/html;charset=utf-8", page)
        .with_header("oozie-error-code", code)
        .with_header("oozie-error-message", message)
}

fn date(time: Option<SystemTime>) -> Value {
    time.map_or(Value::Null, |time| Value::String(httpdate::fmt_http_date(time)))
}

const TERMINAL: [&str; 5] = ["SUCCEEDED", "KILLED", "FAILED", "DONEWITHERROR", "IGNORED"];

/// A job as the fake keeps it.
#[derive(Debug, Clone)]
pub(crate) struct FakeJob {
    pub(crate) id: String,
    pub(crate) app_name: String,
    pub(crate) app_path: String,
    pub(crate) coordinator: bool,
    pub(crate) conf_xml: String,
    pub(crate) conf: BTreeMap<String, String>,
    pub(crate) definition: String,
    pub(crate) status: String,
    pub(crate) user: String,
    pub(crate) action_type: String,
    /// Every control action received, ignored or not.
    pub(crate) controls: Vec<String>,
    /// How many starts took effect.
    pub(crate) starts: u32,
    pub(crate) created: SystemTime,
    pub(crate) started: Option<SystemTime>,
    pub(crate) ended: Option<SystemTime>,
    pub(crate) modified: SystemTime,
    script: Vec<(String, Option<Duration>)>,
    phase: usize,
    running_since: Option<Instant>,
    ran: Duration,
    ignore: Vec<String>,
    coord_start: Option<SystemTime>,
    coord_end: Option<SystemTime>,
}

fn parse_duration(text: &str) -> Option<Duration> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    text.strip_suffix('s').and_then(|s| s.parse().ok()).map(Duration::from_secs_f64)
}

fn parse_script(text: &str) -> Vec<(String, Option<Duration>)> {
    text.split(',')
        .map(|item| match item.split_once(':') {
            Some((status, duration)) => (status.trim().to_owned(), parse_duration(duration.trim())),
            None => (item.trim().to_owned(), None),
        })
        .collect()
}

/// `2015-06-10T06:05Z` as a time.
fn coord_time(text: &str) -> Option<SystemTime> {
    let (date, time) = text.trim_end_matches('Z').split_once('T')?;
    let mut date = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (date.next()??, date.next()??, date.next()??);
    let (h, min) = time.split_once(':')?;
    let (h, min) = (h.parse::<i64>().ok()?, min.parse::<i64>().ok()?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = u64::try_from((days * 24 + h) * 3600 + min * 60).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

impl FakeJob {
    fn running_for(&self) -> Duration {
        self.ran + self.running_since.map_or(Duration::ZERO, |since| since.elapsed())
    }

    fn enter(&mut self, status: &str) {
        self.status = status.to_owned();
        self.modified = SystemTime::now();
        if status == "RUNNING" {
            self.running_since = Some(Instant::now());
        } else {
            self.running_since = None;
        }
        if TERMINAL.contains(&status) {
            self.ended = Some(SystemTime::now());
        }
    }

    /// Moves the job along its script (or, for a coordinator, its schedule).
    pub(crate) fn advance(&mut self) {
        if self.coordinator {
            let now = SystemTime::now();
            if self.status == "PREP" && self.coord_start.is_some_and(|start| start <= now) {
                self.enter("RUNNING");
            }
            if self.status == "RUNNING" && self.coord_end.is_some_and(|end| end <= now) {
                self.enter("SUCCEEDED");
            }
            return;
        }
        while self.status == "RUNNING" {
            let Some((_, Some(limit))) = self.script.get(self.phase).cloned() else { return };
            if self.running_for() < limit {
                return;
            }
            self.phase += 1;
            self.ran = Duration::ZERO;
            let next = self.script.get(self.phase).map_or("SUCCEEDED".to_owned(), |(status, _)| status.clone());
            self.enter(&next);
        }
    }

    /// Sets a status as Oozie itself would (the job's own progress).
    pub(crate) fn force(&mut self, status: &str) {
        self.advance();
        self.enter(status);
    }

    fn ignores(&self, action: &str) -> bool {
        self.ignore.iter().any(|ignored| ignored == action)
    }

    /// A control action, with Oozie's silent preconditions.
    fn control(&mut self, action: &str) {
        self.advance();
        self.controls.push(action.to_owned());
        if self.ignores(action) {
            return;
        }
        let status = self.status.clone();
        match (action, status.as_str(), self.coordinator) {
            ("start", "PREP", false) => {
                self.starts += 1;
                self.started = Some(SystemTime::now());
                self.phase = 0;
                self.ran = Duration::ZERO;
                let first = self.script.first().map_or("RUNNING".to_owned(), |(status, _)| status.clone());
                self.enter(&first);
            }
            ("suspend", "RUNNING", _) => {
                self.ran = self.running_for();
                self.enter("SUSPENDED");
            }
            ("suspend", "PREP", true) => self.enter("PREPSUSPENDED"),
            ("resume", "SUSPENDED", _) => self.enter("RUNNING"),
            ("resume", "PREPSUSPENDED", true) => self.enter("PREP"),
            ("kill", "PREP" | "RUNNING" | "SUSPENDED" | "FAILED", _) => self.enter("KILLED"),
            ("kill", "PREPSUSPENDED" | "RUNNINGWITHERROR" | "PAUSED", true) => self.enter("KILLED"),
            // Any other combination: XCommand's precondition fails, is logged, and swallowed.
            _ => {}
        }
    }

    fn console_url(&self, port: u16) -> String {
        format!("http://127.0.0.1:{port}/oozie?job={}", self.id)
    }

    fn action_status(&self) -> &'static str {
        match self.status.as_str() {
            "PREP" => "PREP",
            "RUNNING" | "SUSPENDED" => "RUNNING",
            "SUCCEEDED" => "OK",
            "FAILED" => "ERROR",
            _ => "KILLED",
        }
    }

    /// `WorkflowJobBean.toJSONObject` / `CoordinatorJobBean.toJSONObject`.
    pub(crate) fn info(&self, port: u16) -> Value {
        if self.coordinator {
            return json!({
                "coordJobId": self.id, "coordJobName": self.app_name, "coordJobPath": self.app_path,
                "conf": self.conf_xml, "status": self.status, "executionPolicy": "FIFO",
                "frequency": self.conf.get("frequency").cloned().unwrap_or_default(), "timeUnit": "MINUTE",
                "timeZone": "UTC", "concurrency": 1, "timeOut": 120, "lastAction": Value::Null,
                "nextMaterializedTime": Value::Null, "startTime": date(self.coord_start), "endTime": date(self.coord_end),
                "pauseTime": Value::Null, "createdTime": date(Some(self.created)), "user": self.user, "group": Value::Null,
                "acl": Value::Null, "consoleUrl": self.console_url(port), "actions": [], "total": 0,
                "coordExternalId": Value::Null, "bundleId": Value::Null, "mat_throttling": 12,
                "toString": format!("Coordinator application id[{}] status[{}]", self.id, self.status)
            });
        }
        let mut actions = Vec::new();
        if self.started.is_some() {
            actions.push(json!({
                "id": format!("{}@:start:", self.id), "name": ":start:", "type": ":START:", "status": "OK",
                "externalStatus": "OK", "transition": "job-node", "startTime": date(self.started),
                "endTime": date(self.started), "retries": 0, "errorCode": Value::Null, "errorMessage": Value::Null,
                "externalId": "-", "trackerUri": "-", "consoleUrl": "-", "data": Value::Null, "stats": Value::Null,
                "externalChildIDs": Value::Null, "cred": "null", "conf": "", "userRetryInterval": 10,
                "userRetryCount": 0, "userRetryMax": 0,
                "toString": format!("Action name[:start:] status[OK]")
            }));
            let failed = self.status == "FAILED";
            actions.push(json!({
                "id": format!("{}@job-node", self.id), "name": "job-node", "type": self.action_type,
                "status": self.action_status(), "externalStatus": if failed { "FAILED/KILLED" } else { "RUNNING" },
                "transition": if failed { Value::from("fail") } else { Value::Null }, "startTime": date(self.started),
                "endTime": date(self.ended), "retries": 0,
                "errorCode": if failed { Value::from("JA018") } else { Value::Null },
                "errorMessage": if failed { Value::from("Main class [org.apache.oozie.action.hadoop.PigMain], exit code [2]") } else { Value::Null },
                "externalId": format!("job_1433916300000_{:04}", self.id.len()), "trackerUri": "resourcemanager.fake:8032",
                "consoleUrl": "http://resourcemanager.fake:8088/proxy/application_1433916300000_0001/",
                "data": Value::Null, "stats": Value::Null, "externalChildIDs": Value::Null, "cred": "null",
                "conf": "", "userRetryInterval": 10, "userRetryCount": 0, "userRetryMax": 0,
                "toString": format!("Action name[job-node] status[{}]", self.action_status())
            }));
        }
        json!({
            "appPath": self.app_path, "appName": self.app_name, "id": self.id, "externalId": Value::Null,
            "parentId": Value::Null, "conf": self.conf_xml, "status": self.status,
            "lastModTime": date(Some(self.modified)), "createdTime": date(Some(self.created)),
            "startTime": date(self.started), "endTime": date(self.ended), "user": self.user, "group": Value::Null,
            "acl": Value::Null, "run": 0, "consoleUrl": self.console_url(port), "actions": actions,
            "toString": format!("Workflow id[{}] status[{}]", self.id, self.status)
        })
    }
}

/// The properties of a Hadoop configuration document, or why it is not one.
pub(crate) fn configuration(xml: &str) -> Result<BTreeMap<String, String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut properties = BTreeMap::new();
    let (mut name, mut value) = (None::<String>, None::<String>);
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|err| err.to_string())? {
            Event::Start(start) => {
                let tag = start.name().as_ref().to_owned();
                if !saw_root && tag != "configuration" {
                    return Err(format!("root element is <{tag}>, not <configuration>"));
                }
                saw_root = true;
                match tag.as_str() {
                    "property" => (name, value) = (None, None),
                    "name" | "value" => {
                        field = Some(tag);
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Empty(empty) if empty.name().as_ref() == "value" => value = Some(String::new()),
            Event::Text(raw) if field.is_some() => {
                let raw: &str = raw.as_ref();
                text.push_str(&quick_xml::escape::unescape(raw).map_err(|err| err.to_string())?);
            }
            Event::GeneralRef(reference) if field.is_some() => {
                let entity = format!("&{};", AsRef::<str>::as_ref(&reference));
                text.push_str(&quick_xml::escape::unescape(&entity).map_err(|err| err.to_string())?);
            }
            Event::End(end) => match end.name().as_ref() {
                "name" => {
                    name = Some(text.clone());
                    field = None;
                }
                "value" => {
                    value = Some(text.clone());
                    field = None;
                }
                "property" => {
                    let key = name.take().ok_or("a <property> without <name>")?;
                    properties.insert(key, value.take().unwrap_or_default());
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("no <configuration> element".into());
    }
    Ok(properties)
}

/// What the fake reads from a workflow or coordinator definition.
struct Definition {
    app_name: String,
    action_type: String,
    properties: BTreeMap<String, String>,
    variables: Vec<String>,
}

fn definition(xml: &str) -> Result<Definition, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut app_name = None;
    let mut action_type = String::new();
    loop {
        let event = reader.read_event().map_err(|err| err.to_string())?;
        let (start, empty) = match &event {
            Event::Start(start) => (Some(start.clone()), false),
            Event::Empty(start) => (Some(start.clone()), true),
            Event::End(_) => {
                stack.pop();
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(start) = start {
            let tag = start.name().as_ref().to_owned();
            if stack.is_empty() {
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|err| err.to_string())?;
                    if attribute.key.as_ref() == "name" {
                        let value: &str = attribute.value.as_ref();
                        app_name =
                            Some(quick_xml::escape::unescape(value).map_err(|err| err.to_string())?.into_owned());
                    }
                }
            } else if stack.last().is_some_and(|parent| parent == "action") && action_type.is_empty() {
                action_type = tag.clone();
            }
            if !empty {
                stack.push(tag);
            }
        }
    }
    let app_name = app_name.ok_or("the application has no name")?;
    let mut properties = BTreeMap::new();
    if let (Some(start), Some(end)) = (xml.find("<configuration>"), xml.rfind("</configuration>")) {
        properties = configuration(&xml[start..end + "</configuration>".len()])?;
    }
    let mut variables = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.".contains(c)) {
            variables.push(name.to_owned());
        }
        rest = &after[end..];
    }
    Ok(Definition { app_name, action_type, properties, variables })
}

fn system_mode_refuses(state: &State, request: &Request) -> Option<Response> {
    (request.method != "GET" && state.system_mode != "NORMAL").then(|| {
        error(503, "E0002", &format!("System is in [{}] mode, only read operations are allowed", state.system_mode))
    })
}

fn submit(shared: &Shared, request: &Request) -> Response {
    let content_type = request.header("content-type").unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/xml") {
        return error(400, "E0300", &format!("Invalid content-type [{content_type}], expected [application/xml]"));
    }
    let action = request.param("action");
    if action.is_some_and(|action| action != "start") {
        return error(400, "E0303", &format!("Invalid parameter value, [action] = [{}]", action.unwrap_or_default()));
    }
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let conf = match configuration(&text) {
        Ok(conf) => conf,
        Err(why) => return error(400, "E0303", &format!("Invalid parameter value, [configuration] = [{why}]")),
    };
    let Some(user) = conf.get("user.name").filter(|user| !user.is_empty()).cloned() else {
        return error(400, "E0401", "Missing configuration property [user.name]");
    };
    let (coordinator, app_path) =
        match (conf.get("oozie.wf.application.path"), conf.get("oozie.coord.application.path")) {
            (Some(path), None) => (false, path.clone()),
            (None, Some(path)) => (true, path.clone()),
            (Some(_), Some(_)) => {
                return error(400, "E0302", "Invalid parameter [{wf and coord application paths cannot both be set}]");
            }
            (None, None) => return error(400, "E0405", "Submission request doesn't have any application or lib path"),
        };
    if coordinator && action == Some("start") {
        return error(400, "E0303", "Invalid parameter value, [action] = [start]");
    }
    let Some(path) = app_path.strip_prefix(&shared.name_node) else {
        return error(400, "E0902", &format!("Exception occurred: [java.net.UnknownHostException: {app_path}]"));
    };
    let mut state = shared.state();
    if let Some(refused) = system_mode_refuses(&state, request) {
        return refused;
    }
    let file = if state.hdfs.nodes.get(path).is_some_and(Option::is_none) {
        format!("{}/{}", path.trim_end_matches('/'), if coordinator { "coordinator.xml" } else { "workflow.xml" })
    } else {
        path.to_owned()
    };
    let Some(Some(bytes)) = state.hdfs.nodes.get(&file).cloned() else {
        return error(400, "E0505", &format!("App definition [{}{file}] does not exist", shared.name_node));
    };
    let xml = String::from_utf8_lossy(&bytes).into_owned();
    let definition = match definition(&xml) {
        Ok(definition) => definition,
        Err(why) => return error(400, "E0701", &format!("XML schema error, {why}")),
    };
    let missing: Vec<&String> = definition.variables.iter().filter(|name| !conf.contains_key(*name)).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|name| name.as_str()).collect();
        return error(
            400,
            "E0738",
            &format!(
                "The following {} parameters are required but were not defined and no default values are available: {}",
                names.len(),
                names.join(",")
            ),
        );
    }
    state.next_seq += 1;
    let id = format!("{:07}-{}-oozie-oozi-{}", state.next_seq, shared.stamp, if coordinator { "C" } else { "W" });
    let now = SystemTime::now();
    let mut job = FakeJob {
        id: id.clone(),
        app_name: definition.app_name,
        app_path,
        coordinator,
        conf_xml: text,
        coord_start: conf.get("start").and_then(|start| coord_time(start)),
        coord_end: conf.get("end").and_then(|end| coord_time(end)),
        conf,
        definition: xml,
        status: "PREP".into(),
        user,
        action_type: definition.action_type,
        controls: Vec::new(),
        starts: 0,
        created: now,
        started: None,
        ended: None,
        modified: now,
        script: parse_script(definition.properties.get("fake.script").map_or("RUNNING", String::as_str)),
        phase: 0,
        running_since: None,
        ran: Duration::ZERO,
        ignore: definition
            .properties
            .get("fake.ignore")
            .map(|list| list.split(',').map(|item| item.trim().to_owned()).collect())
            .unwrap_or_default(),
    };
    if action == Some("start") {
        job.control("start");
    }
    state.jobs.insert(id.clone(), job);
    drop(state);
    Fake::run_submit_hook(shared, &id);
    Response::json(201, &json!({"id": id}))
}

fn unknown_job(id: &str) -> Response {
    error(400, "E0604", &format!("Job does not exist [{id}]"))
}

fn control(shared: &Shared, request: &Request, id: &str) -> Response {
    let mut state = shared.state();
    if let Some(refused) = system_mode_refuses(&state, request) {
        return refused;
    }
    let action = request.param("action").unwrap_or_default().to_owned();
    if !["start", "suspend", "resume", "kill"].contains(&action.as_str()) {
        return error(400, "E0303", &format!("Invalid parameter value, [action] = [{action}]"));
    }
    let Some(job) = state.jobs.get_mut(id) else { return unknown_job(id) };
    if action == "start" && job.coordinator {
        return error(400, "E0303", "Invalid parameter value, [action] = [start]");
    }
    job.control(&action);
    Response::empty(200)
}

fn show(shared: &Shared, request: &Request, id: &str) -> Response {
    let port = shared.oozie_port.get().copied().unwrap_or_default();
    let mut state = shared.state();
    let Some(job) = state.jobs.get_mut(id) else { return unknown_job(id) };
    job.advance();
    match request.param("show") {
        Some("info") => Response::json(200, &job.info(port)),
        Some("status") => Response::json(200, &json!({"status": job.status})),
        Some("definition") => Response::new(200, "application/xml;charset=UTF-8", job.definition.clone()),
        Some("log") => Response::new(
            200,
            "text/plain;charset=UTF-8",
            format!(
                "2015-06-10 06:05:00,000  INFO ActionStartXCommand:520 - USER[{}] JOB[{}] status[{}]\n",
                job.user, job.id, job.status
            ),
        ),
        Some(other) => error(400, "E0303", &format!("Invalid parameter value, [show] = [{other}]")),
        None => error(400, "E0305", "Missing parameter [show]"),
    }
}

const FILTER_KEYS: [&str; 10] =
    ["name", "user", "group", "status", "id", "frequency", "unit", "startcreatedtime", "endcreatedtime", "text"];

fn list(shared: &Shared, request: &Request) -> Response {
    let port = shared.oozie_port.get().copied().unwrap_or_default();
    let jobtype = request.param("jobtype").unwrap_or("wf");
    let (coordinators, key) = match jobtype {
        "wf" | "" => (false, "workflows"),
        "coordinator" | "coord" => (true, "coordinatorjobs"),
        "bundle" => return Response::json(200, &json!({"offset": 1, "len": 50, "total": 0, "bundlejobs": []})),
        other => return error(400, "E0303", &format!("Invalid parameter value, [jobtype] = [{other}]")),
    };
    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let filter = request.param("filter").unwrap_or_default();
    for pair in filter.split(';').filter(|pair| !pair.is_empty()) {
        let Some((name, value)) = pair.split_once('=') else {
            return error(400, "E0420", &format!("Invalid jobs filter [{filter}], elements must be name=value pairs"));
        };
        let name = name.trim().to_ascii_lowercase();
        if !FILTER_KEYS.contains(&name.as_str()) {
            return error(400, "E0420", &format!("Invalid jobs filter [{filter}], invalid name [{name}]"));
        }
        filters.entry(name).or_default().push(value.to_owned());
    }
    let offset: usize = request.param("offset").and_then(|o| o.parse().ok()).unwrap_or(1).max(1);
    let len: usize = request.param("len").and_then(|l| l.parse().ok()).unwrap_or(50);
    let mut state = shared.state();
    let mut matching: Vec<&mut FakeJob> =
        state.jobs.values_mut().filter(|job| job.coordinator == coordinators).collect();
    for job in &mut matching {
        job.advance();
    }
    let selected: Vec<&FakeJob> = matching
        .iter()
        .map(|job| &**job)
        .filter(|job| {
            filters.iter().all(|(name, values)| {
                let field = match name.as_str() {
                    "name" => job.app_name.as_str(),
                    "user" => job.user.as_str(),
                    "status" => job.status.as_str(),
                    "id" => job.id.as_str(),
                    _ => return true,
                };
                values.iter().any(|value| value == field)
            })
        })
        .collect();
    let total = selected.len();
    let mut newest_first = selected;
    newest_first.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    let page: Vec<Value> = newest_first.into_iter().skip(offset - 1).take(len).map(|job| job.info(port)).collect();
    Response::json(200, &json!({"offset": offset, "len": len, "total": total, key: page}))
}

/// Routes a request to the Oozie API.
pub(crate) fn handle(shared: &Shared, request: &Request) -> Response {
    let Some(rest) = request.path.strip_prefix("/oozie") else {
        return Response::new(404, "text/html", "<html><body>Not Found</body></html>");
    };
    if rest == "/versions" && request.method == "GET" {
        return Response::json(200, &json!([0, 1, 2]));
    }
    let rest = rest.strip_prefix("/v1").or_else(|| rest.strip_prefix("/v2")).unwrap_or_default();
    match (request.method.as_str(), rest) {
        ("GET", "/admin/status") => Response::json(200, &json!({"systemMode": shared.state().system_mode})),
        ("GET", "/admin/build-version") => Response::json(200, &json!({"buildVersion": "5.2.1-fake"})),
        ("POST", "/jobs") => submit(shared, request),
        ("GET", "/jobs") => list(shared, request),
        ("PUT", job) if job.starts_with("/job/") => control(shared, request, &job["/job/".len()..]),
        ("GET", job) if job.starts_with("/job/") => show(shared, request, &job["/job/".len()..]),
        _ => error(400, "E0307", &format!("Runtime error [no such resource {} {}]", request.method, request.path)),
    }
}
