"""Type stubs of the native module (re-exported by ``rampart``)."""

import os
from typing import Any, Iterable, List, Mapping, Optional, Sequence, TypedDict, Union

__version__: str
FORMAT_VERSION: int

Object = Union[str, Mapping[str, Any]]
"""An object: its key (``ns/name`` or id), or the attributes of an object the catalog
does not know (``{"id", "name", "namespace", "type", "tags", ...}``)."""

Request = Union[Mapping[str, Any], str]
"""A request in the JSON model of ``rampart check --batch``, as a dict or JSON text."""

class Error(Exception):
    """Every error of rampart."""

    code: str
    """The stable code (``unknown_object``, ``bad_signature``, ...)."""
    message: str
    index: int
    """For ``check_batch`` and ``check_ids_batch``: the position of the request that caused the error."""

class LoadError(Error):
    """The tables could not be loaded."""

class RequestError(Error):
    """A request could not be decided: never a denial."""

class ResolveError(Error):
    """A connection reference could not be resolved."""

class ArgumentError(Error):
    """An argument rampart cannot take."""

class InternalError(Error):
    """A bug in rampart."""

class Response:
    """A decision; true when allowed."""

    @property
    def allowed(self) -> bool: ...
    @property
    def decision(self) -> str:
        """``allow`` or ``deny``."""
    @property
    def reason(self) -> str:
        """``allowed``, ``explicit_deny`` or ``no_allow_rule``."""
    @property
    def permissions(self) -> Optional[List[Mapping[str, Any]]]:
        """Explained responses: the deciding permissions."""
    @property
    def candidates(self) -> Optional[List[Mapping[str, Any]]]:
        """Explained denials without a matching allow rule: the nearest allow rules."""
    def to_dict(self) -> dict[str, Any]: ...
    def __bool__(self) -> bool: ...

class UnknownObjects(TypedDict):
    allow_all: bool
    allow: List[str]
    deny_all: bool
    deny: List[str]

class Listing(TypedDict):
    subject: str
    action: str
    category: str
    total: int
    objects: List[str]
    next: Optional[str]
    unknown_objects: UnknownObjects

class SqlFilter(TypedDict):
    subject: str
    action: str
    category: str
    form: str
    sql: str
    params: List[Union[str, List[str]]]
    first_param: int
    note: Optional[str]
    # ``sql_filter_with`` only: ``with: {type, id}``, the object the rows are paired with.

class Conditional(TypedDict):
    """A subject allowed on the object asked about only together with an object of the
    category ``with``, and what that object must be."""

    subject: str
    # ``with`` is a keyword in Python; read it as ``entry["with"]``.
    allow_all: bool
    """Any object of the category admits it."""
    allow: List[str]
    """Otherwise, the selectors an object must match (any one of them)."""
    deny_all: bool
    deny: List[str]
    """Selectors an object must not match."""
    # ``and`` (a keyword too; ``entry.get("and", [])``): for a grant naming three or four
    # categories, each further object the request needs besides the one of ``with``, as a
    # ``Condition``; absent for a two-object grant.

class Condition(TypedDict):
    """One further object of a ``Conditional`` entry: its category (``entry["with"]``)
    and what it must be."""

    allow_all: bool
    allow: List[str]
    deny_all: bool
    deny: List[str]

class WhoCan:
    """Who may do an action on a target. Deliberately not a list: ``in``, iteration,
    ``len()`` and truth raise ``TypeError``, so that code written for a list of names
    cannot miss ``conditional``."""

    @property
    def subjects(self) -> List[str]:
        """The subjects allowed on the target as asked."""
    @property
    def conditional(self) -> List[Conditional]:
        """Asked about one object: the subjects allowed there only together with an
        object of another category (``entry["with"]``), with the condition it must meet.
        Empty for other targets."""
    def to_dict(self) -> dict[str, Any]:
        """``{subjects, conditional}``, as every face answers."""

