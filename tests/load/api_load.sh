#!/usr/bin/env bash
# Load measurement of the REST API on the mock engine (not a test: it prints figures).
# Needs wrk (apt-get install wrk) and a release build: cargo build --release --workspace.
# Usage: tests/load/api_load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-16}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export EDP_TOKEN=load-test-token
cat > "$work/plugins.toml" <<TOML
[host]
data_dir = "data"
plugin_dirs = ["$PWD/target/release"]
poll_interval_secs = 3600

[engines.mock.config]
script = { run_ms = 3600000 }

[[routes]]
cluster_type = "*"
engine = "mock"

[[auth.tokens]]
project = "load"
role = "member"
token_env = "EDP_TOKEN"
TOML
RUST_LOG=warn target/release/edp-host --config "$work/plugins.toml" serve --listen 127.0.0.1:18399 > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf localhost:18399/healthz > /dev/null && break; sleep 0.1; done
api() { curl -sf -H "X-Auth-Token: $EDP_TOKEN" "$@"; }
id() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(iter(d.values()))["id"])'; }
EDP_CLUSTER=$(api -X POST localhost:18399/v2/clusters -d '{"name": "c", "plugin_name": "vanilla", "plugin_version": "2.7.1"}' | id)
internal=$(printf 'select 1;' | api -X PUT --data-binary @- localhost:18399/v2/job-binary-internals/q.sql | id)
binary=$(api -X POST localhost:18399/v2/job-binaries -d "{\"name\": \"q.sql\", \"url\": \"internal-db://$internal\"}" | id)
EDP_TEMPLATE=$(api -X POST localhost:18399/v2/job-templates -d "{\"name\": \"t\", \"type\": \"Hive\", \"mains\": [\"$binary\"]}" | id)
export EDP_CLUSTER EDP_TEMPLATE
echo "== job launches: POST /v2/jobs, $connections connections, ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s tests/load/launch.lua http://127.0.0.1:18399/v2/jobs
job=$(api "localhost:18399/v2/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
echo "== job reads: GET /v2/jobs/{id}, $connections connections, ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s tests/load/read.lua "http://127.0.0.1:18399/v2/jobs/$job"
echo "== server memory after the launches and reads: peak $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
echo "== job listing: GET /v2/jobs?limit=20 over $(api 'localhost:18399/v2/jobs' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))') jobs"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s tests/load/read.lua "http://127.0.0.1:18399/v2/jobs?limit=20"
echo "== server memory at the end: peak $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
