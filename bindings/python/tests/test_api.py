"""The Python API itself: responses, the exception hierarchy, batches without the GIL,
threads, verification, and what a caller can get wrong."""

import os
import threading

import pytest

import rampart
from conftest import ROOT, VECTORS


def test_a_response_is_true_only_when_allowed(tables):
    allowed = tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config="c-mc-pod")
    denied = tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config="c-default-pod")
    assert allowed.allowed is True and bool(allowed) is True
    assert denied.allowed is False and bool(denied) is False
    assert denied.reason == "no_allow_rule" and denied.decision == "deny"
    assert repr(allowed) == "Response(allowed=True, decision='allow', reason='allowed')"
    assert allowed.permissions is None and allowed.candidates is None


def test_an_unknown_name_raises_and_never_denies(tables):
    with pytest.raises(rampart.RequestError) as caught:
        tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config="c-mc-pdo")
    assert caught.value.code == "unknown_object"
    assert isinstance(caught.value, rampart.Error)
    assert "c-mc-pdo" in str(caught.value)


def test_objects_and_a_global_object_are_refused(tables):
    with pytest.raises(rampart.RequestError) as caught:
        tables.is_authorized("admin@example.com", "read", config="c-mc-pod", global_="catalog")
    assert caught.value.code == "invalid_request"


def test_attributes_of_an_object_the_catalog_does_not_know(tables):
    config = {"id": "c-new", "name": "mc-worker", "namespace": "mission-control", "type": "Kubernetes::Pod"}
    assert tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config=config)
    with pytest.raises(rampart.RequestError) as caught:
        tables.is_authorized("john@doe.com", "read", config={"colour": "blue"})
    assert caught.value.code == "malformed_request"
    with pytest.raises(rampart.RequestError) as caught:
        tables.is_authorized("john@doe.com", "read", config=3.5)
    assert caught.value.code == "malformed_request"


def test_explain_names_the_deciding_permission(tables):
    response = tables.explain("notification:mc/check-alerts", "playbook:run", playbook="mc/echo-config", config="c-mc-pod")
    assert response.allowed
    assert "default/allow-check-notification-playbook-run" in [p["permission"] for p in response.permissions]


def test_a_batch_answers_in_order_and_names_the_failing_request(tables):
    requests = [v.get("request") for v in VECTORS["checks"] if "expect" in v and "request" in v and not v.get("explain")]
    answers = tables.check_batch(requests)
    assert [a.allowed for a in answers] == [
        v["expect"]["allowed"] for v in VECTORS["checks"] if "expect" in v and "request" in v and not v.get("explain")
    ]
    bad = list(requests)
    bad.insert(2, {"subject": "nobody", "action": "read"})
    with pytest.raises(rampart.RequestError) as caught:
        tables.check_batch(bad)
    assert caught.value.code == "unknown_subject" and caught.value.index == 2
    assert tables.check_batch(iter([])) == []


def test_a_batch_by_ids_answers_as_the_checks_one_by_one_and_fails_whole(tables):
    loki = tables.principal("playbook:mc/loki-logs")
    read, delete = tables.action("read"), tables.action("delete")
    bucket = tables.object("connection", "mc/loki-bucket")
    slack = tables.object("connection", "mc/alerts-slack")
    requests = [(loki, read, bucket), (loki, delete, bucket), (loki, read, slack), [loki, read]]
    one_by_one = [tables.check_ids(*r) for r in requests]
    assert {r.allowed for r in one_by_one} == {True, False}
    answers = tables.check_ids_batch(requests)
    assert [(a.allowed, a.reason) for a in answers] == [(r.allowed, r.reason) for r in one_by_one]
    assert tables.check_ids_batch(iter([])) == []
    # An action's id as the principal: the whole batch fails, naming the request.
    with pytest.raises(rampart.RequestError) as caught:
        tables.check_ids_batch(requests[:2] + [(read, read, bucket)] + requests[2:])
    assert caught.value.code == "invalid_request" and caught.value.index == 2
    assert "check 2 of the batch" in caught.value.message
    for bad in [(loki,), ("loki", read), (loki, read, bucket, bucket, bucket, bucket, bucket)]:
        with pytest.raises(rampart.Error) as caught:
            tables.check_ids_batch([requests[0], bad])
        assert caught.value.index == 1


