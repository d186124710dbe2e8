"""The pytest plugin: fixtures, marker, defaults, failure logs, xdist, coverage, and docs/pytest.md's examples."""

import importlib.metadata
import os
import re
import shlex
import textwrap
from pathlib import Path

import pytest

from lambdasim._pytest_plugin import SETTINGS

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "pytest.md"
#: For in-process runs: pytester drops the modules a run imported, and hypothesis's
#: plugin imports all of hypothesis again at the end of every run (about a second).
INLINE = ("-p", "no:hypothesispytest")
#: For inner runs whose tests depend on their order.
ORDERED = ("-p", "no:randomly")

#: A handler module for the inner test runs: small, no imports, fast to init.
HANDLERS = '''
def say(event, context):
    for line in event.get("lines", []):
        print(line)
    if event.get("fail"):
        raise ValueError(event["fail"])
    return event.get("value")


def count(event, context):
    global calls
    calls = globals().get("calls", 0) + 1
    return calls


def write_tmp(event, context):
    with open("/tmp/owner", "a") as file:
        file.write(event["owner"])
    with open("/tmp/owner") as file:
        return file.read()
'''

#: What every inner test module starts with.
PRELUDE = '''
import os
import pathlib

import pytest

LAMBDAS = str(pathlib.Path(__file__).parent / "lambdas")


def make(sim, name="say", handler="app.say"):
    if name not in [f["FunctionName"] for f in sim.list_functions()["Functions"]]:
        sim.create_function(name, code=LAMBDAS, handler=handler)
    return name
'''


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """Inner runs see neither the developer's LAMBDASIM_* defaults nor the outer run's xdist worker."""
    for name in list(os.environ):
        if name.startswith(("LAMBDASIM_", "PYTEST_XDIST_")):
            monkeypatch.delenv(name)


@pytest.fixture
def project(pytester):
    """An inner project whose ``lambdas/app.py`` holds the handlers above."""
    pytester.mkdir("lambdas").joinpath("app.py").write_text(HANDLERS)
    return pytester


def write_tests(pytester, source, name="test_inner"):
    """Add a test module to the inner project: the prelude, then ``source``."""
    return pytester.makepyfile(**{name: PRELUDE + textwrap.dedent(source)})


# --- registration ------------------------------------------------------------


def test_the_pytest11_entry_point_names_the_plugin():
    points = importlib.metadata.entry_points()
    group = points.select(group="pytest11") if hasattr(points, "select") else points.get("pytest11", ())
    # A set: Python 3.9 lists a distribution once per sys.path entry that finds it.
    assert {point.value for point in group if point.name == "lambdasim"} == {"lambdasim._pytest_plugin"}


def test_plugin_is_active_without_conftest_and_the_marker_is_registered(project):
    write_tests(
        project,
        """
        @pytest.mark.lambdasim(idle_timeout=5)
        def test_uses_the_fixture(lambda_sim):
            assert lambda_sim.invoke(make(lambda_sim), {"value": 1}).payload == 1
        """
    )
    assert not list(project.path.glob("conftest.py"))
    result = project.runpytest_subprocess("--strict-markers", "-W", "error")
    result.assert_outcomes(passed=1)
    assert "Unknown pytest.mark" not in result.stdout.str()


