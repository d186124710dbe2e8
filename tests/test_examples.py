"""The demo and the README's quick start run as documented, from the repository root."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(*args):
    """Run this interpreter in the repository root; a leaked pipe or process fails the run."""
    return subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def quick_start_code():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"^```python\n(.*?)^```", readme, re.DOTALL | re.MULTILINE)
    assert match, "README.md has no ```python block"
    return match.group(1)


def test_demo_runs_and_shows_real_platform_logs():
    completed = run_python("examples/demo.py")
    assert completed.returncode == 0, completed.stderr
    assert "ResourceWarning" not in completed.stderr
    for marker in ("START RequestId:", "REPORT RequestId:", "Init Duration:", "Sandbox.Timedout"):
        assert marker in completed.stdout


def test_readme_quick_start_runs():
    completed = run_python("-c", quick_start_code())
    assert completed.returncode == 0, completed.stderr
    assert "ResourceWarning" not in completed.stderr
