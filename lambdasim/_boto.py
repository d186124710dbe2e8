"""The botocore adapter: real boto3 Lambda clients answered in-process by the REST router.

A routed client is an ordinary boto3/botocore Lambda client with one handler
on its ``before-send.lambda`` event. botocore serialises the request, signs it and
emits ``before-send``; the handler hands method, path, query, headers and body to
``RestRouter`` and returns an ``AWSResponse``, so botocore never opens a socket and
parses the answer exactly as it parses AWS's (``ClientError``, ``Payload`` streams,
``FunctionError``, ``LogResult``).

- ``make_client(sim)`` builds such a client from its own boto3 session with fake
  credentials.
- ``Boto3Patch(sim)`` (``sim.patch_boto3()``) routes every Lambda client created while
  it is active, from any session. A client's event emitter is a copy of its
  session's, and sessions that existed before the patch (``boto3.DEFAULT_SESSION``,
  a session the test made earlier) cannot be reached through events, so the patch
  wraps the one method every client comes from, ``botocore.session.Session.create_client``,
  and puts the original back on exit. Nothing else is patched.

Retries are off in routed clients unless their creator configured ``retries``
(``docs/boto3.md``): a throttle or a 5xx then reaches the test at once and a
handler never runs again because botocore retried.

botocore calls *every* ``before-send`` handler and keeps the first answer. The
router's handler sits on the more specific ``before-send.lambda``, which botocore
calls before handlers of plain ``before-send``, so lambdasim's answer is the one the
client gets. Handlers called after it still see the request: moto's, for one,
would run the request against its own Lambda backend (and fail on payloads it
cannot parse). Routed clients therefore point at ``ENDPOINT``, a host such hooks
do not recognise.
"""

from __future__ import annotations

import functools
import inspect
import io
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

try:
    import boto3
    import botocore.session
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
except ImportError as error:  # pragma: no cover - exercised only without boto3
    raise ModuleNotFoundError(
        "lambdasim's boto3 support needs boto3 and botocore: pip install 'pytest-lambdasim[boto3]'",
        name=error.name,
    ) from error

from ._errors import InvalidParameterValueException
from ._rest import RestRouter

__all__ = [
    "Boto3Patch",
    "ENDPOINT",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "NO_RETRIES",
    "make_client",
    "patch_boto3",
    "route",
]

FAKE_ACCESS_KEY_ID = "AKIALAMBDASIMFAKEKEY"
FAKE_SECRET_ACCESS_KEY = "lambdasim-fake-secret-access-key"
#: Where routed clients point: a host that never resolves (RFC 2606), so other
#: ``before-send`` hooks that match AWS hostnames (moto's) leave these requests
#: alone, and a request that somehow escaped the router could not reach AWS.
ENDPOINT = "https://lambda.{region}.lambdasim.invalid"
#: One attempt: botocore never repeats a request the simulator answered.
NO_RETRIES = Config(retries={"total_max_attempts": 1})

_EVENT = "before-send.lambda"
_HANDLER_ID = "lambdasim-router"


class _Body(io.BytesIO):
    """A response body botocore can read like urllib3's: ``read()``, ``stream()``, ``close()``."""

    def stream(self, amt: int = 65536, decode_content: Optional[bool] = None) -> Iterator[bytes]:
        while True:
            chunk = self.read(amt)
            if not chunk:
                return
            yield chunk


class _Answer:
    """The ``before-send`` handler: the router answers the request, no socket involved."""

    def __init__(self, router: RestRouter) -> None:
        self.router = router

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        url = urlsplit(request.url)
        response = self.router.handle(
            request.method, url.path, url.query, dict(request.headers.items()), _request_body(request.body)
        )
        return AWSResponse(request.url, response.status, dict(response.headers), _Body(response.body))


def _request_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    # A file-like Payload: read it, and rewind it for whoever reads it next.
    start = body.tell() if body.seekable() else None
    data = body.read()
    if start is not None:
        body.seek(start)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def route(client: Any, router: RestRouter) -> Any:
    """Make ``router`` answer every request of ``client`` (replacing an earlier router)."""
    events = client.meta.events
    events.unregister(_EVENT, unique_id=_HANDLER_ID)
    events.register(_EVENT, _Answer(router), unique_id=_HANDLER_ID)
    return client


def _without_retries(config: Optional[Config], default: Optional[Config] = None) -> Config:
    """``config`` with retries off, unless it (or the session's ``default``) configures retries."""
    if any(c is not None and c.retries is not None for c in (config, default)):
        return config if config is not None else default
    return NO_RETRIES if config is None else config.merge(NO_RETRIES)


def make_client(sim: Any, region_name: Optional[str] = None, **kwargs: Any) -> Any:
    """A boto3 Lambda client whose requests ``sim`` answers; ``kwargs`` go to ``Session.client``."""
    region = region_name or sim.region
    if region != sim.region:
        raise InvalidParameterValueException(
            f"'region_name' must be the simulator's region {sim.region!r} (got {region!r}); "
            f"create LambdaSim(region={region!r}) to simulate that region"
        )
    session = boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY_ID, aws_secret_access_key=FAKE_SECRET_ACCESS_KEY, region_name=region
    )
    kwargs.setdefault("endpoint_url", ENDPOINT.format(region=region))
    kwargs["config"] = _without_retries(kwargs.get("config"))
    return route(session.client("lambda", **kwargs), RestRouter(sim))


class Boto3Patch:
    """Routes every Lambda client created while active to one simulator (a context manager).

    Clients keep their routing after the patch ends; clients created after it are
    left alone. For each Lambda client created inside, the patch also fills in
    what the client would otherwise look up outside the process: fake credentials
    unless the caller passed keys (the developer's real ones are never resolved),
    the simulator's region when none is configured, and no retries unless
    configured (see the module docstring).
    """

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.router = RestRouter(sim)
        self._original: Optional[Any] = None

    def __enter__(self) -> "Boto3Patch":
        if self._original is not None:
            raise RuntimeError("this patch_boto3() is already active")
        session_class = botocore.session.Session
        self._original = vars(session_class)["create_client"]
        session_class.create_client = self._wrap(self._original)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._original is not None:
            botocore.session.Session.create_client = self._original
            self._original = None

    def _wrap(self, original: Any) -> Any:
        signature = inspect.signature(original)
        patch = self

        @functools.wraps(original)
        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(session, *args, **kwargs)
            if bound.arguments.get("service_name") != "lambda":
                return original(session, *args, **kwargs)
            patch._fill_in(session, bound.arguments)
            return route(original(*bound.args, **bound.kwargs), patch.router)

        return create_client

    def _fill_in(self, session: Any, arguments: dict) -> None:
        config = arguments.get("config")
        default = session.get_default_client_config()
        if arguments.get("aws_access_key_id") is None and arguments.get("aws_secret_access_key") is None:
            arguments["aws_access_key_id"] = FAKE_ACCESS_KEY_ID
            arguments["aws_secret_access_key"] = FAKE_SECRET_ACCESS_KEY
            arguments["aws_session_token"] = None
        # botocore's own order: the argument, the client config, the session's configuration.
        configured = [c.region_name for c in (config, default) if c is not None and c.region_name]
        region = (
            arguments.get("region_name")
            or next(iter(configured), None)
            or session.get_config_variable("region")
            or self.sim.region
        )
        arguments["region_name"] = region
        arguments["endpoint_url"] = ENDPOINT.format(region=region)
        arguments["config"] = _without_retries(config, default)


def patch_boto3(sim: Any) -> Boto3Patch:
    """``sim.patch_boto3()``: see ``Boto3Patch``."""
    return Boto3Patch(sim)
