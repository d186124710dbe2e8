"""docs/server.md runs as written: its Python blocks, and its AWS CLI session against ``lambdasim serve``."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "server.md"
TEXT = PAGE.read_text()
_BLOCK = re.compile(r"^```(python|sh)\n(.*?)^```", re.DOTALL | re.MULTILINE)
DOCUMENTED_URL = "http://127.0.0.1:3001"


def _blocks(kind):
    for block in _BLOCK.finditer(TEXT):
        if block.group(1) == kind:
            line = TEXT.count("\n", 0, block.start()) + 1
            yield pytest.param(block.group(2), id=f"server:{line}")


@pytest.mark.parametrize("code", list(_blocks("python")))
def test_python_example_runs(code, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if re.search(r"^def test_", code, re.MULTILINE):
        path = tmp_path / "test_example.py"
        path.write_text(code)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", str(path)]
    else:
        command = [sys.executable, "-W", "error::ResourceWarning", "-c", code]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "ResourceWarning" not in completed.stderr


def test_the_aws_cli_session_runs_against_lambdasim_serve(tmp_path):
    pytest.importorskip("awscli")
    (session,) = [param.values[0] for param in _blocks("sh")]
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    server = subprocess.Popen(
        [sys.executable, "-m", "lambdasim", "serve", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = server.stdout.readline().strip()
        assert DOCUMENTED_URL in session
        prelude = f'set -e\naws() {{ "{sys.executable}" -m awscli "$@"; }}\npython() {{ "{sys.executable}" "$@"; }}\n'
        script = prelude + session.replace(DOCUMENTED_URL, url)
        completed = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=300,
        )
        assert completed.returncode == 0, completed.stderr
        answers = [json.loads(part) for part in re.findall(r"^\{.*?^\}", completed.stdout, re.DOTALL | re.MULTILINE)]
        created, first, second = answers
        assert (created["FunctionName"], created["Handler"]) == ("orders", "app.handler")
        assert (first["StatusCode"], first["ExecutedVersion"]) == (200, "$LATEST") and "LogResult" in first
        assert second["FunctionError"] == "Unhandled"
        assert json.loads((tmp_path / "out.json").read_text())["order_id"] == "A-1"
        assert json.loads((tmp_path / "failed.json").read_text())["errorType"] == "UnknownProduct"

        missing = subprocess.run(
            [sys.executable, "-m", "awscli", "--endpoint-url", url, "lambda", "invoke", "--function-name", "nope",
             "out.json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
            env={**env, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"},
        )
        assert f"```\n{missing.stderr.strip()}\n```" in TEXT
    finally:
        server.terminate()
        assert server.wait(timeout=60) == 0
        server.stdout.close()
        server.stderr.close()
