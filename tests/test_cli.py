"""The command line: invoke, validate and generate-event, the README's demo command, and docs/cli.md's examples."""

import base64
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from lambdasim._cli import main

ROOT = Path(__file__).resolve().parent.parent
ORDERS_TEMPLATE = "examples/orders/template.yaml"
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.DOTALL | re.MULTILINE)


def lambdasim(*args, stdin=None, cwd=ROOT):
    """Run ``python -m lambdasim`` as a user would; a leaked pipe or process fails the run."""
    return subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-m", "lambdasim", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def test_readme_demo_command_runs_the_orders_example_from_its_template():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^```sh\n(.*?)\n```", readme, re.MULTILINE | re.DOTALL)
    assert len(commands) == 2, "README keeps exactly two fresh-machine commands: the demo and the tests"
    demo = commands[0].split(" && ")
    assert demo[:2] == ["python3 -m venv .venv", ".venv/bin/pip install -e '.[templates]'"]
    words = shlex.split(demo[2])
    assert words[0] == ".venv/bin/lambdasim" and "--template" in words
    completed = lambdasim(*words[1:])
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "order_id": "A-1",
        "total": "9.75 EUR",
        "orders_seen": 1,
        "receipts": ["A-1.json"],
    }
    logs = completed.stderr.decode()
    assert logs.startswith("INIT_START Runtime Version: python:3.12")
    assert "order A-1: 9.75 EUR\n" in logs and "REPORT RequestId: " in logs
    assert b"ResourceWarning" not in completed.stderr


def test_payload_goes_to_stdout_byte_for_byte_and_logs_to_stderr(tmp_path):
    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n    print('to the log')\n    return {'caf\\u00e9': event['n']}\n"
    )
    (tmp_path / "template.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "Fn": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Runtime": "python3.12",
                            "Handler": "app.handler",
                            "Code": {"S3Bucket": "b", "S3Key": "k"},
                            "Role": "arn:aws:iam::123456789012:role/r",
                        },
                    }
                }
            }
        )
    )
    completed = lambdasim(
        "invoke", "--event", "-", "--code-location", f"s3://b/k={tmp_path}", stdin=b'{"n": 1}', cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == '{"café": 1}\n'.encode()  # python3.12 writes UTF-8, unescaped
    assert b"to the log\n" in completed.stderr and completed.stderr.startswith(b"INIT_START ")


def test_function_error_exits_1_with_the_error_document(capsys):
    status = main(
        [
            "invoke",
            "Orders",
            "-t",
            str(ROOT / ORDERS_TEMPLATE),
            "--log-type",
            "None",
            "--event",
            str(ROOT / "tests" / "templates" / "unknown_product.json"),
        ]
    )
    out, err = capsys.readouterr()
    assert status == 1
    assert json.loads(out)["errorType"] == "UnknownProduct"
    assert err == ""


def test_log_type_tail_shows_what_lambda_returns_in_log_result(capsys, monkeypatch):
    captured = {}
    from lambdasim import LambdaSim

    real_invoke = LambdaSim.invoke

    def invoke(self, *args, **kwargs):
        captured["result"] = real_invoke(self, *args, **kwargs)
        return captured["result"]

    monkeypatch.setattr(LambdaSim, "invoke", invoke)
    status = main(
        [
            "invoke",
            "-t",
            str(ROOT / ORDERS_TEMPLATE),
            "--log-type",
            "Tail",
            "--event",
            str(ROOT / "examples" / "orders" / "event.json"),
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0
    assert err == base64.b64decode(captured["result"].log_result).decode()
    assert err.startswith("INIT_START") and err.rstrip("\t\n").endswith(" ms")


def test_env_vars_file_overrides_declared_variables(tmp_path, capsys):
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps({"Orders": {"CURRENCY": "USD"}, "Parameters": {"CURRENCY": "GBP"}}))
    status = main(
        [
            "invoke",
            "Orders",
            "-t",
            str(ROOT / ORDERS_TEMPLATE),
            "--env-vars",
            str(env_vars),
            "--log-type",
            "None",
            "--event",
            str(ROOT / "examples" / "orders" / "event.json"),
        ]
    )
    assert status == 0
    assert json.loads(capsys.readouterr().out)["total"] == "9.75 USD"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invoke", "-t", "nope.yaml"], "lambdasim invoke: error: template '*nope.yaml' does not exist"),
        (
            ["invoke", "-t", ORDERS_TEMPLATE, "-e", "nope.json"],
            "lambdasim invoke: error: --event nope.json: No such file or directory",
        ),
        (
            ["invoke", "-t", ORDERS_TEMPLATE, "--parameter-overrides", "Currency"],
            "lambdasim invoke: error: --parameter-overrides takes KEY=VALUE (got 'Currency')",
        ),
        (
            ["invoke", "-t", ORDERS_TEMPLATE, "--code-location", "bucket/key"],
            "lambdasim invoke: error: --code-location takes s3://bucket/key=PATH (got 'bucket/key')",
        ),
        (
            ["invoke", "-t", ORDERS_TEMPLATE, "-e", "README.md", "--log-type", "None"],
            "lambdasim invoke: error: Could not parse request body into json: *",
        ),
        (
            ["validate"],
            "lambdasim validate: error: no template given and none of template.yaml, template.yml, "
            "template.json in *; use --template T",
        ),
    ],
)
def test_mistakes_are_one_line_with_status_2(args, message):
    completed = lambdasim(*args, cwd=ROOT if "validate" not in args else ROOT / "docs")
    assert completed.returncode == 2
    lines = completed.stderr.decode().splitlines()
    assert len(lines) == 1 and re.fullmatch(re.escape(message).replace(r"\*", ".*"), lines[0]), lines
    assert completed.stdout == b""


