"""docs/reliability.md and the reliability tests stay in sync; its example runs as written."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reliability.md"
_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _tests_in(path):
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_named_in_the_reliability_page_exists():
    named = _REFERENCE.findall(PAGE.read_text())
    assert len(named) > 30
    missing = [f"{file}::{name}" for file, name in named if name not in _tests_in(ROOT / file)]
    assert missing == []


def test_every_reliability_test_is_named_in_the_reliability_page():
    named = set(_REFERENCE.findall(PAGE.read_text()))
    unnamed = [
        f"{path.relative_to(ROOT)}::{name}"
        for path in sorted((ROOT / "tests").glob("test_reliability_*.py"))
        if path.name != Path(__file__).name
        for name in sorted(_tests_in(path))
        if (str(path.relative_to(ROOT)), name) not in named
    ]
    assert unnamed == []


def test_the_reliability_page_example_runs():
    (code,) = _BLOCK.findall(PAGE.read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
