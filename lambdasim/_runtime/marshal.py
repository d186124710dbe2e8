"""Turn a handler's return value into the Invoke payload, and the payload into the event.

Standard library only: this module runs inside the execution environment, under
interpreters where lambdasim and its dependencies (and simplejson) may be missing.

Lambda's Python runtime encodes results with simplejson (spec §2.2:
``JSONEncoder(use_decimal=False, allow_nan=True)`` plus a ``default`` that writes a
``Decimal`` as its ``str()``). For plain data (exact ``dict``/``list``/``tuple`` and
``str``/``int``/``float``/``bool``/``None`` and their scalar subclasses) the stdlib's
C encoder writes the very same bytes, so that is the fast path; exact ``Decimal``
leaves are patched into its output. Anything else (``bytes``, namedtuples and other
objects with ``_asdict``, container subclasses, unserialisable objects) takes a
pure-Python path that follows simplejson's rules; so does any value the fast path
rejects (``bytes`` or ``Decimal`` dict keys, circular references), which then gets
simplejson's answer or error.
"""

import decimal
import json
import json.encoder
import os
import re
from gc import get_referents
from itertools import compress

from .protocol import one_shot_encoder

__all__ = ["decode_event", "encode_result"]

_FAST_ENCODE = {
    True: one_shot_encoder(ensure_ascii=True, allow_nan=True),
    False: one_shot_encoder(ensure_ascii=False, allow_nan=True),
}
_QUOTE = {
    True: json.encoder.encode_basestring_ascii,
    False: json.encoder.encode_basestring,
}

_SCALARS = frozenset((str, int, float, bool, type(None)))
_CONTAINERS = frozenset((dict, list, tuple))
_PLAIN = _SCALARS | _CONTAINERS
_SCALAR_BASES = (str, int, float)
_INFINITY = float("inf")
_MAX_DEPTH = 200
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE
_KEY_ERROR_PREFIX = "keys must be str, int, float, bool or None, not "
_DEDUPLICATE_ABOVE = 4096

# Routes chosen by _route().
_FAST = "fast"
_FAST_WITH_DECIMALS = "fast with decimals"
_SLOW = "slow"


def encode_result(value, ensure_ascii: bool) -> bytes:
    """Return the Invoke payload for a handler's return value.

    ``bytes`` come back unchanged. Anything else is encoded as Lambda's runtime does:
    ``", "``/``": "`` separators, key order kept, ``NaN``/``Infinity`` allowed,
    ``Decimal`` as its ``str()``, namedtuples as objects. ``ensure_ascii`` is True
    for python3.9-3.11 and False for 3.12+ (spec §2.2).

    Raises ``TypeError`` or ``ValueError`` with simplejson's message for values
    Lambda cannot marshal (the caller wraps it into ``Runtime.MarshalError``), and
    ``UnicodeEncodeError`` for a lone surrogate with ``ensure_ascii=False``: on
    Lambda that failure happens after marshalling, outside its error handling.
    """
    if value is None:  # a handler that returns nothing
        return b"null"
    if isinstance(value, bytes):
        return value
    ensure_ascii = bool(ensure_ascii)
    route = _route(value)
    if route is not _SLOW:
        try:
            if route is _FAST:
                text = _FAST_ENCODE[ensure_ascii](value)
            else:
                text = _encode_with_decimals(value, ensure_ascii)
            return text.encode("utf-8")
        except (TypeError, ValueError, RecursionError):
            # bytes or Decimal keys, cycles, depth: simplejson's rules decide.
            pass
    return _encode_like_simplejson(value, ensure_ascii).encode("utf-8")


