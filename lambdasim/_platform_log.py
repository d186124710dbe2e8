"""The platform's part of one invocation's log: Text lines or JSON records, X-Ray, level filtering.

``LogLines`` collects an invocation's log in order: the platform's lines, written
through its methods, and what the runtime printed, added with ``output()``. With
``LogFormat`` ``Text`` the platform lines are those of spec/lambda-dataplane.md
§5.1 (``INIT_START``, ``START``, ``END``, ``REPORT``, ``INIT_REPORT``); with ``JSON``
they are the telemetry records of §5.3 (``{"time", "type", "record"}``), filtered by
``SystemLogLevel``, and the runtime's output lines are filtered by
``ApplicationLogLevel`` by their JSON ``"level"`` key (INFO when there is none).
When tracing is ``Active`` the ``REPORT`` event carries the ``XRAY`` line.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any, Dict, Optional

import attrs

from . import _clock, _platform

__all__ = ["LogLines", "LogSettings", "Trace"]

# Levels of platform records (§5.3: only initStart, start and report were seen at
# INFO; runtimeDone and initRuntimeDone are taken as DEBUG, initReport as INFO).
_RECORD_LEVEL = {
    "platform.initStart": "INFO",
    "platform.initRuntimeDone": "DEBUG",
    "platform.initReport": "INFO",
    "platform.start": "INFO",
    "platform.runtimeDone": "DEBUG",
    "platform.report": "INFO",
}
_SYSTEM_RANK = {"DEBUG": 1, "INFO": 2, "WARN": 3}
_APPLICATION_RANK = {
    "TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4, "FATAL": 5, "CRITICAL": 5,
}


# Trace ids need to be unique, not secret: a seeded generator costs no system call.
_ids = random.Random(os.urandom(16))


class Trace:
    """One invocation's X-Ray trace header (spec §7.1): ``Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>``.

    A plain class with the header built once: one is made for every invoke.
    """

    __slots__ = ("root", "parent", "sampled", "header")

    def __init__(self, root: str, parent: str, sampled: bool) -> None:
        self.root = root
        self.parent = parent
        self.sampled = sampled
        self.header = f"Root={root};Parent={parent};Sampled={1 if sampled else 0}"

    @classmethod
    def new(cls, sampled: bool, now: Optional[float] = None) -> "Trace":
        seconds = int(_clock.wall() if now is None else now)
        digits = _ids.getrandbits(160).to_bytes(20, "big").hex()
        return cls("1-%08x-%s" % (seconds, digits[:24]), digits[24:], sampled)

    def __repr__(self) -> str:
        return f"Trace({self.header!r})"

    def xray_line(self) -> str:
        """The second line of the ``REPORT`` event of a traced invocation (§5.1)."""
        return f"XRAY TraceId: {self.root}\tSegmentId: {self.parent}\tSampled: {'true' if self.sampled else 'false'}\n"


@attrs.frozen
class LogSettings:
    """What the function's ``LoggingConfig`` asks of the platform's log."""

    json: bool = False
    system_level: str = "INFO"
    application_level: str = "INFO"

    @classmethod
    def of(cls, logging_config: Optional[Dict[str, Any]]) -> "LogSettings":
        config = logging_config or {}
        if config.get("LogFormat") != "JSON":
            return _TEXT
        return cls(True, config.get("SystemLogLevel", "INFO"), config.get("ApplicationLogLevel", "INFO"))


_TEXT = LogSettings()


class LogLines(list):
    """One invocation's log, in order, with the platform's lines written in the function's format."""

    __slots__ = ("settings", "trace", "_function_name", "_version", "_function_arn", "_memory_size", "_log_stream")

    def __init__(
        self, settings: LogSettings = _TEXT, trace: Optional[Trace] = None,
        function_name: str = "", version: str = "$LATEST", function_arn: str = "", memory_size: int = 128,
        log_stream: str = "",
    ) -> None:
        super().__init__()
        self.settings = settings
        self.trace = trace
        self._function_name = function_name
        self._version = version
        self._function_arn = function_arn
        self._memory_size = memory_size
        self._log_stream = log_stream

    # --- what the runtime printed --------------------------------------------

    def output(self, text: str) -> None:
        """Add the runtime's output; in JSON mode, lines below ``ApplicationLogLevel`` are dropped."""
        if not text:
            return
        if self.settings.json:
            text = "".join(line for line in text.splitlines(True) if self._application_line_kept(line))
        self.append(text)

    def _application_line_kept(self, line: str) -> bool:
        level = "INFO"
        stripped = line.strip()
        if stripped.startswith("{"):
            try:
                document = json.loads(stripped)
            except ValueError:
                document = None
            if isinstance(document, dict):
                # The runtime's own error records say "log_level" (spec §2.4).
                named = document.get("level", document.get("log_level"))
                if isinstance(named, str) and named.upper() in _APPLICATION_RANK:
                    level = named.upper()
        return _APPLICATION_RANK[level] >= _APPLICATION_RANK[self.settings.application_level]

    # --- the platform's lines ----------------------------------------------------

    def init_start(self, runtime: str, region: str) -> None:
        if not self.settings.json:
            self.append(_platform.init_start(runtime, region))
            return
        self._record("platform.initStart", {
            "initializationType": "on-demand",
            "phase": "init",
            "runtimeVersion": _platform.runtime_version(runtime),
            "runtimeVersionArn": _platform.runtime_version_arn(runtime, region),
            "functionName": self._function_name,
            "functionVersion": self._version,
            "instanceId": self._instance_id(),
            "instanceMaxMemory": self._memory_size * 1024 * 1024,
        })

    def init_done(self) -> None:
        """A successful init: nothing in Text; ``platform.initRuntimeDone`` (DEBUG) in JSON."""
        if self.settings.json:
            self._record(
                "platform.initRuntimeDone", {"initializationType": "on-demand", "phase": "init", "status": "success"}
            )

    def init_report(self, init_ms: float, phase: str, status: str, error_type: Optional[str] = None) -> None:
        if not self.settings.json:
            self.append(_platform.init_report(init_ms, phase, status, error_type))
            return
        record: Dict[str, Any] = {
            "initializationType": "on-demand", "phase": phase, "status": status,
            "metrics": {"durationMs": round(init_ms, 3)},
        }
        if error_type:
            record["errorType"] = error_type
        self._record("platform.initReport", record)

    def start(self, request_id: str) -> None:
        if not self.settings.json:
            self.append(_platform.start(request_id, self._version))
            return
        record: Dict[str, Any] = {"requestId": request_id, "functionArn": self._function_arn, "version": self._version}
        self._add_tracing(record)
        self._record("platform.start", record)

    def fault(self, request_id: Optional[str], message: str, error_type: str) -> None:
        """The event about a dead runtime process: the same text in both formats."""
        self.append(_platform.fault(request_id, message, error_type))

    def end(
        self, request_id: str, status: str, duration_ms: float, produced_bytes: int,
        error_type: Optional[str] = None,
    ) -> None:
        if not self.settings.json:
            self.append(_platform.end(request_id))
            return
        record: Dict[str, Any] = {
            "requestId": request_id, "status": status,
            "metrics": {"durationMs": duration_ms, "producedBytes": produced_bytes},
        }
        if error_type:
            record["errorType"] = error_type
        self._add_tracing(record)
        self._record("platform.runtimeDone", record)

    def report(
        self, request_id: str, duration_ms: float, billed_ms: int, max_memory_used: int,
        init_ms: Optional[float] = None, status: Optional[str] = None, error_type: Optional[str] = None,
    ) -> None:
        if not self.settings.json:
            line = _platform.report(
                request_id, duration_ms, billed_ms, self._memory_size, max_memory_used, init_ms, status, error_type
            )
            if self.trace is not None and self.trace.sampled:
                line += self.trace.xray_line()
            self.append(line)
            return
        metrics: Dict[str, Any] = {
            "durationMs": duration_ms, "billedDurationMs": billed_ms,
            "memorySizeMB": self._memory_size, "maxMemoryUsedMB": max_memory_used,
        }
        if init_ms is not None:
            metrics["initDurationMs"] = init_ms
        record: Dict[str, Any] = {"requestId": request_id, "metrics": metrics, "status": status or "success"}
        if error_type:
            record["errorType"] = error_type
        self._add_tracing(record)
        self._record("platform.report", record)

    # --- helpers -------------------------------------------------------------------

    def _record(self, kind: str, record: Dict[str, Any]) -> None:
        if _SYSTEM_RANK[_RECORD_LEVEL[kind]] < _SYSTEM_RANK[self.settings.system_level]:
            return
        now = _clock.wall()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
        document = {"time": stamp, "type": kind, "record": record}
        self.append(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")

    def _add_tracing(self, record: Dict[str, Any]) -> None:
        if self.trace is not None and self.trace.sampled:
            record["tracing"] = {"spanId": self.trace.parent, "type": "X-Amzn-Trace-Id", "value": self.trace.header}

    def _instance_id(self) -> str:
        # The stream name with the function name before "[<version>]" (§5.3, 2026 records).
        day, bracket, rest = self._log_stream.partition("[")
        return f"{day}{self._function_name}{bracket}{rest}" if bracket else self._log_stream
