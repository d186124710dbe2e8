"""Error documents, handler resolution and error log blocks, as Lambda's runtime makes them.

Standard library only: this module runs inside the execution environment, under
interpreters where lambdasim and its dependencies may be missing.

The shapes and texts follow spec §1.1-1.5 and §2.1-2.4, which record what
awslambdaric's ``bootstrap.py`` does.
"""

import importlib
import os
import sys
import time
import traceback

from .marshal import encode_result

__all__ = [
    "INIT_WARNING",
    "InitError",
    "dumps_error",
    "error_document",
    "log_error_json",
    "log_error_text",
    "marshal_error_document",
    "resolve_handler",
]

#: Written through ``logging.warning`` before an init error's log block (spec §1.5).
INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function "
    "change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the "
    "INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to "
    "mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

# Frames from files under this package's directory are the runtime's own; the
# path as imported and as absolute path, whichever the frames carry.
_RUNTIME_DIRS = tuple(
    {os.path.join(os.path.dirname(path), "") for path in (__file__, os.path.abspath(__file__))}
    - {""}
)
_NO_BREAK_SPACE = "\u00a0"
_JSON_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class InitError(Exception):
    """Handler resolution failed; ``document`` is the init error document.

    ``str()`` of the exception is the document's ``errorMessage``.
    """

    def __init__(self, document: dict) -> None:
        super().__init__(document["errorMessage"])
        self.document = document


def _document(message: str, error_type: str, stack_trace: list, request_id) -> dict:
    """The runtime's ``make_error``: empty values become ``""``/``[]``, keys in order."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def error_document(exc: BaseException, request_id: str) -> dict:
    """Return the error document for an exception raised by user code (spec §2.1).

    Keys in Lambda's order. ``stackTrace`` lists the traceback's frames in the
    ``traceback.format_list`` form, starting at the first frame that is not in this
    runtime package (so the handler's own frame comes first); like Lambda, all
    frames are kept when every one of them is the runtime's.
    """
    frames = [
        (frame.filename, frame.lineno, frame.name, frame.line)
        for frame in traceback.extract_tb(exc.__traceback__)
    ]
    # Plain tuples, as the real runtime passes: without column positions,
    # format_list prints no "^^^" marker lines on 3.11+.
    for index, frame in enumerate(frames):
        if not frame[0].startswith(_RUNTIME_DIRS):
            frames = frames[index:]
            break
    return _document(
        str(exc), type(exc).__name__, traceback.format_list(frames), request_id
    )


def marshal_error_document(exc: BaseException, request_id: str) -> dict:
    """Return the ``Runtime.MarshalError`` document for a result that failed to encode."""
    return _document(
        "Unable to marshal response: {}".format(exc), "Runtime.MarshalError", [], request_id
    )


def resolve_handler(handler: str):
    """Import the handler's module and return the handler (spec §1.1, §1.2).

    ``handler`` is split at its last ``.``; slashes in the module part become dots.
    Raises ``InitError`` carrying the init error document (``requestId`` ``""``)
    for every failure Lambda reports at init. Exceptions that are not
    ``Exception``s (``SystemExit``, ``KeyboardInterrupt``) propagate, as on Lambda.
    """
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise InitError(
            _document(
                "Bad handler '{}': {}".format(handler, exc),
                "Runtime.MalformedHandlerName",
                [],
                "",
            )
        ) from None
    try:
        return _import_handler(modname, fname)
    except InitError:
        raise
    except Exception as exc:
        raise InitError(error_document(exc, "")) from exc


def _import_handler(modname: str, fname: str):
    if modname.split(".")[0] in sys.builtin_module_names:
        raise InitError(
            _document(
                "Cannot use built-in module {} as a handler module".format(modname),
                "Runtime.BuiltInModuleConflict",
                [],
                "",
            )
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise InitError(
            _document(
                "Unable to import module '{}': {}".format(modname, exc),
                "Runtime.ImportModuleError",
                [],
                "",
            )
        ) from None
    except SyntaxError as exc:
        trace = ['  File "%s" Line %s\n    %s' % (exc.filename, exc.lineno, exc.text)]
        raise InitError(
            _document(
                "Syntax error in module '{}': {}".format(modname, exc),
                "Runtime.UserCodeSyntaxError",
                trace,
                "",
            )
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise InitError(
            _document(
                "Handler '{}' missing on module '{}'".format(fname, modname),
                "Runtime.HandlerNotFound",
                [],
                "",
            )
        ) from None


def dumps_error(doc: dict, *, ensure_ascii: bool) -> bytes:
    """Encode an error document as the runtime does: the result encoder, same rules."""
    return encode_result(doc, ensure_ascii=ensure_ascii)


def log_error_text(doc: dict) -> str:
    """Return the text-format log block for an error document (spec §1.5, §2.4).

    ``[ERROR] {errorType}: {errorMessage}``, then ``Traceback (most recent call
    last):`` and the stack lines with their leading spaces turned into U+00A0.
    Lines are joined with ``\\n``; the block ends with ``\\n``.
    """
    header = "[ERROR]"
    error_type = doc.get("errorType")
    message = doc.get("errorMessage")
    if error_type:
        header += " " + error_type
    if message:
        header += (":" if error_type else "") + " " + message
    lines = [header]
    stack_trace = doc.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_NO_BREAK_SPACE * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines) + "\n"


def log_error_json(doc: dict, timestamp: float, *, ensure_ascii: bool = False) -> str:
    """Return the JSON-format log line for an error document (spec §2.4).

    ``timestamp`` is epoch seconds, written in UTC without fractions. The object
    is ``timestamp``, ``log_level``, then the document's keys, encoded like the
    document itself (the runtime uses one encoder for both, so ``ensure_ascii``
    follows the same rule as results), and the line ends with ``\\n``.
    """
    record = {
        "timestamp": time.strftime(_JSON_TIMESTAMP_FORMAT, time.gmtime(timestamp)),
        "log_level": "ERROR",
    }
    record.update(doc)
    return encode_result(record, ensure_ascii=ensure_ascii).decode("utf-8") + "\n"
