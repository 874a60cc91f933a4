//! The fake's protocol, checked with a plain HTTP client: what engine-protocols.md §2 says
//! Oozie and WebHDFS answer. (The Python client in `conformance.rs` checks it independently.)

use serde_json::{Value, json};
use ureq::Agent;

use crate::fake::{Fake, FaultKind, NAME_NODE, Role};

const WORKFLOW: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<workflow-app xmlns="uri:oozie:workflow:0.2" name="protocol-wf">
  <start to="job-node"/>
  <action name="job-node">
    <pig>
      <job-tracker>${jobTracker}</job-tracker>
      <name-node>${nameNode}</name-node>
      <configuration>
        <property><name>fake.script</name><value>RUNNING:150ms,SUCCEEDED</value></property>
      </configuration>
      <script>s.pig</script>
    </pig>
    <ok to="end"/>
    <error to="fail"/>
  </action>
  <kill name="fail"><message>failed</message></kill>
  <end name="end"/>
</workflow-app>
"#;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }
}

fn agent() -> Agent {
    Agent::config_builder().http_status_as_error(false).max_redirects(0).proxy(None).build().new_agent()
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = result.expect("the fake answers");
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer { status, headers, body }
}

fn conf(properties: &[(&str, &str)]) -> String {
    let items: String = properties
        .iter()
        .map(|(name, value)| format!("<property><name>{name}</name><value>{value}</value></property>"))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><configuration>{items}</configuration>")
}

fn workflow_conf(app_path: &str) -> String {
    conf(&[
        ("user.name", "hadoop"),
        ("oozie.wf.application.path", app_path),
        ("nameNode", NAME_NODE),
        ("jobTracker", "rm:8032"),
    ])
}

fn submit(fake: &Fake, body: &str, content_type: &str) -> Answer {
    answer(agent().post(format!("{}/v2/jobs", fake.oozie_url())).header("Content-Type", content_type).send(body))
}

fn put(fake: &Fake, id: &str, action: &str) -> Answer {
    answer(agent().put(format!("{}/v2/job/{id}", fake.oozie_url())).query("action", action).send_empty())
}

fn info(fake: &Fake, id: &str) -> Answer {
    answer(agent().get(format!("{}/v2/job/{id}", fake.oozie_url())).query("show", "info").call())
}

fn staged(fake: &Fake) -> String {
    fake.put_file("/user/hadoop/protocol/workflow.xml", WORKFLOW.as_bytes());
    format!("{NAME_NODE}/user/hadoop/protocol")
}

#[test]
fn versions_admin_status_and_json_content_type() {
    let fake = Fake::start();
    let versions = answer(agent().get(format!("{}/versions", fake.oozie_url())).call());
    assert_eq!((versions.status, versions.json()), (200, json!([0, 1, 2])));
    assert_eq!(versions.header("content-type"), Some("application/json;charset=UTF-8"));
    let status = answer(agent().get(format!("{}/v2/admin/status", fake.oozie_url())).call());
    assert_eq!(status.json(), json!({"systemMode": "NORMAL"}));
}

#[test]
fn submit_checks_the_content_type_and_the_application_and_answers_201_with_an_id() {
    let fake = Fake::start();
    let app = staged(&fake);
    let wrong = submit(&fake, &workflow_conf(&app), "text/plain");
    assert_eq!((wrong.status, wrong.header("oozie-error-code")), (400, Some("E0300")));
    assert!(wrong.body.contains("<HR size=\"1\" noshade=\"noshade\">"), "an HTML page: {}", wrong.body);
    let missing =
        submit(&fake, &workflow_conf(&format!("{NAME_NODE}/user/hadoop/none")), "application/xml;charset=UTF-8");
    assert_eq!((missing.status, missing.header("oozie-error-code")), (400, Some("E0505")));
    let no_user = submit(&fake, &conf(&[("oozie.wf.application.path", &app)]), "application/xml;charset=UTF-8");
    assert_eq!(no_user.header("oozie-error-code"), Some("E0401"));
    let undefined = submit(
        &fake,
        &conf(&[("user.name", "hadoop"), ("oozie.wf.application.path", &app), ("nameNode", NAME_NODE)]),
        "application/xml;charset=UTF-8",
    );
    assert_eq!(undefined.header("oozie-error-code"), Some("E0738"));
    assert!(undefined.header("oozie-error-message").is_some_and(|m| m.contains("jobTracker")));
    let other_nn = submit(&fake, &workflow_conf("hdfs://elsewhere:8020/user/hadoop/protocol"), "application/xml");
    assert_eq!(other_nn.header("oozie-error-code"), Some("E0902"));
    let created = submit(&fake, &workflow_conf(&app), "application/xml;charset=UTF-8");
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().expect("id").to_owned();
    assert!(id.ends_with("-oozie-oozi-W") && id.len() == "0000001-150610060500000-oozie-oozi-W".len(), "{id}");
    let job = info(&fake, &id).json();
    assert_eq!((job["status"].as_str(), job["appName"].as_str()), (Some("PREP"), Some("protocol-wf")));
    assert_eq!(job["startTime"], Value::Null);
}

