"""What an invoke request carries: its payload, client context and request id, checked.

Lambda parses the request body as JSON before it reaches the function and
rejects bad JSON with ``InvalidRequestContentException`` (spec §10.4). Its
detail text comes from a Java parser; the prefix is AWS's, the detail follows
that parser's wording as closely as Python's decoder allows.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import random
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ._errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    ValidationException,
    validation_message,
)
from ._runtime.protocol import one_shot_encoder

CLIENT_CONTEXT_LIMIT = 3583

_PREFIX = "Could not parse request body into json: Could not parse payload into json: "
_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {line}, column: {column}]"
_VALUE_EXPECTED = (
    "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
)


# What json.dumps(event, allow_nan=False, separators=(",", ":")) does, without
# building a new encoder for every invoke.
_encode_event = one_shot_encoder(allow_nan=False, separators=(",", ":"))


def event_bytes(event: Any) -> bytes:
    """The request body for ``event``: bytes/str are checked JSON, anything else is encoded."""
    if event is None:
        return b""
    if isinstance(event, (bytes, bytearray, memoryview)):
        return _checked(bytes(event))
    if isinstance(event, str):
        # A lone surrogate cannot be UTF-8: its bytes are refused as the service refuses them.
        return _checked(event.encode("utf-8", "surrogatepass"))
    try:
        return _encode_event(event).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError(f"'event' must be JSON-serializable, or bytes/str holding JSON ({error})") from None


def _checked(body: bytes) -> bytes:
    # A body of nothing but whitespace is an empty payload: the handler gets {}.
    if not body.strip():
        return b""
    _check_json(body)
    return body


def _reject_constant(name: str) -> None:
    raise _NonStandard(name)


class _NonStandard(ValueError):
    pass


def _check_json(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(body[: error.start].decode("utf-8", "replace"), len(body[: error.start]))
        detail = f"Invalid UTF-8 start byte 0x{body[error.start]:02x}"
        raise InvalidRequestContentException(_PREFIX + detail + "\n at " + _SOURCE.format(line=line, column=column + 1)) from None
    try:
        json.loads(text, parse_constant=_reject_constant)
    except _NonStandard as error:
        detail = (
            f"Non-standard token '{error}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
        )
        raise InvalidRequestContentException(_PREFIX + detail + "\n at " + _locate(text, str(error))) from None
    except json.JSONDecodeError as error:
        raise InvalidRequestContentException(_PREFIX + _describe(text, error)) from None


def _describe(text: str, error: json.JSONDecodeError) -> str:
    where = "\n at " + _SOURCE.format(line=error.lineno, column=error.colno + 1)
    if error.pos >= len(text):
        return "Unexpected end-of-input: expected a value" + where
    char = text[error.pos]
    code = ord(char)
    shown = "CTRL-CHAR" if code < 32 or 127 <= code < 160 else f"'{char}'"
    return f"Unexpected character ({shown} (code {code})): {_VALUE_EXPECTED}" + where


def _position(prefix: str, _length: int) -> tuple:
    line = prefix.count("\n") + 1
    column = len(prefix) - (prefix.rfind("\n") + 1)
    return line, column


def _locate(text: str, token: str) -> str:
    index = max(text.find(token), 0)
    line, column = _position(text[:index], index)
    return _SOURCE.format(line=line, column=column + len(token) + 1)


def check_enum(value: Any, member: str, allowed: tuple) -> None:
    if value not in allowed:
        constraint = f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        raise ValidationException(validation_message([(value, member, constraint)]))


def decode_client_context(value: Any) -> Optional[dict]:
    """Accept a dict or the base64 JSON text the API carries; return the decoded dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        encoded = base64.b64encode(json.dumps(value).encode())
    elif isinstance(value, (str, bytes)):
        encoded = value.encode() if isinstance(value, str) else value
    else:
        raise InvalidParameterValueException(
            f"'client_context' must be a dict or base64-encoded JSON text (got {value!r})"
        )
    if len(encoded) > CLIENT_CONTEXT_LIMIT:
        raise InvalidParameterValueException(
            f"Client context must be no longer than {CLIENT_CONTEXT_LIMIT} bytes when base64-encoded."
        )
    try:
        decoded = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        decoded = None
    if not isinstance(decoded, dict):
        raise InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.")
    return decoded


class RequestIds:
    """UUID4 request ids from a private generator seeded by the OS.

    Cheaper than ``uuid.uuid4()`` (no system call per id) and unaffected by a
    test that seeds the ``random`` module.
    """

    def __init__(self) -> None:
        self._bits = random.Random(os.urandom(32)).getrandbits
        #: The id an asynchronous attempt keeps across retries, per thread (see ``pinned``).
        self._pinned = threading.local()
        #: How many threads are inside ``pinned`` now: while none are, ``next`` skips the lookup.
        self._pinning = 0
        self._pinning_lock = threading.Lock()
        #: Ids drawn while an invoke waited for its runtime (``draw_ahead``); a list,
        #: whose ``pop`` hands each to one thread only.
        self._ahead: list = []

    @contextmanager
    def pinned(self, request_id: str) -> Iterator[None]:
        """Make ``next()`` in this thread return ``request_id``: every attempt of an
        asynchronous event runs under the event's own request id, as on Lambda."""
        with self._pinning_lock:
            self._pinning += 1
        self._pinned.id = request_id
        try:
            yield
        finally:
            self._pinned.id = None
            with self._pinning_lock:
                self._pinning -= 1

    def next(self) -> str:
        if self._pinning:
            pinned = getattr(self._pinned, "id", None)
            if pinned is not None:
                return pinned
        if self._ahead:
            try:
                return self._ahead.pop()
            except IndexError:
                pass  # another thread took it
        return self._draw()

    def draw_ahead(self) -> None:
        """Draw the next id now: called while an invoke waits for its runtime, so the next
        invoke does not wait for the draw. One id, not a batch: the invoke that made a
        batch would pay for all of it (a hundred microseconds once in 64 invokes was
        the warm invoke's p99)."""
        if not self._ahead:
            self._ahead.append(self._draw())

    def _draw(self) -> str:
        d = self._bits(128).to_bytes(16, "big").hex()
        # 122 random bits: the version nibble 4 and the variant 10xx.
        return f"{d[:8]}-{d[8:12]}-4{d[13:16]}-{_VARIANT[d[16]]}{d[17:20]}-{d[20:]}"


#: A random hex digit to a random variant digit: its two low bits under ``10``.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