def test_marker_is_listed_by_pytest_markers(pytester):
    result = pytester.runpytest(*INLINE, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.lambdasim(**options): LambdaSim options for this test's lambda_sim *"])


def test_ini_options_are_listed_by_pytest_help(pytester):
    result = pytester.runpytest(*INLINE, "--help")
    result.stdout.fnmatch_lines(["*lambdasim_idle_timeout*", "*lambdasim_log_limit*"])


# --- lambda_sim --------------------------------------------------------------


def test_each_test_gets_a_fresh_simulator_that_shares_the_sessions_zygote(project):
    write_tests(
        project,
        """
        seen = {}

        def test_first(lambda_sim, lambda_sim_zygote):
            lambda_sim.invoke(make(lambda_sim, "counter", "app.count"))
            assert lambda_sim.invoke("counter").payload == 2
            lambda_sim.faults.throttle("counter")
            seen.update(sim=lambda_sim, zygote_pid=lambda_sim_zygote.pid)

        def test_second_sees_nothing_of_the_first(lambda_sim, lambda_sim_zygote):
            assert lambda_sim is not seen["sim"]
            assert lambda_sim.list_functions() == {"Functions": []}
            assert lambda_sim.invocations() == []
            assert lambda_sim.invoke(make(lambda_sim, "counter", "app.count")).payload == 1
            assert lambda_sim_zygote.pid == seen["zygote_pid"]
        """
    )
    project.runpytest(*INLINE, *ORDERED).assert_outcomes(passed=2)


def test_environments_of_a_test_end_with_it(project):
    write_tests(
        project,
        """
        pids = []

        def test_starts_an_environment(lambda_sim):
            make(lambda_sim)
            lambda_sim.invoke("say")
            pids.append(lambda_sim.environments("say")[0].pid)

        def test_it_is_gone(lambda_sim):
            with pytest.raises(ProcessLookupError):
                os.kill(pids[0], 0)
        """
    )
    project.runpytest(*INLINE, *ORDERED).assert_outcomes(passed=2)


# --- lambda_sim_session --------------------------------------------------------


def test_session_simulator_keeps_functions_and_warm_environments_across_tests(project):
    write_tests(
        project,
        """
        def test_first(lambda_sim_session):
            assert lambda_sim_session.invoke(make(lambda_sim_session, "counter", "app.count")).payload == 1

        def test_second(lambda_sim_session):
            result = lambda_sim_session.invoke("counter")
            assert (result.payload, result.cold_start) == (2, False)
        """
    )
    project.runpytest(*INLINE, *ORDERED).assert_outcomes(passed=2)


def test_session_simulator_reports_only_the_failing_tests_own_invocations(project):
    write_tests(
        project,
        """
        def test_first(lambda_sim_session):
            lambda_sim_session.invoke(make(lambda_sim_session), {"lines": ["from the first test"]})

        def test_second(lambda_sim_session):
            lambda_sim_session.invoke(make(lambda_sim_session), {"lines": ["from the second test"]})
            assert False
        """
    )
    result = project.runpytest(*INLINE, *ORDERED)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Captured lambdasim logs call*", "from the second test"])
    assert "from the first test" not in result.stdout.str()


# --- the marker --------------------------------------------------------------


def test_marker_options_reach_the_simulator_and_the_closest_marker_wins(project):
    write_tests(
        project,
        """
        pytestmark = pytest.mark.lambdasim(account_id="111122223333")

        @pytest.mark.lambdasim(cold_start="always", idle_timeout=7)
        def test_function_marker(lambda_sim):
            make(lambda_sim)
            assert [lambda_sim.invoke("say").cold_start for _ in range(2)] == [True, True]
            assert (lambda_sim.idle_timeout, lambda_sim.account_id) == (7, "111122223333")

        @pytest.mark.lambdasim(region="eu-west-1", idle_timeout=1)
        class TestClass:
            @pytest.mark.lambdasim(idle_timeout=None)
            def test_closest_wins(self, lambda_sim):
                assert (lambda_sim.region, lambda_sim.idle_timeout) == ("eu-west-1", None)

        def test_unmarked(lambda_sim):
            assert (lambda_sim.region, lambda_sim.idle_timeout) == ("us-east-1", 600.0)
            assert lambda_sim.account_id == "111122223333"
        """
    )
    project.runpytest(*INLINE).assert_outcomes(passed=3)


def test_unknown_marker_option_is_a_setup_error_naming_the_marker_and_the_options(project):
    write_tests(
        project,
        """
        @pytest.mark.lambdasim(idle_timout=3, colour="red")
        def test_typo(lambda_sim):
            pass
        """
    )
    result = project.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "@pytest.mark.lambdasim got unknown option(s) 'colour', 'idle_timout' (did you mean 'idle_timeout'?); "
        "the options are: account_id, async_dispatch, aws_endpoint_url, code_locations, cold_start, concurrency_limit, *idle_timeout*region*",
    ])


