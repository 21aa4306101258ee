"""Rampart's authorization runtime, in-process.

>>> import rampart
>>> tables = rampart.load("fixtures/tables/format-v3.rampart")
>>> tables.is_authorized("john@doe.com", "playbook:run", playbook="mc/echo-config", config="c-mc-pod").allowed
True

Every refusal is an exception of one hierarchy: ``rampart.Error`` (with ``code``, the
stable code every face of Rampart reports, and ``message``), subclassed by
``LoadError``, ``RequestError`` (a name that does not resolve is an error, never a
denial), ``ResolveError``, ``ArgumentError`` and ``InternalError``.
"""

from ._rampart import (
    FORMAT_VERSION,
    ArgumentError,
    Error,
    InternalError,
    LoadError,
    RequestError,
    ResolveError,
    Response,
    Tables,
    WhoCan,
    __version__,
    load,
    load_bytes,
)

__all__ = [
    "FORMAT_VERSION",
    "ArgumentError",
    "Error",
    "InternalError",
    "LoadError",
    "RequestError",
    "ResolveError",
    "Response",
    "Tables",
    "WhoCan",
    "__version__",
    "load",
    "load_bytes",
]
