#!/usr/bin/env bash
# Every figure of BENCHMARKS.md, in one command: the REST API under load and under SIGKILLs
# (edp-load), the job manager (poll passes, launches, recovery) and the ABI call overhead.
# Takes about 10 minutes on 2 cores. Usage: tests/load/figures.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/figures}
mkdir -p "$out"
cargo build --release -p edp-host -p edp-engine-mock -p edp-load
target/release/edp-load --json "$out/load.json" | tee "$out/load.md"
target/release/edp-load --scenario sigkill --json "$out/sigkill.json" | tee "$out/sigkill.md"
cargo bench -p edp-host --bench manager | tee "$out/manager.md"
cargo bench -p edp-host --bench abi_call -- --noplot | tee "$out/abi_call.txt"
echo "figures written to $out/"