def _route(value) -> str:
    """Say which encoder writes ``value`` exactly as simplejson would.

    ``_FAST`` when the stdlib encoder does, ``_FAST_WITH_DECIMALS`` when it does
    once exact ``Decimal`` leaves are patched in, ``_SLOW`` otherwise.

    Walks the value breadth-first, one nesting level per step, each step done in C:
    ``map(type, ...)`` classifies a level's items and ``gc.get_referents`` lists the
    items of its containers (exact ``dict``/``list``/``tuple``, nothing else is
    entered). Dict keys need no check: every key type the stdlib accepts renders as
    in simplejson, and the stdlib raises for the others. Values nested deeper than
    ``_MAX_DEPTH`` (or circular ones) take the slow path.
    """
    route = _FAST
    level = [value]
    for _ in range(_MAX_DEPTH):
        kinds = set(map(type, level))
        if not kinds <= _PLAIN:
            for kind in kinds - _PLAIN:
                if kind is decimal.Decimal:
                    route = _FAST_WITH_DECIMALS
                elif not issubclass(kind, _SCALAR_BASES):
                    return _SLOW
        if kinds.isdisjoint(_CONTAINERS):
            return route
        if not kinds <= _CONTAINERS:
            level = list(compress(level, map(_CONTAINERS.__contains__, map(type, level))))
        if len(level) > _DEDUPLICATE_ABOVE:
            # A container reachable along many paths (a cycle, say [a, a] with a
            # inside) would otherwise double the level at every step.
            level = list(dict(zip(map(id, level), level)).values())
        level = get_referents(*level)
    return _SLOW


def _encode_with_decimals(value, ensure_ascii: bool) -> str:
    """Encode plain data with ``Decimal`` leaves using the stdlib's C encoder.

    Each Decimal is encoded as a placeholder string holding 64 random bits drawn
    for this call; the placeholders, in encoding order, are then replaced by the
    Decimals' text. Should a string of the value still contain the placeholder,
    the counts disagree and the caller falls back to the slow path.
    """
    texts = []
    placeholder = "\x00%s\x00" % os.urandom(8).hex()

    def default(obj):
        if type(obj) is decimal.Decimal:
            texts.append("NaN" if obj.is_nan() else str(obj))
            return placeholder
        raise TypeError("Object of type %s is not JSON serializable" % obj.__class__.__name__)

    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=True, default=default)
    pieces = encoder.encode(value).split(_QUOTE[True](placeholder))
    if len(pieces) != len(texts) + 1:
        raise ValueError("placeholder count mismatch")
    out = [pieces[0]]
    for text, piece in zip(texts, pieces[1:]):
        out.append(text)
        out.append(piece)
    return "".join(out)


def _encode_like_simplejson(value, ensure_ascii: bool) -> str:
    """Encode ``value`` following simplejson's type checks and their order."""
    quote = _QUOTE[ensure_ascii]
    markers = {}
    chunks = []
    emit = chunks.append

    def floatstr(number) -> str:
        if number != number:
            return "NaN"
        if number == _INFINITY:
            return "Infinity"
        if number == -_INFINITY:
            return "-Infinity"
        if type(number) is not float:
            number = float(number)
        return float.__repr__(number)

    def intstr(number) -> str:
        if type(number) is not int:
            number = int(number)
        return int.__repr__(number)

    def keystr(key) -> str:
        if isinstance(key, str):
            return key
        if isinstance(key, bytes):
            return str(key, "utf-8")
        if isinstance(key, float):
            return floatstr(key)
        if key is True:
            return "true"
        if key is False:
            return "false"
        if key is None:
            return "null"
        if isinstance(key, int):
            return intstr(key)
        raise TypeError(_KEY_ERROR_PREFIX + "%.100s" % _c_type_name(key))

    def enter(container) -> int:
        marker = id(container)
        if marker in markers:
            raise ValueError("Circular reference detected")
        markers[marker] = container
        return marker

    def encode_array(array) -> None:
        if not array:
            emit("[]")
            return
        marker = enter(array)
        separator = "["
        for item in array:
            emit(separator)
            separator = ", "
            encode(item)
        emit("]")
        del markers[marker]

    def encode_object(mapping) -> None:
        if not mapping:
            emit("{}")
            return
        marker = enter(mapping)
        separator = "{"
        for key, item in mapping.items():
            emit(separator)
            separator = ", "
            emit(quote(keystr(key)))
            emit(": ")
            encode(item)
        emit("}")
        del markers[marker]

    def as_dict(obj):
        # simplejson's namedtuple_as_object: any callable _asdict() whose call does
        # not raise TypeError makes the object a JSON object.
        method = getattr(obj, "_asdict", None)
        if not callable(method):
            return None
        try:
            mapping = method()
        except TypeError:
            return None
        if not isinstance(mapping, dict):
            raise TypeError("_asdict() must return a dict, not %.80s" % _c_type_name(mapping))
        return mapping

    def encode(obj) -> None:
        # The order of simplejson's C encoder, which Lambda's runtime uses: _asdict
        # comes before list and tuple, so a list subclass with one is an object.
        if isinstance(obj, str):
            emit(quote(obj))
        elif isinstance(obj, bytes):
            emit(quote(str(obj, "utf-8")))
        elif obj is None:
            emit("null")
        elif obj is True:
            emit("true")
        elif obj is False:
            emit("false")
        elif isinstance(obj, int):
            emit(intstr(obj))
        elif isinstance(obj, float):
            emit(floatstr(obj))
        else:
            mapping = as_dict(obj)
            if mapping is not None:
                encode_object(mapping)
            elif isinstance(obj, (list, tuple)):
                encode_array(obj)
            elif isinstance(obj, dict):
                encode_object(obj)
            elif isinstance(obj, decimal.Decimal):
                # The runtime's default(): NaN (also -NaN, sNaN) as float NaN, any
                # other Decimal as its str() written raw.
                emit("NaN" if obj.is_nan() else str(obj))
            else:
                raise TypeError(
                    "Object of type %s is not JSON serializable" % obj.__class__.__name__
                )

    try:
        encode(value)
    except RecursionError:
        raise RecursionError(
            "maximum recursion depth exceeded while encoding a JSON object"
        ) from None
    return "".join(chunks)


