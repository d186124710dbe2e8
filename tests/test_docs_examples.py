"""Every ```python block of the fault, time, inspection and boto3 pages runs as written, so the docs cannot rot."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["docs/faults.md", "docs/time-and-inspection.md", "docs/boto3.md", "docs/versions.md", "docs/moto.md",
         "docs/layers.md", "docs/async.md"]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _examples():
    for page in PAGES:
        text = (ROOT / page).read_text()
        blocks = list(_BLOCK.finditer(text))
        assert blocks, f"{page} has no ```python block"
        for block in blocks:
            line = text.count("\n", 0, block.start()) + 1
            yield pytest.param(block.group(1), id=f"{Path(page).stem}:{line}")


@pytest.mark.parametrize("code", list(_examples()))
def test_documentation_example_runs(code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "ResourceWarning" not in completed.stderr


def test_every_page_has_an_example_per_section():
    for page in PAGES:
        text = (ROOT / page).read_text()
        sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
        for section in sections:
            title = section.splitlines()[0]
            if title == "Known bugs":
                continue
            assert "```python" in section, f"{page}: section {title!r} has no runnable example"