class Connection(TypedDict):
    reference: str
    type: str
    url: str
    username: Optional[str]
    password: Optional[str]
    certificate: Optional[str]
    properties: dict[str, str]
    insecure_tls: bool
    """The connection's ``insecure_tls`` column (http, aws, awskms, s3, elasticsearch)."""

class Secret(TypedDict):
    kind: str
    """``secret``, ``configmap``, ``helm`` or ``serviceaccount``."""
    namespace: str
    name: str
    key: str
    value: str

class Tables:
    """Loaded, validated, immutable decision tables; safe to share between threads.

    Object keywords are left out for "no such object": an explicit ``None`` raises
    ``ArgumentError``, so that an object that is ``None`` by accident cannot drop out of a
    request."""

    @property
    def revision(self) -> str: ...
    @property
    def compiler_version(self) -> str: ...
    @property
    def signed(self) -> bool: ...
    def is_authorized(
        self,
        subject: str,
        action: str,
        *,
        playbook: Object = ...,
        config: Object = ...,
        component: Object = ...,
        connection: Object = ...,
        global_: str = ...,
    ) -> Response: ...
    def explain(
        self,
        subject: str,
        action: str,
        *,
        playbook: Object = ...,
        config: Object = ...,
        component: Object = ...,
        connection: Object = ...,
        global_: str = ...,
    ) -> Response: ...
    def check(self, request: Request, *, explain: bool = False) -> Response: ...
    def check_batch(self, requests: Iterable[Request], *, explain: bool = False) -> List[Response]: ...
    def principal(self, subject: str) -> int: ...
    def action(self, action: str) -> int: ...
    def object(self, category: str, key: str) -> int: ...
    def global_object(self, name: str) -> int: ...
    def check_ids(self, principal: int, action: int, *targets: int) -> Response: ...
    def check_ids_batch(self, requests: Iterable[Sequence[int]]) -> List[Response]:
        """Decides ``(principal, action, *targets)`` requests in one call, all or nothing."""
    def list(
        self,
        subject: str,
        action: str,
        category: str,
        *,
        playbook: str = ...,
        config: str = ...,
        component: str = ...,
        connection: str = ...,
    ) -> Listing: ...
    def who_can(
        self,
        action: str,
        *,
        playbook: str = ...,
        config: str = ...,
        component: str = ...,
        connection: str = ...,
        global_: str = ...,
    ) -> WhoCan: ...
    def sql_filter(
        self,
        subject: str,
        action: str,
        category: str,
        *,
        columns: Sequence[str] = (),
        id_type: Optional[str] = None,
        first_param: Optional[int] = None,
        ids: bool = False,
    ) -> SqlFilter:
        """Raises ``RequestError`` (``invalid_request``) where the subject's grants pair
        the category with another, so that the filter alone would be ``FALSE``: use
        ``sql_filter_with``."""
    def sql_filter_with(
        self,
        subject: str,
        action: str,
        category: str,
        *,
        columns: Sequence[str] = (),
        id_type: Optional[str] = None,
        first_param: Optional[int] = None,
        ids: bool = False,
        playbook: str = ...,
        config: str = ...,
        component: str = ...,
        connection: str = ...,
    ) -> SqlFilter:
        """The rows of ``category`` allowed together with the one object given (of
        another category); the answer also holds ``with: {type, id}``."""
    def resolve_connection(
        self,
        reference: str,
        subject: str,
        *,
        namespace: Optional[str] = None,
        secrets: Optional[Sequence[Secret]] = None,
        environment: bool = False,
        show_secrets: bool = False,
    ) -> Connection: ...

def load(path: Union[str, "os.PathLike[str]"], public_key: Optional[Union[str, bytes]] = None) -> Tables:
    """Loads a table file, verified with ``public_key`` when given."""

def load_bytes(data: bytes, public_key: Optional[Union[str, bytes]] = None) -> Tables:
    """Loads a table file's bytes, verified with ``public_key`` when given."""
