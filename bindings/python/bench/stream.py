"""The bench stream from Python (the same stream and method as `rampart-workload stream
--time`; see benches/README.md): `python stream.py TABLES STREAM.tsv [PASSES]` prints the
best pass's time per check by ids, by keyword arguments, and for a batch; with cedarpy
installed, a comparable Cedar check from its Python binding beside it. `python stream.py
TABLES STREAM.tsv PASSES ids|names` runs only that half (for instruction counts under
cachegrind: the difference between 0 and 2 passes divided by twice the requests is one
check)."""

import sys
import time

import rampart


def best(passes, items, check):
    result = float("inf")
    for _ in range(passes):
        start = time.perf_counter_ns()
        for item in items:
            check(item)
        result = min(result, (time.perf_counter_ns() - start) / len(items))
    return result


def main():
    tables_path, stream_path = sys.argv[1], sys.argv[2]
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    only = sys.argv[4] if len(sys.argv) > 4 else None
    tables = rampart.load(tables_path)
    items = []
    for line in open(stream_path):
        f = line.rstrip("\n").split("\t")
        playbook = f[2] if len(f) == 4 else None
        config = f[-1]
        targets = ([tables.object("playbook", playbook)] if playbook else []) + [tables.object("config", config)]
        objects = {"playbook": playbook, "config": config} if playbook else {"config": config}
        items.append((f[0], f[1], playbook, config, tables.principal(f[0]), tables.action(f[1]), targets, objects))
    check_ids = tables.check_ids
    is_authorized = tables.is_authorized
    if only is not None:
        if only == "ids":
            print(best(passes, items, lambda i: check_ids(i[4], i[5], *i[6]).allowed))
        else:
            print(best(passes, items, lambda i: is_authorized(i[0], i[1], **i[7]).allowed))
        return
    by_ids = best(passes, items, lambda i: check_ids(i[4], i[5], *i[6]).allowed)
    by_names = best(passes, items, lambda i: is_authorized(i[0], i[1], **i[7]).allowed)
    requests = [
        {"subject": i[0], "action": i[1], "objects": {"config": i[3], **({"playbook": i[2]} if i[2] else {})}}
        for i in items
    ]
    batch = float("inf")
    for _ in range(passes):
        start = time.perf_counter_ns()
        tables.check_batch(requests)
        batch = min(batch, (time.perf_counter_ns() - start) / len(items))
    id_requests = [(i[4], i[5], *i[6]) for i in items]
    by_ids_batch = float("inf")
    for _ in range(passes):
        start = time.perf_counter_ns()
        for at in range(0, len(id_requests), 1000):
            tables.check_ids_batch(id_requests[at : at + 1000])
        by_ids_batch = min(by_ids_batch, (time.perf_counter_ns() - start) / len(items))
    print(
        f"python: {len(items)} requests, best of {passes} passes: by ids {by_ids:.0f} ns, "
        f"by names {by_names:.0f} ns, check_batch {batch:.0f} ns, "
        f"check_ids_batch (1,000 a call) {by_ids_batch:.0f} ns per check"
    )
    try:
        import cedarpy
    except ImportError:
        print("cedarpy: not installed")
        return
    policies = 'permit(principal == User::"john", action == Action::"read", resource in Namespace::"mc");'
    entities = [
        {"uid": {"__entity": {"type": "User", "id": "john"}}, "attrs": {}, "parents": []},
        {"uid": {"__entity": {"type": "Namespace", "id": "mc"}}, "attrs": {}, "parents": []},
        {"uid": {"__entity": {"type": "Config", "id": "c1"}}, "attrs": {}, "parents": [{"__entity": {"type": "Namespace", "id": "mc"}}]},
    ]
    request = {"principal": 'User::"john"', "action": 'Action::"read"', "resource": 'Config::"c1"', "context": {}}
    assert cedarpy.is_authorized(request, policies, entities).allowed
    n = 2000
    one = best(3, range(n), lambda _: cedarpy.is_authorized(request, policies, entities))
    many = [request] * n
    start = time.perf_counter_ns()
    cedarpy.is_authorized_batch(many, policies, entities)
    batched = (time.perf_counter_ns() - start) / n
    print(
        f"cedarpy {getattr(cedarpy, '__version__', '?')}: one policy, three entities: "
        f"is_authorized {one:.0f} ns per check (policies and entities parsed on every call), "
        f"is_authorized_batch {batched:.0f} ns per check"
    )


if __name__ == "__main__":
    main()