#[test]
fn controls_answer_200_even_when_ignored_and_unknown_ids_are_e0604() {
    let fake = Fake::start();
    let app = staged(&fake);
    let id = submit(&fake, &workflow_conf(&app), "application/xml;charset=UTF-8").json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(put(&fake, &id, "suspend").status, 200, "suspending a PREP workflow: swallowed");
    assert_eq!(info(&fake, &id).json()["status"], "PREP");
    assert_eq!(put(&fake, &id, "start").status, 200);
    assert_eq!(info(&fake, &id).json()["status"], "RUNNING");
    assert!(crate::support::wait_until(std::time::Duration::from_secs(5), || {
        info(&fake, &id).json()["status"] == "SUCCEEDED"
    }));
    let done = put(&fake, &id, "kill");
    assert_eq!((done.status, done.body.as_str()), (200, ""), "killing a SUCCEEDED job is a silent no-op");
    assert_eq!(info(&fake, &id).json()["status"], "SUCCEEDED");
    let bad_action = put(&fake, &id, "explode");
    assert_eq!(bad_action.header("oozie-error-code"), Some("E0303"));
    for unknown in [info(&fake, "0000099-000000000000000-oozie-oozi-W"), put(&fake, "nope", "kill")] {
        assert_eq!(unknown.status, 400);
        assert_eq!(unknown.header("oozie-error-code"), Some("E0604"));
        assert!(unknown.header("oozie-error-message").is_some_and(|m| m.starts_with("Job does not exist")));
    }
}

#[test]
fn job_info_has_the_bean_keys_and_rfc_822_dates() {
    let fake = Fake::start();
    let app = staged(&fake);
    let created = answer(
        agent()
            .post(format!("{}/v2/jobs", fake.oozie_url()))
            .query("action", "start")
            .header("Content-Type", "application/xml;charset=UTF-8")
            .send(workflow_conf(&app)),
    );
    let id = created.json()["id"].as_str().expect("id").to_owned();
    let job = info(&fake, &id).json();
    for key in [
        "appPath",
        "appName",
        "id",
        "externalId",
        "parentId",
        "conf",
        "status",
        "lastModTime",
        "createdTime",
        "startTime",
        "endTime",
        "user",
        "group",
        "acl",
        "run",
        "consoleUrl",
        "actions",
        "toString",
    ] {
        assert!(job.get(key).is_some(), "workflow JSON lacks {key}: {job}");
    }
    let created_time = job["createdTime"].as_str().expect("a date");
    // EEE, dd MMM yyyy HH:mm:ss zzz
    let parts: Vec<&str> = created_time.split(' ').collect();
    assert_eq!(parts.len(), 6, "{created_time}");
    assert!(parts[0].ends_with(',') && parts[0].len() == 4 && parts[5] == "GMT", "{created_time}");
    assert!(httpdate::parse_http_date(created_time).is_ok(), "{created_time}");
    let action = &job["actions"][1];
    for key in [
        "id",
        "name",
        "type",
        "status",
        "externalId",
        "externalStatus",
        "trackerUri",
        "consoleUrl",
        "errorCode",
        "errorMessage",
        "retries",
        "transition",
    ] {
        assert!(action.get(key).is_some(), "action JSON lacks {key}: {action}");
    }
    assert_eq!(action["type"], "pig");
    let status = answer(agent().get(format!("{}/v2/job/{id}", fake.oozie_url())).query("show", "status").call());
    assert_eq!(status.json(), json!({"status": "RUNNING"}));
    let no_show = answer(agent().get(format!("{}/v2/job/{id}", fake.oozie_url())).call());
    assert_eq!(no_show.header("oozie-error-code"), Some("E0305"));
    let list = answer(
        agent()
            .get(format!("{}/v2/jobs", fake.oozie_url()))
            .query("jobtype", "wf")
            .query("filter", "name=protocol-wf;status=RUNNING")
            .call(),
    )
    .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["workflows"][0]["id"], id.as_str());
    let bad_filter = answer(agent().get(format!("{}/v2/jobs", fake.oozie_url())).query("filter", "colour=red").call());
    assert_eq!(bad_filter.header("oozie-error-code"), Some("E0420"));
}

