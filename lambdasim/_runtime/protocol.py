"""The framed message protocol between the test process and an environment.

Standard library only (it runs inside environments too). A frame is an 8-byte
prefix (header length, body length; network order), a compact JSON header and
a raw body. Payloads travel in the body untouched, so an event or a result is
never JSON-encoded twice.
"""

import json
import os
import struct
from json import encoder as _json_encoder

_PREFIX = struct.Struct("!II")


def one_shot_encoder(*, ensure_ascii=True, allow_nan=True, separators=(", ", ": ")):
    """``json.JSONEncoder(...).encode``, without the cost of building the C encoder on every call.

    The stdlib builds a C encoder (and a dict for circular-reference checks)
    per ``encode()``: about half the time of encoding a small object. This one
    is built once, without the check; a circular value meets the recursion limit
    instead, and is then encoded by the stdlib, which raises its own error.
    Same text as the stdlib for everything else.
    """
    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=allow_nan, separators=separators)
    make = getattr(_json_encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the stdlib's own path
        return encoder.encode
    strings = _json_encoder.encode_basestring_ascii if ensure_ascii else _json_encoder.encode_basestring
    chunks = make(None, encoder.default, strings, None, separators[1], separators[0], False, False, allow_nan)
    join = "".join

    def encode(value):
        try:
            return join(chunks(value, 0))
        except RecursionError:
            return encoder.encode(value)

    return encode


_dumps = one_shot_encoder(ensure_ascii=False, separators=(",", ":"))
_scan = json.JSONDecoder().scan_once


def _loads(head):
    """Decode a frame header (a JSON object, UTF-8): the decoder's scanner, then the full
    ``json.loads`` (and its errors) for anything unusual."""
    try:
        text = head.decode("utf-8")
        value, end = _scan(text, 0)
    except (UnicodeDecodeError, StopIteration, ValueError):
        return json.loads(head)
    if end != len(text) or type(value) is not dict:
        return json.loads(head)
    return value


def pack(header, body=b""):
    """Return the bytes of one frame."""
    head = _dumps(header).encode("utf-8")
    return _PREFIX.pack(len(head), len(body)) + head + body


#: The keys of an invoke header with nothing unusual (``_invocation.run`` builds it).
_PLAIN_INVOKE = {"op", "request_id", "deadline_ms", "invoked_function_arn"}
_INVOKE_HEAD = '{"op":"invoke","request_id":%s,"deadline_ms":%d,"invoked_function_arn":%s%s}'
_string = _json_encoder.encode_basestring
#: The header's ``"spin"`` text by setting: a float's repr costs more than the rest.
_SPIN_TEXT = {}


def pack_invoke(header, body, spin=None):
    """``pack({**header, "spin": spin}, body)`` (no ``"spin"`` when None), the usual
    invoke header from a template: the same bytes, in 60% of the encoder's time."""
    if header.keys() != _PLAIN_INVOKE or header["op"] != "invoke" or type(header["deadline_ms"]) is not int:
        return pack(header if spin is None else {**header, "spin": spin}, body)
    if spin is None:
        spin_text = ""
    else:
        spin_text = _SPIN_TEXT.get(spin)
        if spin_text is None:
            spin_text = _SPIN_TEXT[spin] = ',"spin":' + _dumps(spin)
    head = _INVOKE_HEAD % (_string(header["request_id"]), header["deadline_ms"], _string(header["invoked_function_arn"]), spin_text)
    return pack_encoded(head.encode("utf-8"), body)


def pack_encoded(head, body=b""):
    """Return the bytes of one frame whose header is already JSON (``bytes``)."""
    return _PREFIX.pack(len(head), len(body)) + head + body


def write_frame(fd, header, body=b""):
    """Write one frame to a blocking file descriptor."""
    write_all(fd, pack(header, body))


def write_all(fd, data):
    written = os.write(fd, data)  # all of it, unless the pipe is full
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


def read_frame(fd):
    """Read one frame from a blocking file descriptor; ``EOFError`` at end of file.

    ``fd`` may also be a buffered binary file (``open(fd, "rb")``), which reads
    a small frame with one system call instead of three.
    """
    read = fd.read if hasattr(fd, "read") else lambda size: _read_exactly(fd, size)
    prefix = read(_PREFIX.size)
    if len(prefix) < _PREFIX.size:
        raise EOFError("the other side closed the channel")
    head_len, body_len = _PREFIX.unpack(prefix)
    header = _loads(_exactly(read(head_len), head_len))
    body = _exactly(read(body_len), body_len) if body_len else b""
    return header, body


def _exactly(data, size):
    if len(data) < size:
        raise EOFError("the other side closed the channel")
    return data


def _read_exactly(fd, size):
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        size -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class FrameReader:
    """Incremental decoder for a non-blocking reader: feed bytes, take frames."""

    def __init__(self):
        self._buffer = bytearray()
        #: A read that was one whole frame, kept as it came: no copy into the buffer.
        self._whole = None

    def feed(self, data):
        buffer = self._buffer
        if not buffer and self._whole is None and len(data) >= _PREFIX.size:
            head_len, body_len = _PREFIX.unpack_from(data)
            if len(data) == _PREFIX.size + head_len + body_len:
                self._whole = data
                return
        if self._whole is not None:
            buffer += self._whole
            self._whole = None
        buffer += data

    def wanted(self, least=1 << 16):
        """How many bytes to ask for next: the rest of the current frame, at least ``least``."""
        buffer = self._buffer
        if len(buffer) < _PREFIX.size:
            return least
        head_len, body_len = _PREFIX.unpack_from(buffer)
        return max(least, _PREFIX.size + head_len + body_len - len(buffer))

    def take(self):
        """The first complete ``(header, body)`` frame buffered, taken out; None if there is none.

        A method, not a generator: a loop over a generator that returns from inside
        leaves it to be closed, about a microsecond per answer.
        """
        whole = self._whole
        if whole is not None:
            self._whole = None
            start = _PREFIX.size + _PREFIX.unpack_from(whole)[0]
            return _loads(whole[_PREFIX.size:start]), whole[start:]
        buffer = self._buffer
        if len(buffer) < _PREFIX.size:
            return None
        head_len, body_len = _PREFIX.unpack_from(buffer)
        end = _PREFIX.size + head_len + body_len
        if len(buffer) < end:
            return None
        header = _loads(bytes(buffer[_PREFIX.size : _PREFIX.size + head_len]))
        body = bytes(buffer[_PREFIX.size + head_len : end])
        del buffer[:end]
        return header, body


class PollPause:
    """How many waits for a frame go without polling, after polls ran out (both sides of
    a warm invoke poll briefly instead of sleeping: see ``_sandbox/_polling.py``).

    The first poll that runs out pauses nothing: the other side was only away (the
    test did something else between two invokes). Each further one in a row pauses
    twice as many waits as the last, 1, 2, 4, up to ``LIMIT``: the other side keeps
    missing its turn, as when it waits for the CPU this side's polling holds. A poll
    that is answered starts over.
    """

    LIMIT = 64
    __slots__ = ("left", "_next")

    def __init__(self):
        #: The waits, from the next one on, that go without polling.
        self.left = 0
        self._next = 0

    def skip(self):
        """Whether this wait goes without polling (and one less is left if so)."""
        if self.left:
            self.left -= 1
            return True
        return False

    def missed(self):
        """A poll ran out."""
        self.left = self._next
        self._next = min(self.LIMIT, self._next * 2 or 1)

    def answered(self):
        """A poll was answered."""
        self._next = 0
