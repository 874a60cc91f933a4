-- wrk script: POST /v2/jobs with the job template and cluster from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = os.getenv("EDP_TOKEN")
wrk.body = string.format('{"job_template_id": "%s", "cluster_id": "%s"}', os.getenv("EDP_TEMPLATE"), os.getenv("EDP_CLUSTER"))