def test_positional_marker_arguments_are_refused(project):
    write_tests(
        project,
        """
        @pytest.mark.lambdasim(30)
        def test_positional(lambda_sim):
            pass
        """
    )
    result = project.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["@pytest.mark.lambdasim takes keyword options only (got (30,)); the options are:*"])


def test_marker_values_are_checked_by_lambdasim(project):
    write_tests(
        project,
        """
        @pytest.mark.lambdasim(cold_start="sometimes")
        def test_bad_value(lambda_sim):
            pass
        """
    )
    result = project.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'cold_start' must be 'reuse'*or 'always' (got 'sometimes')*"])


# --- defaults ------------------------------------------------------------------

VALID = [
    ("region", "eu-central-1", "eu-central-1"),
    ("account_id", "111122223333", "111122223333"),
    ("idle_timeout", "12.5", 12.5),
    ("idle_timeout", "None", None),
    ("cold_start", "always", "always"),
    ("private_tmp", "off", False),
    ("enforce_memory", "Yes", True),
    ("init_timeout", "3", 3.0),
    ("concurrency_limit", "50", 50),
    ("inline", "on", True),
    ("inline", "false", False),
]


@pytest.mark.parametrize("source", ["ini", "env"])
@pytest.mark.parametrize("setting, text, value", VALID)
def test_defaults_are_parsed_from_ini_options_and_environment_variables(
    project, monkeypatch, source, setting, text, value
):
    if source == "ini":
        project.makeini(f"[pytest]\nlambdasim_{setting} = {text}\n")
    else:
        monkeypatch.setenv(f"LAMBDASIM_{setting.upper()}", text)
    write_tests(
        project,
        f"""
        def test_defaults(lambda_sim_defaults):
            assert lambda_sim_defaults == {{{setting!r}: {value!r}}}
        """
    )
    project.runpytest(*INLINE).assert_outcomes(passed=1)


def test_precedence_is_marker_then_ini_then_environment_then_default(project, monkeypatch):
    project.makeini("[pytest]\nlambdasim_region = eu-west-1\nlambdasim_account_id = 111122223333\n")
    monkeypatch.setenv("LAMBDASIM_REGION", "ap-southeast-2")
    monkeypatch.setenv("LAMBDASIM_ACCOUNT_ID", "444455556666")
    monkeypatch.setenv("LAMBDASIM_IDLE_TIMEOUT", "45")
    monkeypatch.setenv("LAMBDASIM_LOG_LIMIT", "")
    write_tests(
        project,
        """
        @pytest.mark.lambdasim(region="us-west-2")
        def test_marker(lambda_sim):
            assert lambda_sim.region == "us-west-2"
            assert lambda_sim.account_id == "111122223333"

        def test_ini_over_environment(lambda_sim, lambda_sim_session):
            for sim in (lambda_sim, lambda_sim_session):
                assert (sim.region, sim.account_id, sim.idle_timeout) == ("eu-west-1", "111122223333", 45.0)
                assert sim.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 1000
        """
    )
    project.runpytest(*INLINE).assert_outcomes(passed=2)


INVALID = [
    ("idle_timeout", "soon", "a number of seconds >= 0, or 'none'"),
    ("idle_timeout", "-1", "a number of seconds >= 0, or 'none'"),
    ("init_timeout", "nan", "a number of seconds >= 0"),
    ("private_tmp", "maybe", "true or false"),
    ("inline", "debug", "true or false"),
    ("concurrency_limit", "0", "an integer >= 1"),
    ("concurrency_limit", "2.5", "an integer >= 1"),
    ("cold_start", "sometimes", "'reuse' or 'always'"),
    ("region", "Mars", "a region name such as 'eu-west-1'"),
    ("account_id", "1234", "12 digits"),
    ("log_limit", "lots", "a number of bytes >= 0 (0: no logs in reports)"),
]


