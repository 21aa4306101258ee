#!/usr/bin/env bash
# Load test of `rampart serve` with wrk (Debian's `wrk` package) on loopback, bounded in
# time: single AuthZEN evaluations and batches of 100, from a stream of distinct requests
# of the default workload (one- and two-object), with and without decision logs (every
# decision under the default `block` policy; then `drop`; then one in ten sampled).
#
#   bash benches/load/run.sh [SIZE] [SECONDS]      # default: default 10
#
# Prints wrk's summary (requests/s, latency percentiles) for each scenario. Needs the
# release binaries (`cargo build --release --workspace`).
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-default}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
tables=target/bench-workloads/$size/tables.rampart
if [ ! -f "$tables" ]; then
  ./target/release/rampart-workload stream --size "$size" --by ids --shape one --passes 0
fi
# Bodies: the workload's request stream as AuthZEN evaluations, one per line; and
# batches of 100 of them.
python3 - "$work" "target/bench-workloads/$size/requests.jsonl" <<'PY'
import json, sys
out, source = sys.argv[1], sys.argv[2]
evaluations = []
for line in open(source):
    r = json.loads(line)
    objects = r.get("objects", {})
    resources = [{"type": k, "id": v} for k, v in objects.items()]
    if not resources:
        continue
    body = {"subject": {"type": "user", "id": r["subject"]}, "action": {"name": r["action"]},
            "resource": resources[0]}
    if len(resources) > 1:
        body["context"] = {"resources": resources[1:]}
    evaluations.append(body)
with open(f"{out}/single.jsonl", "w") as f:
    for e in evaluations:
        f.write(json.dumps(e) + "\n")
with open(f"{out}/batch.jsonl", "w") as f:
    for i in range(0, len(evaluations) - 100, 100):
        f.write(json.dumps({"evaluations": evaluations[i:i + 100]}) + "\n")
print(f"{len(evaluations)} distinct evaluations", file=sys.stderr)
PY
port=$((20000 + RANDOM % 20000))
serve() {
  ./target/release/rampart serve -t "$tables" --listen "127.0.0.1:$port" "$@" >"$work/serve.log" 2>&1 &
  for _ in $(seq 100); do
    curl -sf "127.0.0.1:$port/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  exit 1
}
stop() { kill "$(jobs -p)" 2>/dev/null || true; wait 2>/dev/null || true; }
run() {
  local name=$1 path=$2 bodies=$3
  echo "== $name"
  WRK_BODIES="$bodies" wrk -t2 -c32 -d"${seconds}s" --latency -s benches/load/evaluation.lua \
    "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx|Socket errors"
}
serve
run "single evaluation" /access/v1/evaluation "$work/single.jsonl"
run "batch of 100" /access/v1/evaluations "$work/batch.jsonl"
stop
serve --decision-log "$work/decisions.jsonl"
run "single evaluation, decision log on" /access/v1/evaluation "$work/single.jsonl"
run "batch of 100, decision log on" /access/v1/evaluations "$work/batch.jsonl"
metric() { curl -s "127.0.0.1:$port/metrics" | grep -E "^rampart_decision_log_(written|dropped|blocked|sampled_out)_total" | tr '\n' ' '; echo; }
metric
stop
echo "decision log lines: $(wc -l < "$work/decisions.jsonl")"
rm -f "$work/decisions.jsonl"
serve --decision-log "$work/decisions.jsonl" --decision-log-overflow drop
run "single evaluation, decision log on, drop" /access/v1/evaluation "$work/single.jsonl"
run "batch of 100, decision log on, drop" /access/v1/evaluations "$work/batch.jsonl"
metric
stop
rm -f "$work/decisions.jsonl"
serve --decision-log "$work/decisions.jsonl" --decision-log-sample 0.1
run "single evaluation, decision log sampled 0.1" /access/v1/evaluation "$work/single.jsonl"
run "batch of 100, decision log sampled 0.1" /access/v1/evaluations "$work/batch.jsonl"
metric
stop
