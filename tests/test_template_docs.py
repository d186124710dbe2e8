"""Every ```python block of docs/templates.md runs as written, from the repository root."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "templates.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _examples():
    text = PAGE.read_text()
    blocks = list(_BLOCK.finditer(text))
    assert len(blocks) >= 3, "docs/templates.md lost its examples"
    for block in blocks:
        line = text.count("\n", 0, block.start()) + 1
        yield pytest.param(block.group(1), id=f"templates.md:{line}")


@pytest.mark.parametrize("code", list(_examples()))
def test_templates_page_example_runs(code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "ResourceWarning" not in completed.stderr


def test_every_refused_and_accepted_property_is_documented():
    from lambdasim._template._functions import ACCEPTED, UNSUPPORTED

    text = PAGE.read_text()
    for name in sorted(set(UNSUPPORTED) | set().union(*ACCEPTED.values())):
        assert f"`{name}`" in text, name
