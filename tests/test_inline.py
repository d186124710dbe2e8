"""What only the inline mode does: the handler in the test's thread, mock.patch, pdb, warnings, state restored.

The behaviour both modes share is tested in test_modes.py, in both modes.
"""

import importlib.util
import logging
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings
from pathlib import Path
from unittest import mock

import pytest

from conftest import BASIC, HANDLERS
from lambdasim import InlineModeWarning, InvalidParameterValueException, LambdaSim

pytest_plugins = ["pytester"]

INLINE = HANDLERS / "inline"
QUIET = pytest.mark.filterwarnings("ignore::lambdasim.InlineModeWarning")


@pytest.fixture
def no_app_module(monkeypatch):
    """Start without any module named ``app`` (the handlers' module name), and end so."""
    monkeypatch.delitem(sys.modules, "app", raising=False)
    yield
    assert "app" not in sys.modules, "an inline environment left its module behind"


@pytest.fixture
def isim(zygote, no_app_module):
    """An inline simulator whose warnings are expected (tests of the warnings use their own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InlineModeWarning)
        with LambdaSim(zygote=zygote, inline=True) as sim:
            yield sim


def make(sim, name, handler, code=INLINE, **settings):
    sim.create_function(name, handler=f"app.{handler}", code=str(code), **settings)
    return name


def _state():
    """The process-wide state an inline call swaps in and must give back."""
    root = logging.getLogger()
    return {
        "environ": dict(os.environ),
        "path": list(sys.path),
        "cwd": os.getcwd(),
        "argv": list(sys.argv),
        "streams": (sys.stdout, sys.stderr),
        "tempdir": tempfile.tempdir,
        "root": (list(root.handlers), root.level),
        "converter": logging.Formatter.converter,
        "hook": sys.breakpointhook,
        "os_exit": os._exit,
    }


# --- the handler runs here ---------------------------------------------------------


@QUIET
def test_the_handler_runs_in_the_calling_thread_of_the_test_process(isim):
    make(isim, "identity", "identity")
    seen = isim.invoke("identity").payload
    assert (seen["pid"], seen["thread"]) == (os.getpid(), threading.get_ident())
    env = isim.environments("identity")[0]
    assert (env.pid, env.sandbox.mode, env.state, env.invocations) == (None, "inline", "ready", 1)


@QUIET
def test_mock_patch_in_the_test_reaches_the_handlers_module(isim):
    make(isim, "fetch", "uses_fetch")
    assert isim.invoke("fetch").payload == "real"
    with mock.patch("app.fetch", return_value="mocked") as fetch:
        assert isim.invoke("fetch").payload == "mocked"
    fetch.assert_called_once_with()
    assert isim.invoke("fetch").payload == "real"


@QUIET
def test_mock_patch_of_a_shared_module_reaches_even_a_cold_start(isim):
    make(isim, "identity", "identity")
    with mock.patch("os.getpid", return_value=-7):
        result = isim.invoke("identity")
    assert result.cold_start and result.payload["pid"] == -7


@QUIET
def test_a_cold_start_imports_afresh_even_a_module_the_test_imported(isim):
    spec = importlib.util.spec_from_file_location("app", INLINE / "app.py")
    own = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(own)
    sys.modules["app"] = own
    make(isim, "identity", "identity")
    first = isim.invoke("identity").payload["token"]
    assert first != id(own.TOKEN)
    assert sys.modules["app"] is not own  # the environment's module, for mock.patch
    assert isim.invoke("identity").payload["token"] == first  # warm: the same module
    isim.faults.cold_start("identity")
    assert isim.invoke("identity").payload["token"] not in (first, id(own.TOKEN))
    isim.delete_function("identity")
    assert sys.modules["app"] is own  # given back when the environment ends
    del sys.modules["app"]


@QUIET
def test_each_function_has_its_own_module_of_the_same_name(isim):
    make(isim, "echo", "echo", code=BASIC)
    make(isim, "identity", "identity")
    assert isim.invoke("echo", {"a": 1}).payload == {"a": 1}
    assert isim.invoke("identity").payload["pid"] == os.getpid()
    assert isim.invoke("echo", {"b": 2}).payload == {"b": 2}
    assert sys.modules["app"].__file__ == str(BASIC / "app.py")  # the last one that ran


@QUIET
def test_a_handler_may_invoke_another_inline_function(isim):
    make(isim, "outer", "invoke_other")
    make(isim, "echo", "echo", code=BASIC)
    isim.invoke("echo")
    isim.invoke("outer", {"function": "echo", "event": {}})
    sys.modules["app"].SIM = isim  # the outer's module is the last installed
    isim.faults.cold_start("echo")
    result = isim.invoke("outer", {"function": "echo", "event": {"x": 1}})
    assert result.payload["inner"] == {"x": 1}
    assert "outer before\nouter after\n" in result.logs
    assert "INIT_START" in result.payload["inner_logs"] and "outer" not in result.payload["inner_logs"]


# --- process state -------------------------------------------------------------------


@QUIET
@pytest.mark.parametrize(
    "handler, event",
    [
        ("process_state", {"set": {"LEAK": "1"}, "log_level": "DEBUG"}),
        ("fail", {}),
        ("exit_with", {"how": "exit_msg"}),
        ("exit_with", {"how": "os_exit"}),
        ("missing.handler", {}),
    ],
)
def test_the_test_processes_state_is_given_back_after_every_call(isim, handler, event):
    code = INLINE if handler == "process_state" else BASIC
    isim.create_function("f", handler=handler if "." in handler else f"app.{handler}", code=str(code))
    before = _state()
    result = isim.invoke("f", event)
    assert _state() == before
    assert "LEAK" not in os.environ
    assert result.logs.startswith("INIT_START ")


@QUIET
def test_what_the_handler_changes_stays_in_its_environment_as_in_a_process(isim):
    make(isim, "state", "process_state")
    first = isim.invoke("state", {"set": {"STAGE": "warm"}, "get": ["STAGE", "HOME"], "log_level": "INFO"}).payload
    second = isim.invoke("state", {"get": ["STAGE"]}).payload
    assert first["vars"] == {"STAGE": "warm", "HOME": None}  # the test's HOME does not leak in
    assert second["vars"] == {"STAGE": "warm"} and second["root_level"] == logging.INFO
    assert (first["cwd"], first["argv"]) == (str(INLINE), ["/var/runtime/bootstrap.py"])
    tmp = isim.environments("state")[0].tmp_path
    assert first["tempdir"] == tmp and os.path.isdir(tmp)
    isim.faults.cold_start("state")
    assert isim.invoke("state", {"get": ["STAGE"]}).payload["vars"] == {"STAGE": None}
    assert "STAGE" not in os.environ
    assert not os.path.exists(tmp)  # the retired environment's directory is gone


@QUIET
def test_keyboard_interrupt_in_the_handler_stops_the_test_and_resets_the_environment(isim):
    make(isim, "interrupted", "interrupted")
    before = _state()
    with pytest.raises(KeyboardInterrupt):
        isim.invoke("interrupted")
    assert _state() == before
    assert isim.environments("interrupted") == []


@QUIET
def test_the_handler_sees_the_tests_frozen_clock(isim):
    freezegun = pytest.importorskip("freezegun")
    make(isim, "now", "now", code=BASIC)
    with freezegun.freeze_time("2020-02-02 12:00:00"):
        assert isim.invoke("now").payload["datetime"].startswith("2020-02-02T12:00:00")


# --- the switch --------------------------------------------------------------------


@QUIET
def test_a_function_can_choose_its_mode_over_the_simulators(zygote, no_app_module):
    with LambdaSim(zygote=zygote) as sim:
        make(sim, "here", "identity", inline=True)
        make(sim, "there", "identity")
        assert sim.invoke("here").payload["pid"] == os.getpid()
        assert sim.invoke("there").payload["pid"] != os.getpid()
        assert not [key for key in sim.get_function("here")["Configuration"] if "nline" in key]  # not AWS's
        sim.update_function_configuration("there", inline=True)
        moved = sim.invoke("there")
        assert moved.cold_start and moved.payload["pid"] == os.getpid()
    with LambdaSim(zygote=zygote, inline=True) as sim:
        make(sim, "there", "identity", inline=False)
        assert sim.invoke("there").payload["pid"] != os.getpid()


@pytest.mark.parametrize("value", ["yes", 1])
def test_inline_must_be_a_bool(zygote, value):
    with LambdaSim(zygote=zygote) as sim:
        with pytest.raises(InvalidParameterValueException, match=rf"'inline' must be True, False or None \(got {value!r}\)"):
            make(sim, "f", "identity", inline=value)
        assert sim.list_functions() == {"Functions": []}
    with pytest.raises(InvalidParameterValueException, match=rf"'inline' must be True or False \(got {value!r}\)"):
        LambdaSim(zygote=zygote, inline=value)


# --- warnings: each difference once per simulator -------------------------------------


def test_no_private_tmp_and_no_memory_limit_are_said_once_at_the_first_init(zygote, no_app_module):
    with LambdaSim(zygote=zygote, inline=True) as sim:
        make(sim, "a", "identity")
        make(sim, "b", "echo", code=BASIC)
        with pytest.warns(InlineModeWarning) as caught:
            sim.invoke("a")
        assert [w.message.difference for w in caught] == ["tmp", "memory"]
        assert str(caught[0].message).startswith("lambdasim inline mode [tmp]: no private /tmp")
        assert caught[0].filename == __file__  # it points at the invoke
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sim.invoke("b")
            sim.faults.cold_start("a")
            sim.invoke("a")


def test_a_timeout_is_said_once_and_the_handler_is_not_stopped(zygote):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InlineModeWarning)
        sim = LambdaSim(zygote=zygote, inline=True)
        sim.create_function("sleep", handler="app.sleep", code=str(BASIC), timeout=1)
        sim.invoke("sleep", {"seconds": 0})
    with sim:
        with pytest.warns(InlineModeWarning, match=r"\[timeout\]: no hard kill on timeout") as caught:
            result = sim.invoke("sleep", {"seconds": 1.2})
        assert len(caught) == 1
        assert result.payload["errorType"] == "Sandbox.Timedout"
        assert "starting wait\ndone waiting\n" in result.logs  # it ran to the end
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert sim.invoke("sleep", {"seconds": 1.2}).payload["errorType"] == "Sandbox.Timedout"


@pytest.mark.parametrize("how, said", [("exit1", r"sys\.exit\(1\)"), ("os_exit", r"os\._exit\(3\)")])
def test_an_exit_is_said_with_what_the_handler_called(zygote, how, said):
    with LambdaSim(zygote=zygote, inline=True) as sim:
        sim.create_function("exit", handler="app.exit_with", code=str(BASIC))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InlineModeWarning)
            sim.invoke("exit", {"how": "none"})
        with pytest.warns(InlineModeWarning, match=rf"\[exit\]: the handler ended its runtime with {said}"):
            assert sim.invoke("exit", {"how": how}).function_error == "Unhandled"


def test_an_invoke_that_waits_for_another_inline_invoke_says_so(zygote, no_app_module):
    with LambdaSim(zygote=zygote, inline=True) as sim:
        make(sim, "gate", "wait_at_gate")
        make(sim, "echo", "echo", code=BASIC)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InlineModeWarning)
            sim.invoke("gate")  # cold start: the module exists now
        module = sys.modules["app"]
        module.GATE, module.ENTERED = threading.Event(), threading.Event()
        module.GATE.set()
        assert sim.invoke("gate").payload == "passed the gate"
        module.GATE.clear()
        worker = threading.Thread(target=sim.invoke, args=("gate",))
        worker.start()
        try:
            assert module.ENTERED.wait(30)
            with warnings.catch_warnings():
                # As an error, the warning stops this invoke before it waits.
                warnings.simplefilter("error", InlineModeWarning)
                with pytest.raises(InlineModeWarning, match=r"\[serialised\]: invocations are serialised"):
                    sim.invoke("echo")
        finally:
            module.GATE.set()
            worker.join(30)


# --- pdb and the pytest plugin ----------------------------------------------------------


@pytest.fixture
def project(pytester):
    pytester.mkdir("lambdas").joinpath("app.py").write_text((INLINE / "app.py").read_text())
    pytester.makepyfile(
        test_debug=textwrap.dedent(
            """
            import pathlib

            LAMBDAS = str(pathlib.Path(__file__).parent / "lambdas")


            def test_debug(lambda_sim):
                lambda_sim.create_function("debug", code=LAMBDAS, handler="app.debug_me", timeout=1)
                result = lambda_sim.invoke("debug", {"value": 21, "sleep": 1.2})
                assert result.payload == 42
                assert "before the breakpoint" in result.logs
            """
        )
    )
    return pytester


def _run(pytester, *args, stdin=""):
    return pytester.run(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args,
        stdin=stdin.encode(), timeout=120,
    )


def test_breakpoint_in_a_handler_stops_in_pdb_under_pytest_lambdasim_inline_pdb(project):
    # Python 3.13's pdb stops at once in the hook's caller, lambdasim's hook: "up" reaches the
    # handler (docs/debugging.md); earlier versions stop in the handler itself.
    up = "up\n" if sys.version_info >= (3, 13) else ""
    result = _run(project, "--lambdasim-inline", "--pdb", "-W", "error", stdin=up + "p event\np answer\nc\n")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "PDB set_trace" in out
    assert "{'value': 21, 'sleep': 1.2}" in out and "\n42\n" in out.replace("(Pdb) ", "\n")
    result.stdout.fnmatch_lines(["lambdasim: inline mode: handlers run in this process*", "*1 passed*"])


def test_a_failing_tests_report_shows_the_handlers_frames_through_raise_for_error(project):
    project.makepyfile(
        test_raises=textwrap.dedent(
            """
            import pathlib

            LAMBDAS = str(pathlib.Path(__file__).parent / "lambdas")


            def test_raises(lambda_sim):
                lambda_sim.create_function("debug", code=LAMBDAS, handler="app.debug_me")
                lambda_sim.invoke("debug", {"value": None}).raise_for_error()
            """
        )
    )
    result = _run(project, "--lambdasim-inline", "-k", "test_raises", "--showlocals")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*def debug_me(event, context):",
        ">       answer = event[[]\"value\"[]] * 2",
        "E       TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'",
        "event *= {'value': None}",
        "*The above exception was the direct cause of the following exception:*",
        "E *lambdasim._result.FunctionError: function 'debug' failed (request *): TypeError: *",
    ])
    assert "_inline.py" not in result.stdout.str()  # the chain starts at the handler


def test_pytest_pdb_drops_into_the_debugger_at_a_failing_tests_frame(project):
    project.makepyfile(
        test_fails=textwrap.dedent(
            """
            import pathlib

            LAMBDAS = str(pathlib.Path(__file__).parent / "lambdas")


            def test_fails(lambda_sim):
                lambda_sim.create_function("fails", code=LAMBDAS, handler="app.uses_fetch")
                result = lambda_sim.invoke("fails")
                assert result.payload == "mocked"
            """
        )
    )
    result = _run(project, "--lambdasim-inline", "--pdb", "-k", "test_fails", stdin="p result.payload\nq\n")
    out = result.stdout.str()
    assert "'real'" in out and "(Pdb)" in out, out


def test_without_the_flag_handlers_run_in_real_environments(project):
    project.makepyfile(
        test_where=textwrap.dedent(
            """
            import os
            import pytest

            def handler(event, context):
                return os.getpid()

            def test_real(lambda_sim):
                lambda_sim.create_function("f", code=handler)
                assert lambda_sim.invoke("f").payload != os.getpid()

            @pytest.mark.lambdasim(inline=True)
            @pytest.mark.filterwarnings("ignore::lambdasim.InlineModeWarning")
            def test_marked_inline(lambda_sim):
                lambda_sim.create_function("f", code=handler)
                assert lambda_sim.invoke("f").payload == os.getpid()
            """
        )
    )
    result = _run(project, "-W", "error", "-k", "real or marked")
    result.assert_outcomes(passed=2)
    assert "inline mode" not in result.stdout.str()


@pytest.mark.parametrize("how", ["flag", "ini", "env"])
def test_a_whole_run_goes_inline_and_the_marker_can_opt_a_test_out(project, monkeypatch, how):
    project.makepyfile(
        test_where=textwrap.dedent(
            """
            import os
            import pytest

            def handler(event, context):
                return os.getpid()

            def test_inline(lambda_sim, lambda_sim_session):
                for sim in (lambda_sim, lambda_sim_session):
                    sim.create_function("f", code=handler)
                    assert sim.invoke("f").payload == os.getpid()

            @pytest.mark.lambdasim(inline=False)
            def test_opted_out(lambda_sim):
                lambda_sim.create_function("f", code=handler)
                assert lambda_sim.invoke("f").payload != os.getpid()
            """
        )
    )
    monkeypatch.delenv("LAMBDASIM_INLINE", raising=False)
    args = ["-k", "inline or opted"]
    if how == "flag":
        args.append("--lambdasim-inline")
    elif how == "ini":
        project.makeini("[pytest]\nfilterwarnings = error\nlambdasim_inline = true\n")
    else:
        monkeypatch.setenv("LAMBDASIM_INLINE", "1")
    # filterwarnings = error (or -W error): the run's InlineModeWarnings are ignored, said once in the header.
    result = _run(project, *args, *([] if how == "ini" else ["-W", "error"]))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["lambdasim: inline mode: handlers run in this process, in the test's thread;*"])


def test_the_handler_after_a_breakpoint_is_not_timed_out(project):
    # The fixture's handler sleeps past its 1 s timeout after the breakpoint: no timeout.
    result = _run(project, "--lambdasim-inline", stdin="c\n")
    result.assert_outcomes(passed=1)


def test_inline_warnings_under_pytest_with_a_plain_simulator(project):
    project.makepyfile(
        test_plain=textwrap.dedent(
            """
            import pytest
            from lambdasim import InlineModeWarning, LambdaSim

            def handler(event, context):
                return 1

            def test_plain():
                with LambdaSim(inline=True) as sim:
                    sim.create_function("f", code=handler)
                    with pytest.warns(InlineModeWarning):
                        assert sim.invoke("f").payload == 1
            """
        )
    )
    _run(project, "-W", "error", "-k", "plain").assert_outcomes(passed=1)



# --- docs/debugging.md -------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "debugging.md"


def _doc_examples():
    text = DOCS.read_text()
    for match in re.finditer(r"^```python\n(.*?)^```$", text, re.M | re.S):
        yield pytest.param(match.group(1), id=f"debugging:{text.count(chr(10), 0, match.start()) + 1}")


@pytest.mark.parametrize("code", list(_doc_examples()))
def test_debugging_docs_example_passes_under_lambdasim_inline(pytester, code):
    pytester.makepyfile(test_example=code)
    result = _run(pytester, "--lambdasim-inline", "-W", "error")
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes()["passed"] >= 1


def test_debugging_docs_list_every_difference_the_warnings_name():
    from lambdasim._inline import DIFFERENCES

    text = DOCS.read_text()
    table = text[text.index("## What is different"):text.index("Differences that no warning")]
    assert re.findall(r"^\| `(\w+)` \|", table, re.M) == list(DIFFERENCES)


def test_the_test_processes_pythonbreakpoint_chooses_the_debugger():
    script = textwrap.dedent(
        f"""
        import warnings
        from lambdasim import InlineModeWarning, LambdaSim

        warnings.simplefilter("ignore", InlineModeWarning)
        with LambdaSim(inline=True) as sim:
            sim.create_function("debug", handler="app.debug_me", code={str(INLINE)!r})
            print("result", sim.invoke("debug", {{"value": 4}}).payload)
        """
    )
    env = {**os.environ, "PYTHONBREAKPOINT": "0"}
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "result 8\n"  # breakpoint() did nothing: no prompt
