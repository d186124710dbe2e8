"""LoggingConfig: JSON platform records, log levels, log group (spec/lambda-dataplane.md §5.3, §5.4)."""

import json
import re

import pytest

from conftest import HANDLERS

from lambdasim import InvalidParameterValueException, ValidationException

CODE = str(HANDLERS / "logging_config")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def create(sim, handler="levels", name="f", **logging_config):
    sim.create_function(name, handler=f"app.{handler}", code=CODE, logging_config={"LogFormat": "JSON", **logging_config})
    return name


def records(result):
    """The log lines that are JSON objects (all but the text of a dead runtime's fault event)."""
    return [json.loads(line) for line in result.logs.splitlines() if line.startswith("{")]


def platform(result):
    return [item for item in records(result) if "type" in item]


# --- platform records ------------------------------------------------------------------


def test_json_functions_write_platform_records_instead_of_text_lines(sim):
    create(sim)
    result = sim.invoke("f")
    assert [item["type"] for item in platform(result)] == ["platform.initStart", "platform.start", "platform.report"]
    for line in result.logs.splitlines():
        assert not line.startswith(("START", "END", "REPORT", "INIT_START"))
    for item in platform(result):
        assert list(item) == ["time", "type", "record"] and TIME.fullmatch(item["time"])


def test_init_start_record_names_runtime_function_instance_and_memory(sim):
    create(sim)
    result = sim.invoke("f")
    stream = sim.environments("f")[0].log_stream_name
    record = platform(result)[0]["record"]
    assert list(record) == [
        "initializationType", "phase", "runtimeVersion", "runtimeVersionArn", "functionName",
        "functionVersion", "instanceId", "instanceMaxMemory",
    ]
    assert record["initializationType"] == "on-demand" and record["phase"] == "init"
    assert record["runtimeVersion"] == "python:3.12.v89"
    assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", record["runtimeVersionArn"])
    assert (record["functionName"], record["functionVersion"]) == ("f", "$LATEST")
    assert record["instanceId"] == stream.replace("[", "f[", 1)
    assert record["instanceMaxMemory"] == 128 * 1024 * 1024


def test_start_and_report_records_carry_the_request_and_the_reports_figures(sim):
    create(sim)
    result = sim.invoke("f")
    start, report = platform(result)[1:]
    assert start["record"] == {
        "requestId": result.request_id, "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "version": "$LATEST",
    }
    assert report["record"] == {
        "requestId": result.request_id,
        "metrics": {
            "durationMs": result.duration_ms, "billedDurationMs": result.billed_duration_ms,
            "memorySizeMB": 128, "maxMemoryUsedMB": result.max_memory_used_mb,
            "initDurationMs": result.init_duration_ms,
        },
        "status": "success",
    }
    warm = platform(sim.invoke("f"))
    assert [item["type"] for item in warm] == ["platform.start", "platform.report"]
    assert "initDurationMs" not in warm[1]["record"]["metrics"]


def test_system_log_level_debug_adds_the_runtime_done_records(sim):
    create(sim, SystemLogLevel="DEBUG")
    result = sim.invoke("f")
    kinds = [item["type"] for item in platform(result)]
    assert kinds == [
        "platform.initStart", "platform.initRuntimeDone", "platform.start", "platform.runtimeDone", "platform.report",
    ]
    done = platform(result)[3]["record"]
    assert done == {
        "requestId": result.request_id, "status": "success",
        "metrics": {"durationMs": result.duration_ms, "producedBytes": len(result.raw_payload)},
    }


def test_system_log_level_warn_leaves_no_platform_records(sim):
    create(sim, SystemLogLevel="WARN")
    assert platform(sim.invoke("f")) == []


def test_a_timeout_is_reported_with_its_status(sim):
    create(sim)
    sim.faults.timeout("f")
    report = platform(sim.invoke("f"))[-1]["record"]
    assert report["status"] == "timeout" and "errorType" not in report


def test_a_crash_is_reported_with_status_and_error_type(sim):
    create(sim)
    sim.faults.crash("f", exit_code=3)
    result = sim.invoke("f")
    assert platform(result)[-1]["record"]["status"] == "error"
    assert platform(result)[-1]["record"]["errorType"] == "Runtime.ExitError"
    assert f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3\nRuntime.ExitError\n" in result.logs


def test_an_init_failure_has_an_init_report_record(sim):
    create(sim)
    sim.faults.init_error("f")
    result = sim.invoke("f")
    init_report = next(item for item in platform(result) if item["type"] == "platform.initReport")["record"]
    assert init_report["status"] == "error" and init_report["phase"] == "init"
    assert init_report["errorType"] == "Runtime.ImportModuleError"
    assert set(init_report["metrics"]) == {"durationMs"}