def test_a_batch_lets_other_threads_run(tables):
    request = {"subject": "john@doe.com", "action": "read", "objects": {"config": "c-mc-pod"}}
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        for _ in range(5):
            tables.check_batch([request] * 20000)
    finally:
        stop.set()
        ticker.join()
    assert ticks, "the other thread ran while batches were decided"


def test_threads_share_one_tables_value(tables):
    errors = []

    def work(subject, connection, expected):
        for _ in range(2000):
            if tables.is_authorized(subject, "read", connection=connection).allowed != expected:
                errors.append((subject, connection))
                return

    threads = [
        threading.Thread(target=work, args=("playbook:mc/loki-logs", "mc/loki-bucket", True)),
        threading.Thread(target=work, args=("playbook:mc/loki-logs", "mc/alerts-slack", False)),
        threading.Thread(target=work, args=("admin@example.com", "mc/alerts-slack", True)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_ids_of_other_tables_or_another_kind_are_refused(tables):
    other = rampart.load(ROOT / VECTORS["tables"])
    john, read = tables.principal("john@doe.com"), tables.action("read")
    pod = tables.object("config", "c-mc-pod")
    assert tables.check_ids(john, read, pod).allowed is False
    with pytest.raises(rampart.RequestError) as caught:
        other.check_ids(john, read, pod)
    assert caught.value.code == "invalid_request" and "other tables" in caught.value.message
    with pytest.raises(rampart.RequestError):
        tables.check_ids(read, john, pod)
    with pytest.raises(rampart.RequestError):
        tables.check_ids(john, read, pod, pod)
    with pytest.raises(OverflowError):
        tables.check_ids(-1, read)
    with pytest.raises(rampart.ArgumentError) as caught:
        tables.object("configs-and-more", "c-mc-pod")
    assert caught.value.code == "invalid_argument"


def test_load_bytes_and_verification(tmp_path):
    data = (ROOT / VECTORS["tables"]).read_bytes()
    tables = rampart.load_bytes(data)
    assert tables.revision == rampart.load(str(ROOT / VECTORS["tables"])).revision
    assert not tables.signed
    with pytest.raises(rampart.LoadError) as caught:
        rampart.load_bytes(data[: len(data) // 2])
    assert caught.value.code in ("truncated", "checksum", "corrupt")
    with pytest.raises(rampart.LoadError) as caught:
        rampart.load_bytes(b"")
    assert caught.value.code == "truncated"
    with pytest.raises(rampart.LoadError) as caught:
        rampart.load_bytes(data, public_key=b"O2onvM62pC1io6jQKm8Nc2UIFgdUhFP/DHYCMA4fGFs=")
    assert caught.value.code == "unsigned"
    with pytest.raises(rampart.ArgumentError):
        rampart.load_bytes(data, public_key=42)
    with pytest.raises(rampart.LoadError) as caught:
        rampart.load(tmp_path)
    assert caught.value.code == "io"


def test_what_a_caller_can_get_wrong(tables):
    with pytest.raises(TypeError):
        tables.is_authorized(None, "read")
    with pytest.raises(TypeError):
        tables.is_authorized("john@doe.com", "read", colour="blue")
    with pytest.raises(UnicodeEncodeError):
        tables.is_authorized("john\udcff@doe.com", "read")
    with pytest.raises(rampart.RequestError) as caught:
        deep = "x"
        for _ in range(40):
            deep = [deep]
        tables.check({"subject": "john@doe.com", "action": "read", "objects": {"config": {"id": deep}}})
    assert caught.value.code == "malformed_request"
    with pytest.raises(rampart.RequestError) as caught:
        tables.check({1: "john@doe.com"})
    assert caught.value.code == "malformed_request"
    huge = "x" * (16 << 20)
    with pytest.raises(rampart.RequestError) as caught:
        tables.is_authorized(huge, "read", config="c-mc-pod")
    assert caught.value.code == "unknown_subject"
    with pytest.raises(rampart.ArgumentError):
        tables.resolve_connection("connection://default/payments-database", "admin@example.com", secrets=[{"kind": "vault"}])
    with pytest.raises(rampart.ArgumentError):
        tables.resolve_connection("connection://default/payments-database", "admin@example.com", secrets=[object()])


def test_the_exception_hierarchy():
    for cls in (rampart.LoadError, rampart.RequestError, rampart.ResolveError, rampart.ArgumentError, rampart.InternalError):
        assert issubclass(cls, rampart.Error) and issubclass(cls, Exception)
        assert cls.__module__ == "rampart"


@pytest.mark.skipif("RAMPART_WORKLOAD" not in os.environ, reason="set RAMPART_WORKLOAD to a rampart-workload directory (CI does)")
def test_the_generated_workload_matches_the_generator():
    import json
    import pathlib

    work = pathlib.Path(os.environ["RAMPART_WORKLOAD"])
    tables = rampart.load(work / "tables.rampart")
    requests = (work / "requests.jsonl").read_text().splitlines()
    expected = [json.loads(line)["allowed"] for line in (work / "expected.jsonl").read_text().splitlines()]
    answers = tables.check_batch(requests)
    assert len(answers) == len(expected) > 0
    mismatches = [i for i, (a, e) in enumerate(zip(answers, expected)) if a.allowed != e]
    assert mismatches == []


def test_an_object_of_none_is_refused_not_dropped(tables):
    # `config=None` (say, from dict.get) must not turn a question about a playbook on a
    # config into one about the playbook alone.
    for call in (tables.is_authorized, tables.explain):
        with pytest.raises(rampart.ArgumentError) as caught:
            call("john@doe.com", "playbook:approve", playbook="mc/echo-config", config=None)
        assert caught.value.code == "invalid_argument" and "`config`" in caught.value.message
    with pytest.raises(rampart.ArgumentError):
        tables.who_can("read", global_=None)
    with pytest.raises(rampart.ArgumentError):
        tables.list("john@doe.com", "playbook:run", "configs", playbook=None)
    with pytest.raises(TypeError):
        tables.is_authorized("john@doe.com", "read", configs="c-mc-pod")


def test_who_can_on_a_playbook_names_the_subjects_allowed_only_with_a_config(tables):
    # john may run echo-config on the mission-control configs only: before the fix,
    # who_can answered a list without him, and an auditor read "john may not".
    answer = tables.who_can("playbook:run", playbook="mc/echo-config")
    assert "john@doe.com" not in answer.subjects
    john = [c for c in answer.conditional if c["subject"] == "john@doe.com"]
    assert len(john) == 1 and john[0]["with"] == "config", answer
    assert john[0]["allow"] and not john[0]["deny_all"]
    for config in tables.list("john@doe.com", "playbook:run", "configs", playbook="mc/echo-config")["objects"]:
        assert tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config=config)
    # Asked about the pair, john is allowed outright and nothing is conditional.
    both = tables.who_can("playbook:run", playbook="mc/echo-config", config="c-mc-pod")
    assert "john@doe.com" in both.subjects and both.conditional == []


def test_who_can_is_not_a_list_so_list_code_cannot_miss_conditional_subjects(tables):
    answer = tables.who_can("playbook:run", playbook="mc/echo-config")
    for misuse in (lambda: "john@doe.com" in answer, lambda: list(answer), lambda: len(answer), lambda: bool(answer)):
        with pytest.raises(TypeError, match="conditional"):
            misuse()
    assert answer.to_dict() == {"subjects": answer.subjects, "conditional": answer.conditional}
    assert "WhoCan(subjects=" in repr(answer)


def test_sql_filter_with_pairs_the_rows_with_one_object(tables):
    # Alone, john's playbook:run filter on configs would be FALSE: refused, not silent.
    with pytest.raises(rampart.RequestError) as caught:
        tables.sql_filter("john@doe.com", "playbook:run", "configs")
    assert caught.value.code == "invalid_request" and "with" in caught.value.message
    paired = tables.sql_filter_with("john@doe.com", "playbook:run", "configs", playbook="mc/echo-config")
    assert paired["form"] == "predicate" and paired["with"] == {"type": "playbook", "id": "mc/echo-config"}
    with pytest.raises(rampart.ArgumentError):
        tables.sql_filter_with("john@doe.com", "playbook:run", "configs")
    with pytest.raises(TypeError):
        tables.sql_filter_with("john@doe.com", "read", "configs", global_="catalog")
    with pytest.raises(rampart.ArgumentError):
        tables.sql_filter_with("john@doe.com", "playbook:run", "configs", playbook=None)