def _c_type_name(obj) -> str:
    """The name of ``obj``'s type as C code prints it (``tp_name``).

    That is ``tuple`` or ``MyClass``, but ``decimal.Decimal`` and
    ``datetime.date`` for types defined in C. The stdlib's C encoder formats it
    into its own key error, so ask it; guess from the type when it cannot say.
    """
    try:
        _FAST_ENCODE[True]({obj: None})
    except TypeError as error:
        if str(error).startswith(_KEY_ERROR_PREFIX):
            return str(error)[len(_KEY_ERROR_PREFIX):]
    except Exception:
        pass
    kind = type(obj)
    if kind.__flags__ & _HEAP_TYPE or kind.__module__ == "builtins":
        return kind.__name__
    return "%s.%s" % (kind.__module__, kind.__name__)


class _ConstantFound(Exception):
    """Raised by the decoder on NaN, Infinity or -Infinity, which simplejson rejects."""


def _reject_constant(name):
    raise _ConstantFound(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SCAN = _DECODER.scan_once
_WHITESPACE = json.decoder.WHITESPACE.match
#: What JSON counts as whitespace (and, as ``in`` finds it, the empty string: the end).
_BLANKS = " \t\n\r"
_TOKEN_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


def decode_event(data: bytes):
    """Return the event a handler receives for an Invoke payload.

    An empty payload becomes ``{}`` (spec §2.3). Otherwise this parses like the
    runtime's ``simplejson.loads``: UTF-8 only, a leading BOM skipped, numbers as
    ``int``/``float``, and ``NaN``/``Infinity`` rejected as "Expecting value".
    Raises ``ValueError`` (``json.JSONDecodeError`` or ``UnicodeDecodeError``).
    """
    if not data:
        return {}
    text = data.decode("utf-8")
    start = 1 if text[:1] == "\ufeff" else 0
    if text[start:start + 1] in _BLANKS:
        start = _WHITESPACE(text, start).end()
    try:
        # The decoder's raw_decode, without its Python frame.
        value, end = _SCAN(text, start)
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    except _ConstantFound:
        # The first constant in document order is the one the decoder met: all
        # text before it parsed. Point at it as simplejson does.
        for match in _TOKEN_OR_STRING.finditer(text, start):
            if match.group(1):
                raise json.JSONDecodeError("Expecting value", text, match.start()) from None
        raise
    if end != len(text):
        end = _WHITESPACE(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    return value