# --- application log levels ---------------------------------------------------------------


def test_the_default_application_level_is_info(sim):
    create(sim)
    logged = [item["message"] for item in records(sim.invoke("f")) if "message" in item]
    assert logged == ["an info record", "a warning record", "an error record", "a critical record"]


@pytest.mark.parametrize(
    "level, expected",
    [
        ("TRACE", ["a debug record", "an info record", "a warning record", "an error record", "a critical record"]),
        ("DEBUG", ["a debug record", "an info record", "a warning record", "an error record", "a critical record"]),
        ("WARN", ["a warning record", "an error record", "a critical record"]),
        ("ERROR", ["an error record", "a critical record"]),
        ("FATAL", ["a critical record"]),
    ],
)
def test_application_log_level_filters_logging_records(sim, level, expected):
    create(sim, ApplicationLogLevel=level)
    logged = [item["message"] for item in records(sim.invoke("f")) if "message" in item]
    assert logged == expected


def test_printed_lines_are_filtered_by_their_level_key_or_as_info(sim):
    create(sim, "prints")
    info = sim.invoke("f").logs
    assert "plain text\n" in info and "structured debug" not in info and "structured error" in info
    assert "unknown level" in info
    create(sim, "prints", name="g", ApplicationLogLevel="ERROR")
    error = sim.invoke("g").logs
    assert "plain text" not in error and "unknown level" not in error and "structured error" in error


def test_handler_errors_are_logged_as_one_json_object_kept_at_error_level(sim):
    create(sim, "fail", ApplicationLogLevel="ERROR")
    result = sim.invoke("f")
    logged = [item for item in records(result) if "log_level" in item]
    assert len(logged) == 1
    assert list(logged[0])[:6] == ["timestamp", "log_level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert (logged[0]["errorType"], logged[0]["requestId"]) == ("ValueError", result.request_id)


def test_the_runtime_is_told_the_format_and_level(sim):
    create(sim, "env", ApplicationLogLevel="WARN")
    assert sim.invoke("f").payload == {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"}
    sim.create_function("text", handler="app.env", code=CODE)
    assert sim.invoke("text").payload == {"AWS_LAMBDA_LOG_FORMAT": None, "AWS_LAMBDA_LOG_LEVEL": None}


# --- the configuration ------------------------------------------------------------------------


def test_json_functions_show_their_levels_info_by_default(sim):
    answer = sim.create_function("f", handler="app.levels", code=CODE, logging_config={"LogFormat": "JSON"})
    assert answer["LoggingConfig"] == {
        "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/f",
    }
    text = sim.create_function("g", handler="app.levels", code=CODE)
    assert text["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/g"}


def test_a_log_group_override_changes_the_group_but_not_the_stream(sim):
    answer = sim.create_function("f", handler="app.levels", code=CODE, logging_config={"LogGroup": "/shared/orders"})
    assert answer["LoggingConfig"]["LogGroup"] == "/shared/orders"
    sim.invoke("f")
    env = sim.environments("f")[0]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env.log_stream_name)
    assert env.spec["env"]["AWS_LAMBDA_LOG_GROUP_NAME"] == "/shared/orders"


def test_levels_with_the_text_format_are_refused_with_awss_message(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.create_function("f", handler="app.levels", code=CODE, logging_config={"ApplicationLogLevel": "INFO"})
    assert raised.value.message == (
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request '
        'or change the LogFormat to "Json" and try again.'
    )


def test_bad_enum_values_and_log_groups_are_validation_errors(sim):
    with pytest.raises(ValidationException) as raised:
        sim.create_function(
            "f", handler="app.levels", code=CODE,
            logging_config={"LogFormat": "json", "SystemLogLevel": "ERROR", "LogGroup": "bad group"},
        )
    assert raised.value.message == (
        "3 validation errors detected: "
        "Value 'json' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]; "
        "Value 'ERROR' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]; "
        r"Value 'bad group' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"
    )


def test_json_logs_reach_boto3_in_the_tail(sim):
    import base64

    create(sim)
    answer = sim.client().invoke(FunctionName="f", LogType="Tail")
    last = base64.b64decode(answer["LogResult"]).decode().splitlines()[-1]
    assert json.loads(last)["type"] == "platform.report"


def test_the_platforms_level_replaces_one_the_function_sets(sim):
    sim.create_function(
        "f", handler="app.env", code=CODE, environment={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"},
        logging_config={"LogFormat": "JSON", "ApplicationLogLevel": "ERROR"},
    )
    assert sim.invoke("f").payload["AWS_LAMBDA_LOG_LEVEL"] == "ERROR"
