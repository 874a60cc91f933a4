"""Drives the fake Oozie and WebHDFS with independent clients from PyPI.

oozie-webservice-api (OozieWebService) is a third-party wrapper of Oozie's web-services API;
hdfs (InsecureClient) is HdfsCLI's WebHDFS client. Neither knows anything about our fake, so
what they accept is what a real client expects from a real server.

Usage: conformance.py <oozie root URL> <webhdfs URL> <name node URI>
Prints one line per check; exits non-zero on the first failure.
"""

import json
import sys

from hdfs import InsecureClient
from oozie import OozieWebService
from oozie.oozie import Jobs

OOZIE_ROOT, WEBHDFS, NAME_NODE = sys.argv[1:4]
APP_DIR = "/user/hadoop/conformance"

WORKFLOW = """<?xml version="1.0" encoding="UTF-8"?>
<workflow-app xmlns="uri:oozie:workflow:0.2" name="python-conformance">
  <start to="job-node"/>
  <action name="job-node">
    <map-reduce>
      <job-tracker>${jobTracker}</job-tracker>
      <name-node>${nameNode}</name-node>
    </map-reduce>
    <ok to="end"/>
    <error to="fail"/>
  </action>
  <kill name="fail"><message>failed</message></kill>
  <end name="end"/>
</workflow-app>
"""

CONF = """<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <property><name>user.name</name><value>hadoop</value></property>
  <property><name>oozie.wf.application.path</name><value>{nn}{app}/workflow.xml</value></property>
  <property><name>nameNode</name><value>{nn}</value></property>
  <property><name>jobTracker</name><value>rm:8032</value></property>
  <property><name>oozie.use.system.libpath</name><value>true</value></property>
</configuration>
""".format(nn=NAME_NODE, app=APP_DIR)


def check(condition, what, detail=""):
    if not condition:
        print("FAILED: " + what + (": " + str(detail) if detail else ""))
        sys.exit(1)
    print("ok: " + what)


def body(response):
    return json.loads(response.body.decode("utf-8"))


# WebHDFS, through HdfsCLI: MKDIRS, the two-step CREATE, GETFILESTATUS, LISTSTATUS, OPEN.
hdfs = InsecureClient(WEBHDFS, user="hadoop")
hdfs.makedirs(APP_DIR)
hdfs.write(APP_DIR + "/workflow.xml", data=WORKFLOW, overwrite=True, encoding="utf-8")
status = hdfs.status(APP_DIR + "/workflow.xml")
check(status["type"] == "FILE" and status["length"] == len(WORKFLOW.encode()), "hdfs: upload and status", status)
check(hdfs.list(APP_DIR) == ["workflow.xml"], "hdfs: list", hdfs.list(APP_DIR))
with hdfs.read(APP_DIR + "/workflow.xml", encoding="utf-8") as reader:
    check(reader.read() == WORKFLOW, "hdfs: read back through the datanode redirect")
check(hdfs.status(APP_DIR + "/missing", strict=False) is None, "hdfs: a missing file is a FileNotFoundException")

# Oozie, through oozie-webservice-api (which uses the v1 endpoints, and v2 for job status).
oozie = OozieWebService(OOZIE_ROOT)
versions = oozie.version.oozie_versions()
check(versions.code == 200 and body(versions) == [0, 1, 2], "oozie: versions", versions.body)
admin = oozie.admin.status()
check(admin.code == 200 and body(admin)["systemMode"] == "NORMAL", "oozie: admin status", admin.body)

submitted = oozie.jobs.submit_job(CONF.encode("utf-8"))
check(submitted.code == 201, "oozie: submit answers 201", (submitted.code, submitted.headers.get("oozie-error-message")))
check(submitted.headers["Content-Type"].startswith("application/json"), "oozie: JSON content type")
job_id = body(submitted)["id"]
check(job_id.endswith("-W"), "oozie: a workflow id", job_id)

info = oozie.job.job_info(job_id)
check(info.code == 200 and body(info)["status"] == "PREP", "oozie: a submitted job is PREP", info.body)
check(body(info)["appName"] == "python-conformance", "oozie: the app name comes from workflow.xml")

# managing_job's default body is the str "", which urllib refuses on Python 3: pass b"" (no body).
started = oozie.job.managing_job(job_id, "start", b"")
check(started.code == 200, "oozie: start answers 200", started.code)
status = oozie.job.job_status(job_id)
check(body(status) == {"status": "RUNNING"}, "oozie: show=status after start", status.body)

filters = Jobs.Filters()
filters.name = "python-conformance"
filters.len = 10
listed = oozie.jobs.info(filters)
workflows = body(listed).get("workflows", [])
check([w["id"] for w in workflows] == [job_id], "oozie: jobs list with a name filter", listed.body)

suspended = oozie.job.managing_job(job_id, "suspend", b"")
check(suspended.code == 200 and body(oozie.job.job_status(job_id))["status"] == "SUSPENDED", "oozie: suspend")
resumed = oozie.job.managing_job(job_id, "resume", b"")
check(resumed.code == 200 and body(oozie.job.job_status(job_id))["status"] == "RUNNING", "oozie: resume")

killed = oozie.job.managing_job(job_id, "kill", b"")
check(killed.code == 200, "oozie: kill answers 200")
check(body(oozie.job.job_info(job_id))["status"] == "KILLED", "oozie: the job is KILLED")
again = oozie.job.managing_job(job_id, "start", b"")
check(again.code == 200 and body(oozie.job.job_status(job_id))["status"] == "KILLED",
      "oozie: an ignored control still answers 200 and changes nothing")

unknown = oozie.job.job_info("0009999-000000000000000-oozie-oozi-W")
check(not unknown.isok and unknown.code == 400, "oozie: an unknown job is a 400", unknown.code)
check(unknown.headers["oozie-error-code"] == "E0604", "oozie: E0604 in the error header", unknown.headers)
check(unknown.headers["oozie-error-message"].startswith("Job does not exist"), "oozie: the error message header")

hdfs.delete(APP_DIR, recursive=True)
check(hdfs.status(APP_DIR, strict=False) is None, "hdfs: recursive delete")
print("conformance: all checks passed")
