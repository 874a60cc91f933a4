"""Drives a running edp-host with python-saharaclient, v2 and v1.1, as a Sahara user would.

Usage: saharaclient_flow.py BASE_URL TOKEN_P1 TOKEN_P2
"""
import sys
import time

from keystoneauth1 import session, token_endpoint
from saharaclient.api.base import APIException
from saharaclient.api.client import Client, ClientV2

BASE, TOKEN, OTHER_TOKEN = sys.argv[1:4]


def v2(token):
    return ClientV2(session=session.Session(auth=token_endpoint.Token(BASE + "/v2", token)), sahara_url=BASE + "/v2")


def v11(token, project):
    url = BASE + "/v1.1/" + project
    return Client(session=session.Session(auth=token_endpoint.Token(url, token)), sahara_url=url)


def wait_for(read, statuses, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        status = read().info["status"]
        if status in statuses:
            return status
        time.sleep(0.2)
    raise AssertionError("%s never reached %s (last %s)" % (what, statuses, status))


def expect_error(code, call):
    try:
        call()
    except APIException as error:
        assert error.error_code == code, (code, error.error_code, error.error_name, error.error_message)
        return error
    raise AssertionError("expected a %s error" % code)


client, legacy, other = v2(TOKEN), v11(TOKEN, "p1"), v2(OTHER_TOKEN)

cluster = client.clusters.create("c1", "vanilla", "2.7.1")
assert cluster.status == "Active", cluster.to_dict()
assert cluster.id in [c.id for c in client.clusters.list()]

hello = legacy.job_binary_internals.create("hello.sh", '#!/bin/sh\necho "hello $1 from $WHO"\n')
sleeper = legacy.job_binary_internals.create("sleep.sh", "#!/bin/sh\nsleep 1000 &\nwait\n")
hello_binary = client.job_binaries.create("hello.sh", "internal-db://" + hello.id)
sleep_binary = client.job_binaries.create("sleep.sh", "internal-db://" + sleeper.id)
hello_template = client.job_templates.create("hello", "Shell", mains=[hello_binary.id])
sleep_template = client.job_templates.create("sleep", "Shell", mains=[sleep_binary.id])
assert hello_template.id in [t.id for t in client.job_templates.list()]

# v2: a job to SUCCEEDED.
job = client.jobs.create(hello_template.id, cluster.id, configs={"args": ["world"], "params": {"WHO": "edp"}})
assert job.info["status"] == "PENDING", job.to_dict()
assert job.id in [j.id for j in client.jobs.list()]
assert wait_for(lambda: client.jobs.refresh_status(job.id), ["SUCCEEDED", "FAILED", "KILLED"], "v2 job") == "SUCCEEDED"
done = client.jobs.get(job.id)
assert done.start_time and done.end_time and done.engine_job_id, done.to_dict()

# Another project neither sees nor touches it.
expect_error(404, lambda: other.jobs.get(job.id))
assert job.id not in [j.id for j in other.jobs.list()]
expect_error(404, lambda: other.jobs._patch("/jobs/%s" % job.id, {"info": {"status": "cancel"}}))
expect_error(403, lambda: v11(OTHER_TOKEN, "p1").job_executions.list())

# v2: a long job, cancelled to KILLED.
long_job = client.jobs.create(sleep_template.id, cluster.id)
wait_for(lambda: client.jobs.refresh_status(long_job.id), ["RUNNING"], "long v2 job")
client.jobs._patch("/jobs/%s" % long_job.id, {"info": {"status": "cancel"}})
assert wait_for(lambda: client.jobs.get(long_job.id), ["KILLED", "FAILED", "SUCCEEDED"], "cancelled v2 job") == "KILLED"

# v2: delete.
client.jobs.delete(job.id)
expect_error(404, lambda: client.jobs.get(job.id))

# v1.1: the job executions manager.
execution = legacy.job_executions.create(hello_template.id, cluster.id, configs={"args": ["v1.1"], "params": {"WHO": "v11"}})
assert execution.info["status"] == "PENDING", execution.to_dict()
assert execution.id in [e.id for e in legacy.job_executions.list()]
assert wait_for(lambda: legacy.job_executions.get(execution.id), ["SUCCEEDED", "FAILED", "KILLED"], "v1.1 job") == "SUCCEEDED"
long_execution = legacy.job_executions.create(sleep_template.id, cluster.id)
wait_for(lambda: legacy.job_executions.get(long_execution.id), ["RUNNING"], "long v1.1 job")
legacy.job_executions._patch("/job-executions/%s" % long_execution.id, {"info": {"status": "cancel"}})
assert wait_for(lambda: legacy.job_executions.get(long_execution.id), ["KILLED", "FAILED", "SUCCEEDED"], "cancelled v1.1 job") == "KILLED"
legacy.job_executions.update(execution.id, is_public=True)
assert other.jobs.get(execution.id).is_public, "a public job is readable by other projects"
expect_error(403, lambda: other.jobs.delete(execution.id))
legacy.job_executions.delete(execution.id)
expect_error(404, lambda: legacy.job_executions.get(execution.id))

print("saharaclient flow: OK")
