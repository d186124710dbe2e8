"""The pipes between the test process and a runtime: reading a phase's output, bounded."""

from __future__ import annotations

import os
import select

# Reads allocate their whole size up front: a 1 MiB read costs page faults
# that a 64 KiB one does not, so logs are read in the smaller size.
READ_SIZE = 1 << 16
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031
#: How much of one phase's output (an init or an invoke) is kept: a handler that
#: writes gigabytes must not make the test process hold them (docs/reliability.md).
LOG_LIMIT = 16 << 20


def read_chunk(fd: int) -> bytes:
    """One read of what the pipe holds, up to ``READ_SIZE``."""
    return os.read(fd, READ_SIZE)


def drain(fd: int, poller: "select.poll", into: "Captured") -> None:
    """Read what the pipe holds now, without waiting for more (``poller`` watches only ``fd``).

    Bounded by the pipe's size: a child the handler left writing must not keep us here.
    """
    budget = _PIPE_SIZE + READ_SIZE
    while budget > 0 and poller.poll(0):
        chunk = os.read(fd, READ_SIZE)
        if not chunk:
            break
        budget -= len(chunk)
        into.add(chunk)


class Captured:
    """One phase's output: the first ``LOG_LIMIT`` bytes are kept, the rest only counted."""

    __slots__ = ("data", "dropped")

    def __init__(self) -> None:
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = LOG_LIMIT - len(self.data)
        if len(chunk) <= room:
            self.data += chunk
            return
        if room > 0:
            self.data += chunk[:room]
        self.dropped += len(chunk) - max(room, 0)

    def text(self) -> bytes:
        """The kept bytes, followed by a line saying how much was dropped, if anything was."""
        if not self.dropped:
            return bytes(self.data)
        newline = b"" if self.data.endswith(b"\n") else b"\n"
        note = f"lambdasim: {self.dropped} bytes of output over the {LOG_LIMIT}-byte log limit were dropped\n"
        return bytes(self.data) + newline + note.encode()


def enlarge_pipe(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
    except OSError:
        pass
