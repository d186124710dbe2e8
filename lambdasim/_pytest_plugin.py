"""The pytest plugin: fixtures ``lambda_sim``, ``lambda_sim_session`` and ``lambda_sim_server``, marker ``lambdasim``.

Registered through the ``pytest11`` entry point; it only uses the public API.
One ``Zygote`` per session (per xdist worker) is shared by a fresh ``LambdaSim``
per test, and a failing test's report gets the logs of the invocations it made.
Defaults come from ini options and ``LAMBDASIM_*`` environment variables;
precedence is marker > ini option > environment variable > ``LambdaSim``'s default.
``--lambdasim-inline`` (debug mode, docs/debugging.md) makes ``inline=True`` the
default for the run, over the ini option and the variable; a marker still wins.

Pytest loads this module in every session of a project that installs lambdasim,
also in runs that use none of it: it imports the simulator only when a fixture
is used (``import lambdasim`` itself loads only the exceptions; docs/performance.md).
"""

from __future__ import annotations

import os
import re
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Tuple

import pytest

from lambdasim import InlineModeWarning

if TYPE_CHECKING:
    from lambdasim import LambdaSim, Zygote

#: Bytes of log kept per invocation in a failing test's report (its end is kept).
DEFAULT_LOG_LIMIT = 8192
#: What the marker accepts besides ``LambdaSim()``'s keywords: a template to load, and its options.
TEMPLATE_OPTIONS = ("code_locations", "template", "template_parameters")
#: The keywords of ``LambdaSim()``, written out so that listing them (the marker's help, which
#: every session registers) does not import the simulator; a test checks them against its signature.
SIMULATOR_KEYWORDS = (
    "region", "account_id", "zygote", "idle_timeout", "private_tmp", "passthrough_env", "concurrency_limit",
    "minimum_unreserved", "enforce_memory", "init_timeout", "cold_start", "state_transitions", "seed", "moto",
    "aws_endpoint_url", "event_source_polling", "freeze_idle", "async_dispatch", "inline",
)
#: What the marker accepts: every keyword of ``LambdaSim()`` but the zygote, which the plugin gives.
MARKER_OPTIONS = tuple(sorted(
    set(SIMULATOR_KEYWORDS) - {"zygote"} | {"faults"} | set(TEMPLATE_OPTIONS)
))
#: The faults the marker's ``faults={...}`` may request: the methods of ``sim.faults``.
FAULT_KINDS = ("cold_start", "crash", "init_error", "kms", "latency", "throttle", "timeout")

#: The report header of a run in inline mode: the differences, once (InlineModeWarning is ignored).
INLINE_HEADER = (
    "lambdasim: inline mode: handlers run in this process, in the test's thread; unlike real environments: "
    "no private /tmp, no hard kill on timeout, memory_size not enforced, invocations serialised, "
    "sys.exit()/os._exit() do not end a process (docs/debugging.md)"
)

_DEFAULTS = pytest.StashKey[Dict[str, Any]]()
_LOG_LIMIT = pytest.StashKey[int]()
_TEMPLATE = pytest.StashKey[Any]()
_SESSION_SIM = pytest.StashKey["LambdaSim"]()
#: The per-test simulators a test used.
_TEST_SIMS = pytest.StashKey[List["LambdaSim"]]()
#: How many invocations the session simulator had when the test started.
_SESSION_START = pytest.StashKey[int]()


def _number(minimum: float, *, integer: bool = False, none: bool = False) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if none and text.lower() == "none":
            return None
        value = int(text) if integer else float(text)
        if not minimum <= value < float("inf"):
            raise ValueError(text)
        return value

    return parse


def _boolean(text: str) -> bool:
    return {"true": True, "1": True, "yes": True, "on": True,
            "false": False, "0": False, "no": False, "off": False}[text.lower()]


