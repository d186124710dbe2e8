"""Python ``logging`` as Lambda's runtime sets it up: root handler, formats, request id.

Standard library only: this module runs inside the execution environment, under
interpreters where lambdasim and its dependencies may be missing.

Text format per spec §5.2, JSON format per spec §5.3 (awslambdaric's
``_setup_logging`` and ``JsonFormatter``). Like the real runtime, setting up
switches ``logging.Formatter.converter`` to ``time.gmtime`` for every formatter of
the process, the handler's own and the user's.
"""

import json
import logging
import sys
import time
import traceback
from typing import Optional

__all__ = ["set_request_id", "setup_logging"]

_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_JSON_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord attributes that the JSON format never copies as extra keys: the
# runtime's list, which lacks "taskName" (3.12+), so a record logged inside an
# asyncio task carries "taskName" as on Lambda.
_RESERVED_ATTRIBUTES = frozenset(
    {
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    }
)

_encode_json = json.JSONEncoder(ensure_ascii=False).encode


class _Invocation:
    """The invocation in progress, as the log filter reads it."""

    request_id: Optional[str] = None
    tenant_id: Optional[str] = None


_current = _Invocation()


def set_request_id(request_id: Optional[str], tenant_id: Optional[str] = None) -> None:
    """Tag later log records with this invocation (None between invocations)."""
    _current.request_id = request_id
    _current.tenant_id = tenant_id


class _InvocationFilter(logging.Filter):
    """Sets ``aws_request_id`` (``""`` outside an invocation) and ``tenant_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current.request_id or ""
        record.tenant_id = _current.tenant_id
        return True


class _JsonFormatter(logging.Formatter):
    """One JSON object per record, keys in the runtime's order (spec §5.3)."""

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc_info = record.exc_info
        document = {
            "timestamp": time.strftime(_JSON_TIMESTAMP_FORMAT, time.gmtime(record.created)),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": (
                f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None
            ),
        }
        tenant_id = getattr(record, "tenant_id", None)
        if tenant_id is not None:
            document["tenantId"] = tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED_ATTRIBUTES and key not in document:
                document[key] = value
        return _encode_json({k: v for k, v in document.items() if v is not None}) + "\n"


def _root_level(log_level: Optional[str]) -> Optional[int]:
    # The runtime maps TRACE before upper-casing, and ignores unknown names.
    name = {None: "", "TRACE": "DEBUG"}.get(log_level, log_level).upper()
    level = logging.getLevelName(name) if name else None
    return level if isinstance(level, int) else None


def setup_logging(
    log_format: str = "Text", log_level: Optional[str] = None, stream=None
) -> logging.Handler:
    """Install the runtime's handler on the root logger and return it.

    ``log_format`` is ``AWS_LAMBDA_LOG_FORMAT`` (``JSON``, any case, selects JSON;
    anything else is Text) and ``log_level`` is ``AWS_LAMBDA_LOG_LEVEL``: when it
    names a level, the root logger gets it; otherwise the root level is left alone
    (``WARNING`` by default). Records go to ``stream`` (default: ``sys.stdout`` as
    it is now), one write per record, flushed at once.
    """
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout if stream is None else stream)
    handler.terminator = ""
    if log_format and log_format.upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, _TEXT_DATE_FORMAT))
    handler.addFilter(_InvocationFilter())
    root = logging.getLogger()
    level = _root_level(log_level)
    if level is not None:
        root.setLevel(level)
    root.addHandler(handler)
    return handler
