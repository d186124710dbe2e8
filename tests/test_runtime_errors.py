"""Error documents, handler resolution and error log blocks match Lambda's (spec §1, §2)."""

import importlib
import os
import pathlib
import sys
import traceback

import pytest

from lambdasim._runtime import errors
from conftest import LAMBDA_WARNING
from lambdasim._runtime.errors import (
    INIT_WARNING,
    InitError,
    dumps_error,
    error_document,
    log_error_json,
    log_error_text,
    marshal_error_document,
    resolve_handler,
)

RESOLUTION_DIR = pathlib.Path(__file__).resolve().parent / "handlers" / "resolution"
RUNTIME_DIR = pathlib.Path(errors.__file__).resolve().parent


@pytest.fixture
def handler_dir(monkeypatch):
    """Only the resolution handlers and the standard library are importable.

    Modules imported from the directory are dropped afterwards; modules of the same
    names imported before (by other tests) are put back.
    """
    names = {path.stem for path in RESOLUTION_DIR.iterdir()} | {"requests", "src"}
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] in names}
    for name in saved:
        del sys.modules[name]
    stdlib_only = [entry for entry in sys.path if "-packages" not in entry and entry]
    monkeypatch.setattr(sys, "path", [str(RESOLUTION_DIR)] + stdlib_only)
    importlib.invalidate_caches()
    yield RESOLUTION_DIR
    for name in [name for name in sys.modules if name.split(".")[0] in names]:
        del sys.modules[name]
    sys.modules.update(saved)  # packages such as requests, with their submodules, as they were
    importlib.invalidate_caches()


def init_error(handler):
    with pytest.raises(InitError) as info:
        resolve_handler(handler)
    assert str(info.value) == info.value.document["errorMessage"]
    return info.value.document


# -- handler resolution (spec §1.1, §1.2) --------------------------------------


def test_resolves_module_function(handler_dir):
    handler = resolve_handler("resolved.handler")
    assert handler({}, None) == {"resolved": True}


def test_resolves_through_slashes_and_namespace_packages(handler_dir):
    assert resolve_handler("nested/deeper/app.lambda_handler")({}, None) == "nested"
    assert resolve_handler("nested/deeper.app.lambda_handler")({}, None) == "nested"
    assert resolve_handler("nested.deeper.app.lambda_handler")({}, None) == "nested"


def test_non_callable_attribute_resolves(handler_dir):
    assert resolve_handler("resolved.not_callable") == 42


def test_handler_without_dot_is_malformed(handler_dir):
    assert init_error("bad_handler") == {
        "errorMessage": "Bad handler 'bad_handler': not enough values to unpack (expected 2, got 1)",
        "errorType": "Runtime.MalformedHandlerName",
        "requestId": "",
        "stackTrace": [],
    }


def test_built_in_module_name_conflicts(handler_dir):
    assert init_error("sys.handler") == {
        "errorMessage": "Cannot use built-in module sys as a handler module",
        "errorType": "Runtime.BuiltInModuleConflict",
        "requestId": "",
        "stackTrace": [],
    }
    assert init_error("sys.sub.handler")["errorMessage"] == (
        "Cannot use built-in module sys.sub as a handler module"
    )