@pytest.mark.parametrize("source", ["ini", "env"])
@pytest.mark.parametrize("setting, text, rule", INVALID)
def test_a_bad_default_is_a_usage_error_naming_setting_rule_and_value(
    project, monkeypatch, source, setting, text, rule
):
    if source == "ini":
        project.makeini(f"[pytest]\nlambdasim_{setting} = {text}\n")
        where = f"ini option lambdasim_{setting}"
    else:
        monkeypatch.setenv(f"LAMBDASIM_{setting.upper()}", text)
        where = f"environment variable LAMBDASIM_{setting.upper()}"
    write_tests(project, "def test_nothing(): pass")
    result = project.runpytest(*INLINE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"ERROR: lambdasim: {where} must be {rule} (got {text!r})" in result.stderr.str()


# --- logs of failing tests -------------------------------------------------------


def test_a_failing_test_shows_the_logs_of_each_invocation_it_made(project):
    write_tests(
        project,
        """
        def test_fails(lambda_sim):
            make(lambda_sim)
            lambda_sim.invoke("say", {"lines": ["first call"]})
            lambda_sim.invoke("say", {"lines": ["second call"], "fail": "boom"})
            assert False, "the test's own failure"
        """
    )
    result = project.runpytest(*INLINE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*AssertionError: the test's own failure",
        "*- Captured lambdasim logs call -*",
        "--- say  RequestId: * (cold start) ---",
        "INIT_START Runtime Version: *",
        "START RequestId: * Version: $LATEST",
        "first call",
        "END RequestId: *",
        "REPORT RequestId: *",
        "--- say  RequestId: * (FunctionError: Unhandled) ---",
        "START RequestId: *",
        "second call",
        "*ValueError: boom*",
        "REPORT RequestId: *",
    ])


def test_passing_tests_get_no_logs_section(project):
    write_tests(
        project,
        """
        def test_passes(lambda_sim):
            lambda_sim.invoke(make(lambda_sim), {"lines": ["quiet"]})
        """
    )
    result = project.runpytest(*INLINE, "-rP")
    result.assert_outcomes(passed=1)
    assert "lambdasim logs" not in result.stdout.str()


def test_a_failing_setup_shows_the_logs_of_invocations_made_so_far(project):
    write_tests(
        project,
        """
        @pytest.fixture
        def warmed(lambda_sim):
            lambda_sim.invoke(make(lambda_sim), {"lines": ["warming up"]})
            raise RuntimeError("set-up broke")

        def test_never_runs(warmed):
            pass
        """
    )
    result = project.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*- Captured lambdasim logs setup -*", "--- say  RequestId: *", "*", "warming up"])


def test_long_logs_keep_their_end_from_a_line_start_with_a_note_of_the_cut(project):
    project.makeini("[pytest]\nlambdasim_log_limit = 500\n")
    write_tests(
        project,
        """
        def test_fails(lambda_sim):
            lines = [f"line {i:03d} " + "x" * 40 for i in range(100)]
            lambda_sim.invoke(make(lambda_sim), {"lines": lines})
            assert False
        """
    )
    output = project.runpytest(*INLINE).stdout.str()
    section = re.search(r"^-+ Captured lambdasim logs call -+\n(.*?)^=", output, re.M | re.S).group(1)
    note = "[lambdasim: {} earlier bytes of this invocation's log cut (lambdasim_log_limit = 500)]"
    header, cut_note, *kept = section.rstrip("\n").splitlines()
    assert header.startswith("--- say  RequestId: ")
    assert re.fullmatch(re.escape(note).replace(r"\{\}", r"\d+"), cut_note), cut_note
    assert kept[0].startswith("line 09") and kept[-3] == "line 099 " + "x" * 40
    assert kept[-2].startswith("END RequestId:") and kept[-1].startswith("REPORT RequestId:")
    assert len("\n".join(kept).encode()) <= 500


