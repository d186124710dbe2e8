"""The zygote's spare child and the sandbox hand-over: what makes a cold start cheaper changes nothing else."""

import contextlib
import os
import shutil
import signal
import sys
import threading
from time import monotonic

import pytest
from conftest import BASIC

from lambdasim import LambdaSim
from lambdasim._runtime import linux

WAIT = 10.0


def _children(pid):
    """Live (not zombie) direct children of ``pid``."""
    found = []
    for child in linux.descendants(pid):
        try:
            with open(f"/proc/{child}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(child)
    return found


def _exists(sim, name):
    return any(entry["FunctionName"] == name for entry in sim.list_functions()["Functions"])


def _spare(sim):
    """The zygote's one child that is no environment, once there is exactly one."""
    deadline = monotonic() + WAIT
    while True:
        envs = {env.pid for name in ("first", "second") if _exists(sim, name) for env in sim.environments(name)}
        others = [pid for pid in _children(sim._zygote.pid) if pid not in envs]
        if len(others) == 1:
            return others[0]
        assert monotonic() < deadline, f"zygote children besides environments: {others}"
        threading.Event().wait(0.005)


def test_a_cold_start_runs_in_the_spare_and_a_new_spare_follows():
    with LambdaSim() as sim:
        sim.create_function("first", handler="app.echo", code=BASIC)
        sim.invoke("first", {}).raise_for_error()
        spare = _spare(sim)
        assert _offered(sim._zygote) == spare  # offered: the zygote hands it nothing itself
        sim.create_function("second", handler="app.echo", code=BASIC)
        result = sim.invoke("second", {"n": 1})
        assert result.cold_start and result.ok
        assert sim.environments("second")[0].pid == spare
        assert _spare(sim) != spare


def test_a_spare_that_died_is_not_reported_and_the_next_cold_start_still_works():
    with LambdaSim() as sim:
        sim.create_function("first", handler="app.echo", code=BASIC)
        sim.invoke("first", {}).raise_for_error()
        spare = _spare(sim)
        os.kill(spare, signal.SIGKILL)
        deadline = monotonic() + WAIT
        while spare in _children(sim._zygote.pid) or os.path.exists(f"/proc/{spare}"):
            assert monotonic() < deadline, "the zygote did not reap its dead spare"
            threading.Event().wait(0.005)
        assert sim._zygote.wait_exit(spare, 0.05) is None  # no 'exited' event for a spare
        sim.create_function("second", handler="app.echo", code=BASIC)
        result = sim.invoke("second", {"n": 1})
        assert result.cold_start and result.ok
        assert sim.environments("second")[0].pid != spare
        _spare(sim)  # and a new spare is forked after that cold start


NAMESPACES = BASIC.parent / "namespaces"


def _own_namespaces():
    return {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in ("user", "mnt")}


def test_environments_without_private_tmp_stay_in_the_host_namespaces_though_spares_make_their_own():
    with LambdaSim() as private, LambdaSim(private_tmp=False) as shared:
        private.create_function("ns", handler="app.handler", code=NAMESPACES)
        shared.create_function("ns", handler="app.handler", code=NAMESPACES)
        own = _own_namespaces()
        if private._zygote.namespace_problem:
            assert private.invoke("ns").payload == own
        else:
            sandboxed = private.invoke("ns").payload
            assert sandboxed["user"] != own["user"] and sandboxed["mnt"] != own["mnt"]
        assert shared.invoke("ns").payload == own
        assert shared.invoke("ns").payload == own  # warm: the same environment


def test_a_reset_environment_rejoins_its_sandbox_rather_than_taking_a_spare():
    with LambdaSim() as sim:
        sim.create_function("ns", handler="app.handler", code=NAMESPACES)
        first = sim.invoke("ns").payload
        pid = sim.environments("ns")[0].pid
        sim.faults.crash("ns")
        assert sim.invoke("ns").function_error == "Unhandled"
        again = sim.invoke("ns")
        assert again.cold_start
        assert sim.environments("ns")[0].pid != pid
        assert again.payload == first


def test_a_runtime_that_dies_in_its_own_set_up_after_announcing_its_sandbox_is_an_exit_error(tmp_path):
    # The runtime no longer waits for its sandbox to be held before it sets up its
    # environment; dying there (its code directory is gone, so chdir fails) may race
    # with the test process opening its namespaces. Either way: Runtime.ExitError.
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 1\n")
    with LambdaSim() as sim:
        sim.create_function("gone", handler="app.handler", code=code)
        shutil.rmtree(code)
        for _ in range(5):
            result = sim.invoke("gone")
            assert result.payload == {
                "errorType": "Runtime.ExitError", "errorMessage": "Error: Runtime exited with error: exit status 1",
            }
            assert "FileNotFoundError" in result.logs
            assert "\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n" in result.logs


@contextlib.contextmanager
def _offering():
    """A simulator whose zygote has offered it a spare (after a first cold start), and that spare's pid."""
    with LambdaSim() as sim:
        sim.create_function("first", handler="app.echo", code=BASIC)
        sim.invoke("first", {}).raise_for_error()
        yield sim, _offered(sim._zygote)


def _offered(zygote):
    """The pid of the spare the zygote offered to this process, once there is one."""
    deadline = monotonic() + WAIT
    while zygote._spare is None:
        assert monotonic() < deadline, "the zygote offered no spare"
        threading.Event().wait(0.005)
    return zygote._spare[0]


def test_a_cold_start_hands_its_request_to_the_offered_spare_directly():
    with LambdaSim() as sim:
        sim.create_function("first", handler="app.echo", code=BASIC)
        sim.invoke("first", {}).raise_for_error()
        offered = _offered(sim._zygote)
        assert offered == _spare(sim)
        sim.create_function("second", handler="app.echo", code=BASIC)
        result = sim.invoke("second", {"n": 2})
        assert result.cold_start and result.payload == {"n": 2}
        assert sim.environments("second")[0].pid == offered
        assert _offered(sim._zygote) != offered  # it said "answered": the zygote offers the next one
        # The environment that was a spare is the zygote's child like any other: closing
        # it waits for the exit the zygote reports, so it is gone when delete returns.
        assert offered in sim._zygote._children
        sim.delete_function("second")
        assert offered not in sim._zygote._children
        assert not os.path.exists(f"/proc/{offered}") or _is_zombie_or_gone(offered)


def _is_zombie_or_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_back_to_back_cold_starts_all_succeed_whichever_way_their_request_goes():
    # Back to back, the next spare is often not ready yet: the zygote hands it the
    # request itself (or forks). Every path must give a working environment.
    with LambdaSim() as sim:
        for index in range(40):
            sim.create_function(f"f{index}", handler="app.echo", code=BASIC)
        results = [sim.invoke(f"f{index}", {"i": index}) for index in range(40)]
    assert [result.payload for result in results] == [{"i": index} for index in range(40)]
    assert all(result.cold_start for result in results)


def test_an_offered_spare_that_died_is_skipped():
    with LambdaSim() as sim:
        sim.create_function("first", handler="app.echo", code=BASIC)
        sim.invoke("first", {}).raise_for_error()
        offered = _offered(sim._zygote)
        os.kill(offered, signal.SIGKILL)
        deadline = monotonic() + WAIT
        while os.path.exists(f"/proc/{offered}"):
            assert monotonic() < deadline, "the zygote did not reap its dead spare"
            threading.Event().wait(0.005)
        sim.create_function("second", handler="app.echo", code=BASIC)
        result = sim.invoke("second", {"n": 3})
        assert result.cold_start and result.payload == {"n": 3}
        assert sim.environments("second")[0].pid != offered


def test_the_spare_prepares_without_changing_what_the_environment_will_see():
    # Coverage reads its variables after the request (docs/pytest.md): a spare that
    # emptied os.environ ahead of time lost them.
    import logging

    from lambdasim._runtime import bootstrap

    environ, handlers = dict(os.environ), list(logging.getLogger().handlers)
    path, finder = list(sys.path), sys.path_importer_cache.get(bootstrap._REHEARSAL_DIR)
    converter = logging.Formatter.converter  # the runtime's logging set-up switches it to UTC
    try:
        bootstrap._rehearse()  # what prepare_spare runs, with its errors not swallowed
        bootstrap.prepare_spare()
    finally:
        logging.Formatter.converter = converter
    assert dict(os.environ) == environ
    assert logging.getLogger().handlers == handlers
    assert sys.path == path
    assert "_rehearsal" not in sys.modules
    assert sys.path_importer_cache.get(bootstrap._REHEARSAL_DIR) is finder


def test_a_handler_that_removes_select_poll_at_import_still_runs(tmp_path):
    (tmp_path / "app.py").write_text(
        "import select\ndel select.poll  # as eventlet's monkey_patch() does\n"
        "def handler(event, context):\n    return event\n"
    )
    with LambdaSim() as sim:
        sim.create_function("patched", handler="app.handler", code=str(tmp_path))
        assert [sim.invoke("patched", {"n": n}).payload for n in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_the_next_spare_is_made_only_once_the_cold_start_has_answered(tmp_path):
    # Making a spare (fork, namespaces, rehearsal) takes CPU time: not while a cold
    # start that took the last one runs. The handler waits for a file the test writes
    # beside it (the code directory is seen live from the sandbox; /tmp is not).
    gate = tmp_path / "gate"
    (tmp_path / "app.py").write_text(
        "import os, time\n"
        "def handler(event, context):\n"
        "    while not os.path.exists(os.path.join(os.environ['LAMBDA_TASK_ROOT'], 'gate')):\n"
        "        time.sleep(0.005)\n"
        "    return 'done'\n"
    )
    with _offering() as (sim, offered):
        sim.create_function("gated", handler="app.handler", code=str(tmp_path), timeout=60)
        results = []
        invoking = threading.Thread(target=lambda: results.append(sim.invoke("gated", {})))
        invoking.start()
        try:
            deadline = monotonic() + WAIT
            while not sim.environments("gated") or sim.environments("gated")[0].pid is None:
                assert monotonic() < deadline, "the cold start did not begin"
                threading.Event().wait(0.005)
            assert sim.environments("gated")[0].pid == offered
            threading.Event().wait(0.2)
            assert sim._zygote._spare is None  # none offered while the cold start runs
            assert _spare_children(sim) == []  # and none made
        finally:
            gate.write_text("")
            invoking.join(WAIT)
        assert results[0].payload == "done" and results[0].cold_start
        assert _offered(sim._zygote) not in (None, offered)


def _spare_children(sim):
    envs = {env.pid for name in ("first", "gated") for env in sim.environments(name)}
    return [pid for pid in _children(sim._zygote.pid) if pid not in envs]


def test_a_taken_spare_that_has_not_answered_yet_can_be_killed():
    # The zygote hears that its offered spare was taken only at the first answer: a
    # timeout before it (the kill goes through the zygote) must still end the process.
    with _offering() as (sim, offered):
        sim.create_function("stuck", handler="app.sleep", code=BASIC, timeout=1)
        seen = []

        def watch():  # the pid the invoke runs in, while it runs
            deadline = monotonic() + WAIT
            while not seen and monotonic() < deadline:
                seen.extend(env.pid for env in sim.environments("stuck") if env.pid is not None)
                threading.Event().wait(0.005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        started = monotonic()
        result = sim.invoke("stuck", {"seconds": 60})
        watcher.join(WAIT)
        assert seen == [offered]  # it ran in the offered spare, which had not answered yet
        assert result.function_error == "Unhandled" and "Task timed out" in result.payload["errorMessage"]
        assert monotonic() - started < 30
        assert sim.environments("stuck")[0].pid is None  # reset: the process is gone
        assert _is_zombie_or_gone(offered)


def test_a_test_process_holding_over_1024_descriptors_still_gets_environments():
    # The zygote's socket keeps its number from the test process: past 1024 (say, with
    # hundreds of environments' pipes open) select() refused it and the zygote died.
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if hard != resource.RLIM_INFINITY and hard < wanted + 200:
        pytest.skip(f"the descriptor limit ({hard}) leaves no room past 1024")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted + 200), hard))
    held = []
    try:
        while len(held) < wanted:
            held.extend(os.pipe())
        with LambdaSim() as sim:
            sim.create_function("first", handler="app.echo", code=BASIC)
            assert sim.invoke("first", {"n": 1}).payload == {"n": 1}
            assert sim._zygote._sock.fileno() > 1024
            sim.create_function("second", handler="app.echo", code=BASIC)
            assert sim.invoke("second", {"n": 2}).payload == {"n": 2}
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_taken_spare_that_dies_before_it_answers_is_replaced(tmp_path):
    # An init error ends the process before any answer: no "answered" comes, the
    # zygote sees only its death, and still makes (and offers) the next spare.
    (tmp_path / "app.py").write_text("raise RuntimeError('no init for you')\n")
    with _offering() as (sim, offered):
        sim.create_function("broken", handler="app.handler", code=str(tmp_path))
        result = sim.invoke("broken", {})
        assert result.function_error == "Unhandled" and result.payload["errorType"] == "RuntimeError"
        assert _offered(sim._zygote) not in (None, offered)


def test_a_first_answer_that_leaves_a_thread_running_still_lets_the_next_spare_come(tmp_path):
    # Such an environment is stopped (frozen) once its answer is read: it says
    # "answered" before the answer, or the zygote would wait for it until it runs again.
    (tmp_path / "app.py").write_text(
        "import threading, time\n"
        "def handler(event, context):\n"
        "    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "    return 'started'\n"
    )
    with _offering() as (sim, offered):
        sim.create_function("threaded", handler="app.handler", code=str(tmp_path))
        assert sim.invoke("threaded", {}).payload == "started"
        [env] = sim.environments("threaded")
        assert env.pid == offered and env.frozen
        assert _offered(sim._zygote) not in (None, offered)
