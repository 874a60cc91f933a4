-- wrk script: GET with the token from the environment.
wrk.headers["X-Auth-Token"] = os.getenv("EDP_TOKEN")
