"""The shared test vectors (bindings/vectors/vectors.json), answered from Python exactly
as the Rust runtime answers them: by the JSON model, by keyword arguments and by ids."""

import pytest

import rampart
from conftest import ROOT, VECTORS

CATEGORIES = ("playbook", "config", "component", "connection")
FAMILIES = {
    "io": rampart.LoadError,
    "not_a_table": rampart.LoadError,
    "unsigned": rampart.LoadError,
    "bad_signature": rampart.LoadError,
    "denied": rampart.ResolveError,
    "source": rampart.ResolveError,
    "invalid_reference": rampart.ResolveError,
    "invalid_argument": rampart.ArgumentError,
}


def expected(vector):
    return {"error": vector["error"]} if "error" in vector else vector["expect"]


def outcome(call):
    """The answer of `call`, or its error as {"error": {code, message}}."""
    try:
        answer = call()
    except rampart.Error as error:
        family = FAMILIES.get(error.code, rampart.RequestError)
        assert isinstance(error, family), (error.code, type(error))
        assert str(error) == error.message
        return {"error": {"code": error.code, "message": error.message}}
    if isinstance(answer, (rampart.Response, rampart.WhoCan)):
        return answer.to_dict()
    return answer


def named(vector):
    return vector["name"]


def decision_only(answer):
    if "error" in answer:
        return answer
    return {k: answer[k] for k in ("allowed", "decision", "reason")}


def keyword_arguments(request):
    """A request of the JSON model as keyword arguments, when it can be one."""
    if not isinstance(request, dict) or set(request) - {"subject", "action", "objects", "global"}:
        return None
    if not isinstance(request.get("subject"), str) or not isinstance(request.get("action"), str):
        return None
    objects = request.get("objects", {})
    if not isinstance(objects, dict) or set(objects) - set(CATEGORIES):
        return None
    kwargs = dict(objects)
    if "global" in request:
        kwargs["global_"] = request["global"]
    return kwargs


@pytest.mark.parametrize("vector", VECTORS["checks"], ids=named)
def test_checks_by_the_json_model(tables, vector):
    request = vector.get("request", vector.get("request_text"))
    explain = vector.get("explain", False)
    assert outcome(lambda: tables.check(request, explain=explain)) == expected(vector)
    if isinstance(request, dict):
        import json

        text = json.dumps(request, separators=(",", ":"), sort_keys=True)
        assert outcome(lambda: tables.check(text, explain=explain)) == expected(vector)


@pytest.mark.parametrize("vector", VECTORS["checks"], ids=named)
def test_checks_by_keyword_arguments_and_ids(tables, vector):
    kwargs = keyword_arguments(vector.get("request"))
    if kwargs is None:
        pytest.skip("not expressible as keyword arguments (the JSON model answers it)")
    request = vector["request"]
    if vector.get("explain"):
        answer = outcome(lambda: tables.explain(request["subject"], request["action"], **kwargs))
        assert answer == expected(vector)
        return
    answer = outcome(lambda: tables.is_authorized(request["subject"], request["action"], **kwargs))
    assert answer == decision_only(expected(vector))
    keys_only = all(isinstance(v, str) for v in kwargs.values())
    if "error" in vector or not keys_only:
        return
    principal = tables.principal(request["subject"])
    action = tables.action(request["action"])
    targets = [tables.object(c, kwargs[c]) for c in CATEGORIES if c in kwargs]
    if "global_" in kwargs:
        targets.append(tables.global_object(kwargs["global_"]))
    assert tables.check_ids(principal, action, *targets).to_dict() == decision_only(expected(vector))


@pytest.mark.parametrize("vector", VECTORS["lists"], ids=named)
def test_lists(tables, vector):
    with_ = vector.get("with", {})
    answer = outcome(lambda: tables.list(vector["subject"], vector["action"], vector["category"], **with_))
    assert answer == expected(vector)


@pytest.mark.parametrize("vector", VECTORS["who_can"], ids=named)
def test_who_can(tables, vector):
    target = dict(vector["target"])
    if "global" in target:
        target["global_"] = target.pop("global")
    assert outcome(lambda: tables.who_can(vector["action"], **target)) == expected(vector)


@pytest.mark.parametrize("vector", VECTORS["sql_filters"], ids=named)
def test_sql_filters(tables, vector):
    options = dict(
        columns=vector.get("columns", []),
        id_type=vector.get("id_type"),
        first_param=vector.get("first_param"),
        ids=vector.get("ids", False),
    )
    with_ = vector.get("with")
    if with_ is None:
        call = lambda: tables.sql_filter(vector["subject"], vector["action"], vector["category"], **options)
    elif "global" in with_:
        pytest.skip("sql_filter_with takes objects only: a global object is a TypeError in Python")
    else:
        call = lambda: tables.sql_filter_with(
            vector["subject"], vector["action"], vector["category"], **options, **with_
        )
    assert outcome(call) == expected(vector)


@pytest.mark.parametrize("vector", VECTORS["connections"], ids=named)
def test_connections(tables, vector):
    answer = outcome(
        lambda: tables.resolve_connection(
            vector["reference"],
            vector["subject"],
            namespace=vector.get("namespace"),
            secrets=vector.get("secrets", []),
            show_secrets=vector.get("show_secrets", False),
        )
    )
    assert answer == expected(vector)


@pytest.mark.parametrize("vector", VECTORS["loads"], ids=named)
def test_loads(vector):
    def load():
        loaded = rampart.load(ROOT / vector["file"], vector.get("public_key"))
        return {"loaded": True, "revision": loaded.revision}

    assert outcome(load) == expected(vector)
    data = (ROOT / vector["file"]).read_bytes() if (ROOT / vector["file"]).exists() else None
    if data is not None and "error" in vector and vector["error"]["code"] != "io":

        def from_bytes():
            loaded = rampart.load_bytes(data, vector.get("public_key"))
            return {"loaded": True, "revision": loaded.revision}

        assert outcome(from_bytes) == expected(vector)
