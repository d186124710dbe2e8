"""docs/behaviour.md is the one reference table of what lambdasim does: these tests keep it true.

The lists come from the code (the REST route table, ``LambdaSim``'s methods,
``lambdasim.__all__``), never from a copy here, so adding an operation, a public
method or a public name without documenting it fails a test, and so does a link
to a page or heading that does not exist.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

import lambdasim
from lambdasim import LambdaSim
from lambdasim._rest import IMPLEMENTED_OPERATIONS, ROUTES

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "behaviour.md"

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)")


def _text() -> str:
    return PAGE.read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of the ``## <title>`` section of the page."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", _text(), re.S | re.M)
    assert match, f"docs/behaviour.md has no '## {title}' section"
    return match.group(1)


def _table_rows(section: str) -> List[List[str]]:
    """The cells of each body row of the markdown tables in ``section``."""
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:] if rows else rows  # the first row is the header


def _operation_rows() -> Dict[str, List[str]]:
    rows: Dict[str, List[str]] = {}
    for cells in _table_rows(_section("Operations")):
        assert len(cells) == 5, f"an operation row needs 5 cells: {cells}"
        name = cells[0].strip("`")
        assert name not in rows, f"{name} is listed twice"
        rows[name] = cells
    return rows


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _public_methods() -> List[str]:
    # LambdaSim's own and those of the bases that hold its groups of operations.
    classes = [klass for klass in LambdaSim.__mro__ if klass.__module__.startswith("lambdasim.")]
    return sorted({
        name for klass in classes for name, value in vars(klass).items()
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod)))
    })


def _mentions(name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", _text()) is not None


def test_every_operation_of_the_route_table_is_listed_once_with_its_route():
    rows = _operation_rows()
    routes = {route.operation: route for route in ROUTES}
    assert sorted(set(routes) - set(rows)) == [], "operations of lambdasim/_rest.py missing from docs/behaviour.md"
    assert sorted(set(rows) - set(routes)) == [], "operations in docs/behaviour.md that lambdasim/_rest.py lacks"
    for operation, route in routes.items():
        assert rows[operation][3] == f"`{route.method} {route.template}`", operation


def test_supported_operations_are_marked_yes_with_their_python_method():
    rows = _operation_rows()
    for operation in IMPLEMENTED_OPERATIONS:
        _, supported, method, _, _ = rows[operation]
        assert supported == "yes", f"{operation} is implemented but not marked 'yes'"
        name = _snake(operation)
        assert method == f"`sim.{name}(...)`", f"{operation}: the Python method cell should be `sim.{name}(...)`"
        assert callable(getattr(LambdaSim, name, None)), f"{operation}: LambdaSim has no method {name}"


def test_unsupported_operations_are_marked_501_without_a_method():
    rows = _operation_rows()
    for operation in set(rows) - set(IMPLEMENTED_OPERATIONS):
        _, supported, method, _, _ = rows[operation]
        assert supported == "no: 501", f"{operation} is not implemented but marked {supported!r}"
        assert method == "—", operation
        assert not hasattr(LambdaSim, _snake(operation)), f"{operation}: sim.{_snake(operation)} exists"


def test_every_public_method_of_lambdasim_is_mentioned():
    methods = _public_methods()
    assert "invoke" in methods and "publish_version" in methods  # the derivation finds them
    missing = [name for name in methods if not (_mentions(f"sim.{name}") or _mentions(f"LambdaSim.{name}"))]
    assert missing == [], f"docs/behaviour.md mentions neither sim.<name> nor LambdaSim.<name> for {missing}"


def test_every_public_name_of_the_package_is_mentioned():
    missing = [name for name in lambdasim.__all__ if not _mentions(f"`{name}`")]
    assert missing == [], f"docs/behaviour.md does not mention {missing}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> Set[str]:
    anchors: Set[str] = set()
    counts: Dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = re.match(r"^#{1,6} (.+)$", line)
        if fenced or not match:
            continue
        slug = _slug(match.group(1))
        seen = counts.get(slug, 0)
        counts[slug] = seen + 1
        anchors.add(slug if seen == 0 else f"{slug}-{seen}")
    return anchors


def _relative_links() -> List[Tuple[str, str]]:
    links = []
    for target in _LINK.findall(_text()):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        links.append((path, anchor))
    return links


def test_every_relative_link_points_at_an_existing_page_and_heading():
    links = _relative_links()
    assert len(links) > 50
    broken = []
    for path, anchor in links:
        page = PAGE if path == "" else (PAGE.parent / path).resolve()
        if not page.is_file():
            broken.append(f"{path}: no such file")
        elif anchor and anchor not in _anchors(page):
            broken.append(f"{path}#{anchor}: no such heading")
    assert broken == [], broken


@pytest.mark.parametrize(
    "heading, slug",
    [
        ("`sim.client()`: a real boto3 client for the simulator", "simclient-a-real-boto3-client-for-the-simulator"),
        ("The handler sees the test's frozen time", "the-handler-sees-the-tests-frozen-time"),
        ("`create_function`", "create_function"),
    ],
)
def test_anchors_are_computed_as_github_does(heading, slug):
    assert _slug(heading) == slug