def _matching(pattern: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not re.fullmatch(pattern, text):
            raise ValueError(text)
        return text

    return parse


#: Setting -> (parser, what a valid value is). All but ``log_limit`` are ``LambdaSim`` keywords.
SETTINGS: Dict[str, Tuple[Callable[[str], Any], str]] = {
    "account_id": (_matching(r"\d{12}"), "12 digits"),
    "cold_start": (_matching("reuse|always"), "'reuse' or 'always'"),
    "concurrency_limit": (_number(1, integer=True), "an integer >= 1"),
    "enforce_memory": (_boolean, "true or false"),
    "freeze_idle": (_boolean, "true or false"),
    "idle_timeout": (_number(0, none=True), "a number of seconds >= 0, or 'none'"),
    "init_timeout": (_number(0), "a number of seconds >= 0"),
    "inline": (_boolean, "true or false"),
    "log_limit": (_number(0, integer=True), "a number of bytes >= 0 (0: no logs in reports)"),
    "moto": (_boolean, "true or false (moto's server for handlers, docs/moto.md)"),
    "private_tmp": (_boolean, "true or false"),
    "state_transitions": (_matching("immediate|manual"), "'immediate' or 'manual'"),
    "region": (_matching(r"[a-z]{2}(-[a-z]+)+-\d+"), "a region name such as 'eu-west-1'"),
    "template": (str, "a CloudFormation/SAM template path, relative to the rootdir"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (_, rule) in SETTINGS.items():
        parser.addini(f"lambdasim_{name}", f"lambdasim: default {name}, {rule} (env LAMBDASIM_{name.upper()})")
    parser.getgroup("lambdasim").addoption(
        "--lambdasim-inline", action="store_true", default=False, dest="lambdasim_inline",
        help="lambdasim: run handlers in the test process (debug mode: breakpoint(), pdb, IDE debuggers "
        "and mock.patch reach them; see docs/debugging.md). Same as lambdasim_inline = true.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "lambdasim(**options): LambdaSim options for this test's lambda_sim fixture, "
        f"e.g. idle_timeout=30, cold_start='always'; the options are: {', '.join(MARKER_OPTIONS)}",
    )
    defaults = _read_settings(config)
    if config.getoption("lambdasim_inline", False):
        defaults["inline"] = True
    config.stash[_LOG_LIMIT] = defaults.pop("log_limit", DEFAULT_LOG_LIMIT)
    config.stash[_TEMPLATE] = defaults.pop("template", None)
    config.stash[_DEFAULTS] = defaults


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """In a run that asked for the debug mode, its differences are listed once in the header
    instead of warned about in every test, where ``filterwarnings = error`` or ``-W error``
    would fail them. The filter goes inside pytest's own for the test, so it wins over those."""
    if item.config.stash[_DEFAULTS].get("inline"):
        warnings.filterwarnings("ignore", category=InlineModeWarning)
    yield


def pytest_report_header(config: pytest.Config) -> List[str]:
    if not config.stash.get(_DEFAULTS, {}).get("inline"):
        return []
    return [INLINE_HEADER]


def _read_settings(config: pytest.Config) -> Dict[str, Any]:
    settings = {}
    for name, (parse, rule) in SETTINGS.items():
        ini, env = f"lambdasim_{name}", f"LAMBDASIM_{name.upper()}"
        text, source = str(config.getini(ini) or "").strip(), f"ini option {ini}"
        if not text:
            text, source = os.environ.get(env, "").strip(), f"environment variable {env}"
        if text:
            try:
                settings[name] = parse(text)
            except (ValueError, KeyError):
                raise pytest.UsageError(f"lambdasim: {source} must be {rule} (got {text!r})") from None
    return settings


def _marker_options(item: pytest.Item) -> Dict[str, Any]:
    options: Dict[str, Any] = {}
    for marker in reversed(list(item.iter_markers("lambdasim"))):  # the closest marker wins
        if marker.args:
            pytest.fail(
                f"@pytest.mark.lambdasim takes keyword options only (got {marker.args!r}); "
                f"the options are: {', '.join(MARKER_OPTIONS)}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    unknown = sorted(set(options) - set(MARKER_OPTIONS))
    if unknown:
        import difflib

        hints = [f"did you mean {close[0]!r}?" for name in unknown
                 for close in [difflib.get_close_matches(name, MARKER_OPTIONS, 1)] if close]
        pytest.fail(
            f"@pytest.mark.lambdasim got unknown option(s) {', '.join(map(repr, unknown))}"
            f"{' (' + ' '.join(hints) + ')' if hints else ''}; the options are: {', '.join(MARKER_OPTIONS)}",
            pytrace=False,
        )
    return options


def _inject(sim: LambdaSim, faults: Any) -> None:
    """Apply the marker's ``faults={kind: request}``: a request is a function name, ``True``
    (every function), a dict of that fault's keywords, or a list of those."""
    if not isinstance(faults, dict):
        pytest.fail(f"@pytest.mark.lambdasim(faults=...) must be a dict of fault requests (got {faults!r})",
                    pytrace=False)
    for kind, requests in faults.items():
        if kind not in FAULT_KINDS:
            pytest.fail(f"@pytest.mark.lambdasim(faults=...) got unknown fault {kind!r}; "
                        f"the faults are: {', '.join(FAULT_KINDS)}", pytrace=False)
        inject = getattr(sim.faults, kind)
        for one in requests if isinstance(requests, list) else [requests]:
            if one is True:
                inject()
            elif isinstance(one, str):
                inject(one)
            elif isinstance(one, dict):
                inject(**one)
            else:
                pytest.fail(f"@pytest.mark.lambdasim(faults={{{kind!r}: ...}}) takes a function name, True, "
                            f"a dict of keywords or a list of those (got {one!r})", pytrace=False)


def _load_template(
    config: pytest.Config, sim: LambdaSim, template: Any = None, template_parameters: Any = None,
    code_locations: Any = None,
) -> None:
    """Load the marker's (or the ini option's) template into ``sim``; paths are relative to the rootdir."""
    if template is None:
        if template_parameters is not None or code_locations is not None:
            pytest.fail("@pytest.mark.lambdasim(template_parameters=..., code_locations=...) needs template=...",
                        pytrace=False)
        return
    from lambdasim import TemplateError

    path = config.rootpath / os.fspath(template)
    try:
        sim.load_template(path, parameters=template_parameters, code_locations=code_locations)
    except TemplateError as error:
        pytest.fail(f"lambdasim: cannot load template {os.fspath(template)!r}: {error}", pytrace=False)


@pytest.fixture(scope="session")
def lambda_sim_zygote() -> Iterator[Zygote]:
    """The session's zygote (one per xdist worker), started on first use and shared by every simulator."""
    from lambdasim import Zygote

    zygote = Zygote()
    yield zygote
    zygote.close()


@pytest.fixture(scope="session")
def lambda_sim_defaults(pytestconfig: pytest.Config) -> Dict[str, Any]:
    """``LambdaSim`` keywords from the ini options and ``LAMBDASIM_*`` variables; override to compute your own."""
    return dict(pytestconfig.stash[_DEFAULTS])


@pytest.fixture
def lambda_sim(
    request: pytest.FixtureRequest, lambda_sim_zygote: Zygote, lambda_sim_defaults: Dict[str, Any]
) -> Iterator[LambdaSim]:
    """A fresh ``LambdaSim`` for this test, configured by ``@pytest.mark.lambdasim(...)`` over the defaults."""
    from lambdasim import LambdaSim

    options = {**lambda_sim_defaults, **_marker_options(request.node)}
    faults = options.pop("faults", None)
    template = {name: options.pop(name) for name in TEMPLATE_OPTIONS if name in options}
    template.setdefault("template", request.config.stash[_TEMPLATE])
    with LambdaSim(zygote=lambda_sim_zygote, **options) as sim:
        request.node.stash.setdefault(_TEST_SIMS, []).append(sim)
        _load_template(request.config, sim, **template)
        if faults is not None:
            _inject(sim, faults)
        yield sim


@pytest.fixture
def lambda_sim_server(lambda_sim: LambdaSim) -> Iterator[Any]:
    """``lambda_sim`` served over HTTP on a free loopback port (``lambda_sim_server.url``).

    An error the server hit while answering (a lambdasim bug, answered with a 500)
    is raised again when the test ends.
    """
    with lambda_sim.serve() as server:
        yield server
    if server.errors:
        raise server.errors[0]


@pytest.fixture(scope="session")
def lambda_sim_session(
    pytestconfig: pytest.Config, lambda_sim_zygote: Zygote, lambda_sim_defaults: Dict[str, Any]
) -> Iterator[LambdaSim]:
    """One ``LambdaSim`` for every test of the session: functions, faults and warm environments persist."""
    from lambdasim import LambdaSim

    with LambdaSim(zygote=lambda_sim_zygote, **lambda_sim_defaults) as sim:
        _load_template(pytestconfig, sim, pytestconfig.stash[_TEMPLATE])
        pytestconfig.stash[_SESSION_SIM] = sim
        yield sim
        del pytestconfig.stash[_SESSION_SIM]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    session_sim = item.config.stash.get(_SESSION_SIM, None)
    if session_sim is not None and "lambda_sim_session" in getattr(item, "fixturenames", ()):
        item.stash[_SESSION_START] = len(session_sim.invocations())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    limit = item.config.stash[_LOG_LIMIT]
    if not report.failed or call.when == "teardown" or not limit:
        return
    records = [record for sim in item.stash.get(_TEST_SIMS, []) for record in sim.invocations()]
    session_sim = item.config.stash.get(_SESSION_SIM, None)
    if session_sim is not None and "lambda_sim_session" in getattr(item, "fixturenames", ()):
        records += session_sim.invocations()[item.stash.get(_SESSION_START, 0):]
    if records:
        report.sections.append((f"Captured lambdasim logs {call.when}", _format_logs(records, limit)))


def _format_logs(records: list, limit: int) -> str:
    parts = []
    for record in records:
        notes = ["cold start"] if record.cold_start else []
        if record.result.function_error:
            notes.append(f"FunctionError: {record.result.function_error}")
        suffix = f" ({', '.join(notes)})" if notes else ""
        parts.append(f"--- {record.function_name}  RequestId: {record.request_id}{suffix} ---")
        logs = record.result.logs.rstrip("\n")
        parts.append(_tail(logs, limit) if logs else "(no log output)")
    return "\n".join(parts) + "\n"


def _tail(text: str, limit: int) -> str:
    """The last ``limit`` bytes of ``text``, from a line start, after a note of what was cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    kept = data[-limit:].decode("utf-8", "ignore")
    newline = kept.find("\n")
    if 0 <= newline < len(kept) - 1:
        kept = kept[newline + 1:]
    cut = len(data) - len(kept.encode())
    return f"[lambdasim: {cut} earlier bytes of this invocation's log cut (lambdasim_log_limit = {limit})]\n{kept}"