def test_built_in_check_looks_at_the_dotted_part_before_slashes_are_replaced(handler_dir):
    assert init_error("sys/path.handler") == {
        "errorMessage": "Unable to import module 'sys/path': No module named 'sys.path'; 'sys' is not a package",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_import_error_inside_the_module_is_an_import_module_error(handler_dir):
    # The spec's example, byte for byte (spec §1.3).
    document = init_error("lambda_function.lambda_handler")
    assert dumps_error(document, ensure_ascii=True) == (
        b'{"errorMessage": "Unable to import module \'lambda_function\': No module named \'requests\'", '
        b'"errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}'
    )


def test_missing_module_quotes_the_module_name_as_written(handler_dir):
    assert init_error("src/hello_world.app.lambda_handler")["errorMessage"] == (
        "Unable to import module 'src/hello_world.app': No module named 'src'"
    )


def test_syntax_error_has_one_trace_line_with_capital_line(handler_dir):
    document = init_error("index.handler")
    path = str(RESOLUTION_DIR / "index.py")
    assert document == {
        "errorMessage": "Syntax error in module 'index': invalid syntax (index.py, line 38)",
        "errorType": "Runtime.UserCodeSyntaxError",
        "requestId": "",
        "stackTrace": ['  File "%s" Line 38\n    value = 2 +* 3\n' % path],
    }


def test_missing_function_is_handler_not_found(handler_dir):
    assert init_error("wsgi_handler.handler") == {
        "errorMessage": "Handler 'handler' missing on module 'wsgi_handler'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }
    assert init_error("resolved.")["errorMessage"] == "Handler '' missing on module 'resolved'"


def test_exception_at_import_keeps_importlib_frames(handler_dir):
    document = init_error("lambda_runtime_error.handler")
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "Runtime startup fails"
    assert document["errorType"] == "Exception"
    assert document["requestId"] == ""
    first, *_, last = document["stackTrace"]
    importlib_init = os.path.join(os.path.dirname(importlib.__file__), "__init__.py")
    assert first.startswith('  File "%s", line ' % importlib_init)
    assert first.endswith(", in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)\n")
    assert any("<frozen importlib._bootstrap>" in line for line in document["stackTrace"])
    assert last == (
        '  File "%s", line 1, in <module>\n    raise Exception("Runtime startup fails")\n'
        % (RESOLUTION_DIR / "lambda_runtime_error.py")
    )
    assert not any(str(RUNTIME_DIR) in line for line in document["stackTrace"])


def test_other_exceptions_at_import_use_their_class_name(handler_dir):
    document = init_error("name_error.handler")
    assert document["errorType"] == "NameError"
    assert document["errorMessage"] == "name 'undefined_name' is not defined"
    assert document["stackTrace"][-1].endswith(
        ", in <module>\n    handler = undefined_name  # noqa: F821\n"
    )
    assert init_error("empty_message.handler")["errorMessage"] == ""


def test_failing_module_getattr_is_a_generic_error(handler_dir):
    document = init_error("raising_getattr.handler")
    assert document["errorType"] == "LookupError"
    assert document["errorMessage"] == "no attribute handler"
    assert document["stackTrace"][0].startswith('  File "%s", line ' % (RESOLUTION_DIR / "raising_getattr.py"))


def test_system_exit_at_import_propagates(handler_dir):
    with pytest.raises(SystemExit) as info:
        resolve_handler("exits.handler")
    assert info.value.code == 3


def test_init_errors_are_raised_again_on_retry(handler_dir):
    first = init_error("lambda_runtime_error.handler")
    assert init_error("lambda_runtime_error.handler")["errorMessage"] == first["errorMessage"]


# -- error documents (spec §2.1) ----------------------------------------------


def _fail(message):
    raise ValueError(message)


def test_error_document_of_a_handler_exception():
    try:
        _fail("Handler fails")
    except ValueError as caught:
        document = error_document(caught, "c1c5-request")
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "Handler fails"
    assert document["errorType"] == "ValueError"
    assert document["requestId"] == "c1c5-request"
    assert document["stackTrace"][-1] == (
        '  File "%s", line %d, in _fail\n    raise ValueError(message)\n'
        % (__file__, _fail.__code__.co_firstlineno + 1)
    )
    assert all("^" not in line for line in document["stackTrace"])


def test_error_document_of_empty_message_and_qualified_class():
    class Custom(Exception):
        pass

    document = error_document(Custom(), "id")
    assert (document["errorMessage"], document["errorType"], document["stackTrace"]) == ("", "Custom", [])
    assert error_document(KeyError("k"), "id")["errorMessage"] == "'k'"


def _runtime_code(source, name):
    """Compile ``source`` as if it were a file of the runtime package."""
    namespace = {}
    exec(compile(source, str(RUNTIME_DIR / name), "exec"), namespace)
    return namespace


def test_leading_runtime_frames_are_dropped():
    catch = _runtime_code(
        "def catch(function):\n"
        "    try:\n"
        "        function()\n"
        "    except Exception as exc:\n"
        "        return exc\n",
        "_test_bootstrap.py",
    )["catch"]
    document = error_document(catch(lambda: _fail("boom")), "id")
    assert [line.split(",")[0] for line in document["stackTrace"]] == [
        '  File "%s"' % __file__,
        '  File "%s"' % __file__,
    ]


def test_all_frames_are_kept_when_every_frame_is_the_runtimes():
    namespace = _runtime_code(
        "def catch():\n"
        "    try:\n"
        "        fail()\n"
        "    except Exception as exc:\n"
        "        return exc\n"
        "def fail():\n"
        "    raise ValueError('inside')\n",
        "_test_bootstrap.py",
    )
    document = error_document(namespace["catch"](), "id")
    assert [line.split(",")[2] for line in document["stackTrace"]] == [" in catch\n", " in fail\n"]


def test_marshal_error_document():
    document = marshal_error_document(TypeError("Object of type set is not JSON serializable"), "rid")
    assert dumps_error(document, ensure_ascii=True) == (
        b'{"errorMessage": "Unable to marshal response: Object of type set is not JSON serializable", '
        b'"errorType": "Runtime.MarshalError", "requestId": "rid", "stackTrace": []}'
    )


def test_dumps_error_follows_the_result_ascii_rule():
    document = {"errorMessage": "é", "errorType": "E", "requestId": "", "stackTrace": []}
    assert dumps_error(document, ensure_ascii=True).startswith(b'{"errorMessage": "\\u00e9"')
    assert dumps_error(document, ensure_ascii=False).startswith('{"errorMessage": "é"'.encode())


# -- log blocks (spec §1.5, §2.4) ---------------------------------------------


def test_text_log_of_an_init_error():
    document = {
        "errorMessage": "Unable to import module 'lambda_function': No module named 'requests'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    assert log_error_text(document) == (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': "
        "No module named 'requests'\nTraceback (most recent call last):\n"
    )


def test_text_log_replaces_leading_spaces_with_no_break_spaces():
    document = {
        "errorMessage": "Handler fails",
        "errorType": "Exception",
        "requestId": "r",
        "stackTrace": [
            '  File "/var/task/lambda_handler_error.py", line 2, in handler\n    raise Exception("Handler fails")\n',
            "",
        ],
    }
    assert log_error_text(document) == (
        "[ERROR] Exception: Handler fails\n"
        "Traceback (most recent call last):\n"
        '\u00a0\u00a0File "/var/task/lambda_handler_error.py", line 2, in handler\n'
        '\u00a0\u00a0\u00a0\u00a0raise Exception("Handler fails")\n'
        "\n"
    )


@pytest.mark.parametrize(
    "error_type, message, header",
    [("Exception", "", "[ERROR] Exception"), ("", "only a message", "[ERROR] only a message"), ("", "", "[ERROR]")],
)
def test_text_log_header_variants(error_type, message, header):
    document = {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    assert log_error_text(document) == header + "\nTraceback (most recent call last):\n"


def test_text_log_of_a_real_traceback_has_no_leading_ascii_spaces():
    try:
        _fail("x")
    except ValueError as caught:
        text = log_error_text(error_document(caught, "id"))
    lines = text.split("\n")
    assert lines[1] == "Traceback (most recent call last):"
    assert all(not line.startswith(" ") for line in lines)
    assert lines[-1] == ""


def test_json_log_of_an_error():
    document = {"errorMessage": "bad é", "errorType": "ValueError", "requestId": "r1", "stackTrace": ["  File x\n"]}
    assert log_error_json(document, 1767225600.75) == (
        '{"timestamp": "2026-01-01T00:00:00Z", "log_level": "ERROR", "errorMessage": "bad é", '
        '"errorType": "ValueError", "requestId": "r1", "stackTrace": ["  File x\\n"]}\n'
    )
    assert '"bad \\u00e9"' in log_error_json(document, 0, ensure_ascii=True)


def test_init_warning_text():
    # Spec §1.5 item 1, verbatim.
    assert INIT_WARNING == LAMBDA_WARNING


def test_error_document_stack_matches_traceback_format_list():
    try:
        _fail("y")
    except ValueError as caught:
        frames = traceback.extract_tb(caught.__traceback__)
        document = error_document(caught, "id")
    assert [line.splitlines()[0] for line in document["stackTrace"]] == [
        line.splitlines()[0] for line in traceback.format_list(frames)
    ]