@pytest.mark.parametrize("how", ["LAMBDASIM_LOG_LIMIT=0", "--show-capture=no"])
def test_log_limit_zero_or_show_capture_no_leaves_the_section_out(project, monkeypatch, how):
    write_tests(
        project,
        """
        def test_fails(lambda_sim):
            lambda_sim.invoke(make(lambda_sim), {"lines": ["hidden"]})
            assert False
        """
    )
    if how.startswith("LAMBDASIM_"):
        monkeypatch.setenv(*how.split("="))
        result = project.runpytest(*INLINE)
    else:
        result = project.runpytest(*INLINE, how)
    result.assert_outcomes(failed=1)
    assert "lambdasim logs" not in result.stdout.str()


# --- pytest-xdist ----------------------------------------------------------------


def test_xdist_workers_share_nothing_and_failure_logs_cross_the_wire(project):
    write_tests(
        project,
        """
        @pytest.mark.parametrize("owner", "abcdef")
        def test_private_tmp_per_environment(lambda_sim, owner):
            make(lambda_sim, "writer", "app.write_tmp")
            assert lambda_sim.invoke("writer", {"owner": owner}).payload == owner
            assert os.environ["PYTEST_XDIST_WORKER"].startswith("gw")

        def test_session_simulator_per_worker(lambda_sim_session):
            assert lambda_sim_session.invoke(make(lambda_sim_session, "counter", "app.count")).payload >= 1

        def test_fails_with_logs(lambda_sim):
            lambda_sim.invoke(make(lambda_sim), {"lines": ["seen through xdist"]})
            assert False
        """
    )
    result = project.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(["*- Captured lambdasim logs call -*", "seen through xdist"])
    result.stdout.fnmatch_lines(["created: 2/2 workers"])


# --- coverage ----------------------------------------------------------------------


def test_handler_lines_count_in_coverage(pytester):
    pytester.mkdir("orders").joinpath("__init__.py").write_text("")
    pytester.path.joinpath("orders", "app.py").write_text(
        textwrap.dedent(
            """\
            def handler(event, context):
                if event.get("in_lambda"):
                    answer = 41 + 1  # only the handler runs this line
                    return answer
                return None
            """
        )
    )
    pytester.path.joinpath(".coveragerc").write_text("[run]\npatch = subprocess\n")
    # The project lives under /tmp (pytester's directory): a private /tmp would hide
    # coverage's data file and move the code to a staging path (docs/pytest.md).
    pytester.makeini("[pytest]\nlambdasim_private_tmp = false\n")
    pytester.makepyfile(
        test_orders="""
        import pathlib

        def test_orders(lambda_sim):
            root = str(pathlib.Path(__file__).parent)
            lambda_sim.create_function("orders", code=root, handler="orders.app.handler")
            assert lambda_sim.invoke("orders", {"in_lambda": True}).payload == 42
        """
    )
    result = pytester.runpytest_subprocess("--cov=orders", "--cov-report=term-missing")
    result.assert_outcomes(passed=1)
    report = re.search(r"^orders/app\.py\s+\d+\s+\d+\s+\d+%\s*(.*)$", result.stdout.str(), re.M)
    assert report, result.stdout.str()
    assert 3 not in _line_numbers(report.group(1)), f"the handler-only line 3 is not covered: {report.group(0)!r}"


def _line_numbers(missing):
    """The line numbers of coverage's "Missing" column: ``"1-3, 7"`` -> ``{1, 2, 3, 7}``."""
    numbers = set()
    for part in filter(None, (part.strip() for part in missing.split(","))):
        first, _, last = part.partition("-")
        numbers.update(range(int(first), int(last or first) + 1))
    return numbers


# --- docs/pytest.md ------------------------------------------------------------------


