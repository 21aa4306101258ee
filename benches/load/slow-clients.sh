#!/usr/bin/env bash
# `rampart serve` under slow and hostile clients, on loopback: CLIENTS connections that
# dribble a request head one byte a second, stop in the middle of a body, or connect
# and say nothing (and one in twenty send a large batch and hang up at once), each reconnecting as soon as
# the server cuts it off, while `/health` is polled every 50 ms and single evaluations
# are asked every 10 ms. Prints how many polls and evaluations were answered, their
# latency, and how many hostile connections the server cut off.
#
#   bash benches/load/slow-clients.sh [CLIENTS] [SECONDS]     # default: 600 30
#
# Needs the release binary (`cargo build --release -p rampart-cli`) and python3. The
# sidecar runs with its default deadlines and `--max-concurrent 4`, so that a server
# that let slow clients hold decision permits would show it at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-600}
seconds=${2:-30}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
./target/release/rampart compile fixtures/policy --catalog fixtures/catalog.yaml \
  -o "$work/tables.rampart" >/dev/null 2>&1
port=$((20000 + RANDOM % 20000))
./target/release/rampart serve -t "$work/tables.rampart" --listen "127.0.0.1:$port" \
  --max-concurrent 4 >"$work/serve.log" 2>&1 &
for _ in $(seq 100); do
  curl -sf "127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
python3 - "$port" "$clients" "$seconds" <<'PY'
import asyncio, json, sys, time

port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
evaluation = json.dumps({
    "subject": {"type": "user", "id": "john@doe.com"},
    "action": {"name": "read"},
    "resource": {"type": "config", "id": "c-mc-pod"},
}).encode()
batch = json.dumps({
    "subject": {"type": "user", "id": "john@doe.com"},
    "action": {"name": "read"},
    "resource": {"type": "config", "id": "c-mc-pod"},
    "evaluations": [{"context": {"explain": True}}] * 9000,
}).encode()
cut_off = {"slow head": 0, "slow body": 0, "silent": 0, "hang up": 0}
deadline = time.monotonic() + seconds

def post(path, body):
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (path.encode(), len(body))) + body

async def hostile(kind):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        try:
            if kind == "slow head":
                for byte in b"POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\n":
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(1)
            elif kind == "slow body":
                writer.write(post("/access/v1/evaluation", evaluation)[:-20])
                await writer.drain()
                await reader.read()  # until the server answers 408 and closes
            elif kind == "silent":
                await reader.read()
            else:
                writer.write(post("/access/v1/evaluations", batch))
                await writer.drain()
                await asyncio.sleep(0.2)
            cut_off[kind] += 1
        except (ConnectionError, OSError):
            cut_off[kind] += 1
        finally:
            writer.close()

async def ask(path, body, latencies, failures, every):
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), 5)
            if body is None:
                writer.write(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
            else:
                writer.write(post(path, body).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
            answer = await asyncio.wait_for(reader.read(), 5)
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                latencies.append(time.monotonic() - started)
            else:
                failures.append(answer[:12])
        except (asyncio.TimeoutError, OSError) as e:
            failures.append(repr(e))
        await asyncio.sleep(every)

def summary(name, latencies, failures):
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else float("nan")
    print(f"{name}: {len(latencies)} answered 200, {len(failures)} failed; "
          f"latency p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, max {pick(1.0):.2f} ms")

async def main():
    kinds = ["slow head", "slow body", "silent"]
    tasks = [asyncio.create_task(hostile(kinds[i % 3] if i % 20 else "hang up"))
             for i in range(clients)]
    health, health_failed, decisions, decisions_failed = [], [], [], []
    await asyncio.gather(
        ask("/health", None, health, health_failed, 0.05),
        ask("/access/v1/evaluation", evaluation, decisions, decisions_failed, 0.01),
    )
    for t in tasks:
        t.cancel()
    print(f"{clients} hostile clients for {seconds:.0f} s")
    summary("/health", health, health_failed)
    summary("evaluation", decisions, decisions_failed)
    print("hostile connections cut off or finished:", cut_off)
    if health_failed:
        print("health failures:", health_failed[:5])
        sys.exit(1)

asyncio.run(main())
PY
grep -E "^rampart_errors_total\{code=\"(client_gone|body_timeout|busy)\"\}" \
  <(curl -s "127.0.0.1:$port/metrics")
