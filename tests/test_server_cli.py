"""``lambdasim serve`` as a process, driven by the AWS CLI (``python -m awscli``) and stopped by signals."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import BASIC

pytest.importorskip("awscli")


def aws_environment():
    """Fake credentials, no configuration files, no metadata service: nothing can reach AWS."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="AKIDLAMBDASIMTEST", AWS_SECRET_ACCESS_KEY="lambdasim-test-secret",
        AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def aws(url, *args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", url, "lambda", *args],
        capture_output=True, text=True, env=aws_environment(), cwd=cwd, timeout=120,
    )


class Serve:
    """A ``lambdasim serve --port 0`` process; ``url`` is the first line it printed."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lambdasim", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.url = self.process.stdout.readline().strip()

    def stop(self, signum):
        self.process.send_signal(signum)
        status = self.process.wait(timeout=60)
        return status, self.process.stdout.read(), self.process.stderr.read()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=60)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def serve():
    started = []

    def start(*args):
        started.append(Serve(*args))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def code_zip(tmp_path):
    path = tmp_path / "code.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    return path


def descendants(pid):
    """Every live process below ``pid``, from /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                children.setdefault(int(ppid), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_aws_cli_creates_and_invokes_with_tail_logs(serve, code_zip, tmp_path):
    server = serve("--quiet")
    assert server.url.startswith("http://127.0.0.1:")
    created = aws(server.url, "create-function", "--function-name", "echo", "--runtime", "python3.12",
                  "--role", "arn:aws:iam::123456789012:role/r", "--handler", "app.echo",
                  "--zip-file", f"fileb://{code_zip}", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    configuration = json.loads(created.stdout)
    assert (configuration["FunctionName"], configuration["State"]) == ("echo", "Pending")
    assert configuration["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"

    invoked = aws(server.url, "invoke", "--function-name", "echo", "--payload", '{"id": 1}',
                  "--log-type", "Tail", "out.json", cwd=tmp_path)
    assert invoked.returncode == 0, invoked.stderr
    answer = json.loads(invoked.stdout)
    assert sorted(answer) == ["ExecutedVersion", "LogResult", "StatusCode"]
    assert (answer["StatusCode"], answer["ExecutedVersion"]) == (200, "$LATEST")
    log = base64.b64decode(answer["LogResult"]).decode()
    assert log.startswith("INIT_START Runtime Version: python:3.12.")
    assert "\nSTART RequestId: " in log and "\nREPORT RequestId: " in log
    assert (tmp_path / "out.json").read_bytes() == b'{"id": 1}'


def test_aws_cli_errors_carry_awss_code_and_message(serve, tmp_path):
    server = serve("--quiet", "--region", "eu-west-1", "--account-id", "111122223333")
    missing = aws(server.url, "invoke", "--function-name", "nope", "out.json", cwd=tmp_path)
    assert missing.returncode == 255
    assert missing.stderr.strip() == (
        "An error occurred (ResourceNotFoundException) when calling the Invoke operation: "
        "Function not found: arn:aws:lambda:eu-west-1:111122223333:function:nope:$LATEST"
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_server_cleanly_with_no_process_left(serve, code_zip, tmp_path, signum):
    server = serve()
    created = aws(server.url, "create-function", "--function-name", "echo", "--runtime", "python3.12",
                  "--role", "arn:aws:iam::123456789012:role/r", "--handler", "app.echo",
                  "--zip-file", f"fileb://{code_zip}", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert aws(server.url, "invoke", "--function-name", "echo", "out.json", cwd=tmp_path).returncode == 0
    below = descendants(server.process.pid)
    assert below  # the zygote and the warm environment
    status, rest, log = server.stop(signum)
    assert status == 0, log
    assert rest == ""
    assert "Traceback" not in log
    assert f'"POST /2015-03-31/functions/echo/invocations HTTP/1.1" 200' in log  # the request log
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in below if alive(pid)] == []


@pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")  # boto3 notice on Python 3.9
def test_chain_lets_handlers_call_the_served_simulator(serve, tmp_path):
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    package = tmp_path / "chain.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(Path(__file__).parent / "handlers" / "chain" / "app.py", "app.py")
    server = serve("--quiet", "--chain")
    client = boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="a",
        aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}),
    )
    for name in ("caller", "callee"):
        client.create_function(FunctionName=name, Runtime="python3.12", Handler=f"app.{name}", Timeout=60,
                               Role="arn:aws:iam::123456789012:role/r", Code={"ZipFile": package.read_bytes()})
    response = client.invoke(FunctionName="caller", Payload=json.dumps({"target": "callee", "payload": "x"}))
    answer = json.loads(response["Payload"].read())
    assert (answer["endpoint"], answer["result"]["callee_saw"]) == (server.url, "x")
    status, _, log = server.stop(signal.SIGTERM)
    assert status == 0, log


def test_a_bad_account_id_is_a_usage_error():
    completed = subprocess.run(
        [sys.executable, "-m", "lambdasim", "serve", "--port", "0", "--account-id", "12"],
        capture_output=True, text=True, timeout=120,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == "lambdasim serve: error: --account-id must be 12 digits (got '12')\n"


def test_a_bad_region_is_a_usage_error():
    completed = subprocess.run(
        [sys.executable, "-m", "lambdasim", "serve", "--port", "0", "--region", "moon"],
        capture_output=True, text=True, timeout=120,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == "lambdasim serve: error: --region must be a region name such as 'eu-west-1' (got 'moon')\n"


def test_a_port_in_use_is_one_line_and_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "lambdasim", "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=120,
        )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr == "lambdasim serve: error: [Errno 98] Address already in use\n"


def test_a_bad_port_is_refused_by_the_parser():
    completed = subprocess.run(
        [sys.executable, "-m", "lambdasim", "serve", "--port", "70000"], capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 2
    assert "argument --port: must be a port number from 0 to 65535 (got '70000')" in completed.stderr