#[test]
fn safe_mode_refuses_writes_with_e0002() {
    let fake = Fake::start();
    let app = staged(&fake);
    fake.set_system_mode("SAFEMODE");
    let refused = submit(&fake, &workflow_conf(&app), "application/xml;charset=UTF-8");
    assert_eq!((refused.status, refused.header("oozie-error-code")), (503, Some("E0002")));
    let status = answer(agent().get(format!("{}/v2/admin/status", fake.oozie_url())).call());
    assert_eq!(status.json()["systemMode"], "SAFEMODE");
}

#[test]
fn webhdfs_create_is_two_steps_through_a_datanode() {
    let fake = Fake::start();
    let base = format!("{}/webhdfs/v1", fake.webhdfs_url());
    let mkdirs = answer(
        agent().put(format!("{base}/user/hadoop/a/b")).query("op", "MKDIRS").query("user.name", "hadoop").send_empty(),
    );
    assert_eq!((mkdirs.status, mkdirs.json()), (200, json!({"boolean": true})));
    let first = answer(
        agent()
            .put(format!("{base}/user/hadoop/a/b/f%20x.txt"))
            .query("op", "CREATE")
            .query("user.name", "hadoop")
            .send_empty(),
    );
    assert_eq!(first.status, 307);
    let location = first.header("location").expect("a Location").to_owned();
    assert!(!location.starts_with(&fake.webhdfs_url()), "the data goes to another server: {location}");
    assert!(!fake.exists("/user/hadoop/a/b/f x.txt"), "nothing is written before the data arrives");
    let second = answer(agent().put(&location).send(&b"data"[..]));
    assert_eq!(second.status, 201);
    assert_eq!(fake.file("/user/hadoop/a/b/f x.txt").as_deref(), Some(&b"data"[..]));
    let again = answer(agent().put(format!("{base}/user/hadoop/a/b/f%20x.txt")).query("op", "CREATE").send_empty());
    assert_eq!(
        (again.status, again.json()["RemoteException"]["exception"].as_str()),
        (403, Some("FileAlreadyExistsException"))
    );
    let status = answer(agent().get(format!("{base}/user/hadoop/nothing")).query("op", "GETFILESTATUS").call());
    assert_eq!(
        (status.status, status.json()["RemoteException"]["exception"].as_str()),
        (404, Some("FileNotFoundException"))
    );
    let not_empty = answer(agent().delete(format!("{base}/user/hadoop/a")).query("op", "DELETE").call());
    assert_eq!(not_empty.status, 403);
    let deleted =
        answer(agent().delete(format!("{base}/user/hadoop/a")).query("op", "DELETE").query("recursive", "true").call());
    assert_eq!(deleted.json(), json!({"boolean": true}));
    assert!(fake.paths_under("/user/hadoop/a").is_empty());
}

#[test]
fn faults_can_be_injected_and_servers_stopped_and_restarted() {
    let fake = Fake::start();
    fake.inject(Role::Oozie, "GET", "/admin/status", 1, FaultKind::Status(500));
    let failed = answer(agent().get(format!("{}/v2/admin/status", fake.oozie_url())).call());
    assert_eq!((failed.status, failed.header("oozie-error-code")), (500, Some("E0603")));
    let fine = answer(agent().get(format!("{}/v2/admin/status", fake.oozie_url())).call());
    assert_eq!(fine.status, 200);
    fake.stop(Role::Oozie);
    assert!(agent().get(format!("{}/versions", fake.oozie_url())).call().is_err(), "refused while down");
    fake.restart(Role::Oozie);
    assert_eq!(answer(agent().get(format!("{}/versions", fake.oozie_url())).call()).status, 200);
}