@pytest.mark.parametrize("command", ["invoke", "validate", "generate-event", "generate-event sqs", "serve"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command.split(), "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: lambdasim {command}")


def test_validate_reports_functions_and_notes(capsys):
    status = main(
        ["validate", "-t", str(ROOT / "tests" / "templates" / "sam_hello" / "template.yaml"), "--stack-name", "sam-app"]
    )
    out, err = capsys.readouterr()
    assert status == 0
    assert re.fullmatch(
        r".*template\.yaml: valid: 1 function: HelloWorldFunction \(sam-app-HelloWorldFunction-[A-Z0-9]{13}\)\n", out
    )
    assert err.count(": note: ") == 2


def test_validate_reports_what_lambda_would_reject(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text(
        (ROOT / "tests" / "templates" / "cfn_vpc" / "template.yaml")
        .read_text()
        .replace("MemorySize: 256", "MemorySize: 100")
    )
    status = main(["validate", "-t", str(template)])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err == (
        f"{template}: invalid: Resources.Reports.Properties: ValidationException: 1 validation error detected: "
        "Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128\n"
    )


def test_generate_event_prints_the_source_shape(capsys):
    assert main(["generate-event", "kinesis", "--data", "hello", "--stream", "clicks"]) == 0
    record = json.loads(capsys.readouterr().out)["Records"][0]
    assert base64.b64decode(record["kinesis"]["data"]) == b"hello"
    assert record["eventSourceARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"


# --- docs/cli.md -------------------------------------------------------------------


def _console_examples():
    text = (ROOT / "docs" / "cli.md").read_text()
    for match in CONSOLE.finditer(text):
        command, *expected = match.group(1).rstrip("\n").split("\n")
        assert command.startswith("$ "), command
        line = text.count("\n", 0, match.start()) + 1
        yield pytest.param(command[2:], expected, id=f"cli.md:{line}")


def _pattern(line):
    escaped = re.escape(line.replace("\t", " ")).replace(re.escape("..."), ".*")
    return re.compile(escaped)


@pytest.mark.parametrize(("command", "expected"), list(_console_examples()))
def test_docs_cli_example(command, expected):
    status = 0
    if expected and expected[-1].startswith("[exit status "):
        status = int(expected.pop()[len("[exit status ") : -1])
    python = shlex.quote(sys.executable)
    shell = re.sub(
        r"(^|\| )lambdasim ", lambda m: f"{m.group(1)}{python} -W error::ResourceWarning -m lambdasim ", command
    )
    completed = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, timeout=60)
    output = (completed.stderr + completed.stdout).decode()  # stderr first: invoke writes the log before the payload
    assert completed.returncode == status, output
    lines = [line.rstrip().replace("\t", " ") for line in output.splitlines()]
    assert len(lines) == len(expected), output
    for line, pattern in zip(lines, expected):
        assert _pattern(pattern).fullmatch(line), (line, pattern)


def test_serve_loads_a_template_before_answering(tmp_path):
    import signal
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-W", "error::ResourceWarning", "-m", "lambdasim", "serve", "--port", "0", "--quiet",
         "--template", ORDERS_TEMPLATE, "--parameter-overrides", "Currency=USD"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read()
        with urllib.request.urlopen(f"{url}/2015-03-31/functions/", timeout=30) as response:
            (function,) = json.loads(response.read())["Functions"]
        assert function["FunctionName"].startswith("lambdasim-Orders-")
        request = urllib.request.Request(
            f"{url}/2015-03-31/functions/{function['FunctionName']}/invocations",
            data=(ROOT / "examples" / "orders" / "event.json").read_bytes(), method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["total"] == "9.75 USD"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert f"lambdasim serve: functions from {ORDERS_TEMPLATE}: Orders (lambdasim-Orders-" in stderr
