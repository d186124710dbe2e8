"""Python logging inside an environment is set up as Lambda's runtime does (spec §5.2, §5.3)."""

import asyncio
import io
import json
import logging
import sys
import time

import pytest

from lambdasim._runtime.logs import set_request_id, setup_logging

# 2026-01-01T12:00:00.125Z (0.125 is exact in binary, so msecs is exactly 125)
FIXED_NS = 1767268800_125_000_000
FIXED_TIME = FIXED_NS / 1e9


class RecordingStream(io.StringIO):
    """Counts flushes and the text present at each one."""

    def __init__(self):
        super().__init__()
        self.flushed = []

    def flush(self):
        self.flushed.append(self.getvalue())
        super().flush()


@pytest.fixture
def root_logger(monkeypatch):
    """The root logger with no handlers, restored afterwards with the converter."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    monkeypatch.setattr(logging.Formatter, "converter", logging.Formatter.converter)
    monkeypatch.setattr(time, "time", lambda: FIXED_TIME)
    monkeypatch.setattr(time, "time_ns", lambda: FIXED_NS)
    set_request_id(None)
    yield root
    set_request_id(None)


@pytest.fixture
def stream():
    return RecordingStream()


def test_text_records_have_the_lambda_layout(root_logger, stream):
    setup_logging("Text", stream=stream)
    set_request_id("8f507cfc-1234")
    logging.getLogger("app").warning("my message")
    assert stream.getvalue() == "[WARNING]\t2026-01-01T12:00:00.125Z\t8f507cfc-1234\tmy message\n"


def test_request_id_is_empty_outside_an_invocation(root_logger, stream):
    setup_logging(stream=stream)
    logging.warning("Found credentials in environment variables.")
    assert stream.getvalue() == "[WARNING]\t2026-01-01T12:00:00.125Z\t\tFound credentials in environment variables.\n"


def test_every_record_is_flushed_as_it_is_written(root_logger, stream):
    setup_logging(stream=stream)
    logging.error("one")
    logging.error("two\nlines")
    assert [text.count("[ERROR]") for text in stream.flushed] == [1, 2]
    assert stream.getvalue().endswith("\ttwo\nlines\n")


def test_one_handler_is_installed_on_the_root_logger(root_logger, stream):
    before = list(root_logger.handlers)
    handler = setup_logging(stream=stream)
    assert root_logger.handlers == before + [handler]
    assert root_logger.level == logging.WARNING


def test_timestamps_are_utc_for_every_formatter_as_on_lambda(root_logger, stream):
    setup_logging(stream=stream)
    assert logging.Formatter.converter is time.gmtime
    assert logging.Formatter("%(asctime)s", "%H:%M").format(logging.makeLogRecord({})) == "12:00"


@pytest.mark.parametrize(
    "log_level, expected",
    [
        (None, logging.WARNING),
        ("", logging.WARNING),
        ("TRACE", logging.DEBUG),
        ("DEBUG", logging.DEBUG),
        ("info", logging.INFO),
        ("WARN", logging.WARNING),
        ("ERROR", logging.ERROR),
        ("FATAL", logging.CRITICAL),
        ("BOGUS", logging.WARNING),
        ("trace", logging.WARNING),
    ],
)
def test_root_level_follows_the_log_level_setting(root_logger, stream, log_level, expected):
    root_logger.setLevel(logging.WARNING)
    setup_logging("Text", log_level, stream=stream)
    assert root_logger.level == expected


def test_info_is_dropped_in_text_mode_without_a_level(root_logger, stream):
    setup_logging(stream=stream)
    logging.info("hidden")
    assert stream.getvalue() == ""


def test_default_stream_is_stdout(root_logger, capsys):
    setup_logging()
    logging.critical("to stdout")
    assert capsys.readouterr().out == "[CRITICAL]\t2026-01-01T12:00:00.125Z\t\tto stdout\n"


def json_records(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_records_have_the_lambda_keys_in_order(root_logger, stream):
    setup_logging("JSON", "INFO", stream=stream)
    set_request_id("req-9")
    logging.getLogger("orders").info("créé %s", "ok")
    assert stream.getvalue() == (
        '{"timestamp": "2026-01-01T12:00:00Z", "level": "INFO", "message": "créé ok", '
        '"logger": "orders", "requestId": "req-9"}\n'
    )


def test_json_format_name_is_case_insensitive(root_logger, stream):
    setup_logging("json", "INFO", stream=stream)
    logging.warning("w")
    assert json_records(stream) == [
        {"timestamp": "2026-01-01T12:00:00Z", "level": "WARNING", "message": "w", "logger": "root", "requestId": ""}
    ]


def test_json_exception_records_carry_the_error_fields(root_logger, stream):
    setup_logging("JSON", stream=stream)
    set_request_id("r")
    try:
        raise ValueError("bad")
    except ValueError:
        logging.exception("failed")
    (record,) = json_records(stream)
    assert list(record) == [
        "timestamp", "level", "message", "logger", "stackTrace", "errorType", "errorMessage", "requestId", "location",
    ]
    assert record["level"] == "ERROR"
    assert (record["errorType"], record["errorMessage"]) == ("ValueError", "bad")
    assert record["stackTrace"][0].startswith('  File "%s", line ' % __file__)
    assert record["location"] == "%s:test_json_exception_records_carry_the_error_fields:%d" % (
        __file__, test_json_exception_records_carry_the_error_fields.__code__.co_firstlineno + 6
    )


def test_json_extra_attributes_follow_and_none_values_are_dropped(root_logger, stream):
    setup_logging("JSON", stream=stream)
    set_request_id("r", tenant_id="tenant-1")
    logging.warning("m", extra={"order": 7, "skipped": None, "nested": {"a": [1]}})
    assert list(json_records(stream)[0].items()) == [
        ("timestamp", "2026-01-01T12:00:00Z"),
        ("level", "WARNING"),
        ("message", "m"),
        ("logger", "root"),
        ("requestId", "r"),
        ("tenantId", "tenant-1"),
        ("order", 7),
        ("nested", {"a": [1]}),
    ]


@pytest.mark.parametrize("levelno, name", [(5, "NOTSET"), (25, "INFO"), (45, "ERROR"), (60, "CRITICAL")])
def test_json_levels_are_normalised_to_tens(root_logger, stream, levelno, name):
    setup_logging("JSON", "NOTSET", stream=stream)
    logging.log(levelno, "x")
    assert json_records(stream)[0]["level"] == name


@pytest.mark.skipif(sys.version_info < (3, 12), reason="LogRecord.taskName exists from 3.12")
def test_json_records_in_an_asyncio_task_carry_task_name_as_on_lambda(root_logger, stream):
    setup_logging("JSON", stream=stream)

    async def log_in_task():
        logging.warning("in task")

    async def main():
        await asyncio.create_task(log_in_task(), name="worker")

    asyncio.run(main())
    assert json_records(stream)[0]["taskName"] == "worker"