def doc_examples():
    """Each ```python block of docs/pytest.md, with the ```ini / ```console blocks before it
    and the ```text block right after it (the output it must show)."""
    text = DOCS.read_text()
    examples, pending, heading, last_end = [], {}, "intro", 0
    for match in re.finditer(r"^(#+ [^\n]*)$|^```(\w+)\n(.*?)^```$", text, re.M | re.S):
        if match.group(1):
            heading = re.sub(r"[^a-z0-9]+", "_", match.group(1).lstrip("# ").lower()).strip("_")
            continue
        language, body = match.group(2), match.group(3)
        follows = not text[last_end:match.start()].strip()
        last_end = match.end()
        if language == "ini" and "[pytest]" in body:
            pending["ini"] = body
        elif language == "console":
            pending["console"] = body
        elif language == "yaml":
            pending["template"] = body
        elif language == "python":
            examples.append({"id": f"{heading}_{len(examples)}", "code": body, **pending})
            pending = {}
        elif language == "text" and follows and examples:
            examples[-1]["output"] = body
    return examples


def _output_patterns(output):
    """Lines of an expected-output block as fnmatch patterns: '...' elides, lines are substrings."""
    patterns = []
    for line in output.splitlines():
        if line.strip() in ("", "..."):
            continue
        escaped = re.sub(r"([\[\]*?])", r"[\1]", line)
        patterns.append("*" + escaped.replace("...", "*") + "*")
    return patterns


@pytest.mark.parametrize("example", doc_examples(), ids=lambda example: example["id"])
def test_docs_example(pytester, monkeypatch, example):
    args = []
    for line in example.get("console", "").splitlines():
        words = shlex.split(line.lstrip("$ "))
        command = words.index("pytest")
        for assignment in words[:command]:
            name, _, value = assignment.partition("=")
            monkeypatch.setenv(name, value)
        args += words[command + 1:]
    if "ini" in example:
        pytester.makeini(example["ini"])
    if "template" in example:
        pytester.makefile(".yaml", template=example["template"])
    pytester.makepyfile(**{f"test_{example['id']}": example["code"]})
    result = pytester.runpytest_subprocess(*ORDERED, *args) if args else pytester.runpytest(*INLINE, *ORDERED)
    if "output" in example:
        result.stdout.fnmatch_lines(_output_patterns(example["output"]))
    else:
        assert result.ret == 0, result.stdout.str()
        assert result.parseoutcomes()["passed"] >= 1


def test_docs_have_an_example_for_every_fixture_marker_and_setting():
    examples = doc_examples()
    code = "\n".join(example["code"] + example.get("ini", "") + example.get("console", "") for example in examples)
    for name in ("lambda_sim", "lambda_sim_session", "lambda_sim_zygote", "lambda_sim_defaults", "mark.lambdasim("):
        assert name in code
    text = DOCS.read_text()
    for setting in SETTINGS:
        assert f"`lambdasim_{setting}`" in text and f"`LAMBDASIM_{setting.upper()}`" in text


def test_marker_faults_are_injected_before_the_test(pytester):
    pytester.makepyfile(
        """
        import pytest

        def handler(event, context):
            return "ok"

        @pytest.mark.lambdasim(faults={"throttle": ["f", "f"], "cold_start": {"always": True}})
        def test_faults(lambda_sim):
            # Imported here: this module is also the handler's code, which an
            # environment imports (lambdasim need not be importable there).
            from lambdasim import TooManyRequestsException

            lambda_sim.create_function("f", code=handler)
            for _ in range(2):
                with pytest.raises(TooManyRequestsException):
                    lambda_sim.invoke("f")
            assert lambda_sim.invoke("f").cold_start
            assert lambda_sim.invoke("f").cold_start
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_unknown_fault_names_the_faults(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.lambdasim(faults={"explode": "f"})
        def test_bad(lambda_sim):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*unknown fault 'explode'; the faults are: cold_start, crash, init_error, kms, latency, throttle, timeout*"]
    )


def test_a_handler_module_may_import_lambdasim_wherever_it_is_installed(pytester):
    # Under an editable install from a checkout in /tmp, the package lives under
    # the host's /tmp: the environment reaches it through a staged bind mount.
    pytester.makepyfile(
        """
        from lambdasim import TooManyRequestsException

        def handler(event, context):
            return TooManyRequestsException.__module__

        def test_it(lambda_sim):
            lambda_sim.create_function("f", code=handler)
            assert lambda_sim.invoke("f").payload == "lambdasim._errors"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
