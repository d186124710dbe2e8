"""Every performance target of lambdasim, each measured next to its floor in the same run.

    python benchmarks/bench_all.py [--quick] [--json PATH]

One command, one table, one JSON file (default ``benchmarks/results/all.json``).
Each row is a lambdasim figure, the floor it is compared with (measured in this
run, on this machine), their ratio, and the target. Targets are reported, never
asserted. ``--quick`` runs every row with few samples: it proves the benchmark
works (CI runs it) and its figures are rough.

Rows, with their floors:

- warm invoke, median and p99: ``sim.invoke()`` of a no-op handler with a small
  event on a warm environment, against the median of a bare framed pipe round
  trip (lambdasim's own protocol code on both sides, ``bench_invoke.py``). The
  byte-echo pipe floor, pinned to one CPU and to two, is reported too. Both
  sides of a warm invoke poll briefly instead of sleeping while invokes come back
  to back (docs/performance.md); the floor sleeps. So the same figure with
  polling off (``LAMBDASIM_SPIN_US=0``) is a row of its own, against the same floor.
  The three are taken in turn, in 20 blocks each (``bench_invoke.interleave``): on
  a shared VM the machine alone moves a figure measured minutes after its floor by
  1.5x. The floor measured alone, first, is in the details.
- cold start: the first invoke of a fresh function (fork from the zygote,
  private ``/tmp``, init, invoke), 10 ms after the one before (a test's own code
  between two tests' cold starts), against forking a child from a pre-warmed
  zygote-like process (same runtime modules loaded) that writes one byte back.
  The same back to back (no pause: faster than the zygote makes spares), right
  after ``update_function_configuration`` retired the warm environment, and with
  the handler not yet compiled (each function's code a new directory holding
  ``noop.py`` and no ``.pyc``, as a test's ``tmp_path`` does) are rows of their own.
- python-lambda-local: its ``call()`` of the same handler and event, timed in a
  process of its own; compared with our warm invoke and our cold start. Skipped
  (row marked so) when ``pip install python-lambda-local`` has not been done:
  it is never a dependency of lambdasim. ``--lambda-local-python PATH`` runs it
  with the interpreter of another virtualenv that has it.
- 10,000 sequential warm invokes (``--quick``: 1,000, scaled to 10,000),
  against 10,000 framed round trips at the floor's median.
- 1 MB event round trip: invoke of an echo handler with a ~1 MB event, the
  returned payload decoded (``result.payload``), against ``json.loads(json.dumps(event))``,
  one of each in turn.
- 100 concurrent environments of one function, alive at once: each holds its
  invoke open on a socket until all have connected; the time to get there and
  their total unique memory are reported.
- 1,000 invokes from 16 threads: throughput, against the sequential warm rate.
- idle environment USS (``Private_*`` of ``/proc/PID/smaps_rollup``), next to
  the zygote's.
- ``from lambdasim import LambdaSim`` (the target's row) and ``import lambdasim``
  (what pytest pays for the plugin: the names load on first use) in a fresh
  interpreter, minus ``python -c pass``.
- the ``lambda_sim`` fixture's cost per test: a pytest run of N trivial tests
  that use it and one of N that do not; the difference of their median
  per-test times (setup + call + teardown, as pytest times them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_invoke  # noqa: E402
import lambdasim  # noqa: E402
from bench_invoke import EVENT, HANDLERS, summary  # noqa: E402
from _report import combine, print_markdown, print_table, report  # noqa: E402
from lambdasim import LambdaSim  # noqa: E402

DEFAULT_JSON = HERE / "results" / "all.json"

FULL = {
    "pipe": (500, 10_000),
    "warm": (500, 10_000),
    "cold": (5, 200),
    "fork": (20, 500),
    "lambda_local": (3, 50),
    "sequential": 10_000,
    "event_1mb": (3, 30),
    "concurrent": 100,
    "threads": (16, 1_000),
    "import": 21,
    "fixture": 300,
}
QUICK = {
    "pipe": (50, 300),
    "warm": (20, 300),
    "cold": (2, 10),
    "fork": (5, 30),
    "lambda_local": (1, 5),
    "sequential": 1_000,
    "event_1mb": (1, 5),
    "concurrent": 100,
    "threads": (16, 200),
    "import": 5,
    "fixture": 40,
}

# A stand-in zygote: the runtime package loaded as lambdasim's zygote loads it,
# then one fork per byte read; the child writes one byte back and exits.
_FORK_FLOOR = r"""
import importlib.util, os, sys
runtime_dir = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "_lambdasim_runtime", os.path.join(runtime_dir, "__init__.py"), submodule_search_locations=[runtime_dir])
module = importlib.util.module_from_spec(spec)
sys.modules["_lambdasim_runtime"] = module
spec.loader.exec_module(module)
from _lambdasim_runtime import bootstrap, zygote
while os.read(0, 1):
    pid = os.fork()
    if pid == 0:
        os.write(1, b"x")
        os._exit(0)
    os.waitpid(pid, 0)
"""


# --- helpers --------------------------------------------------------------------


def _seconds(ns):
    return ns / 1e9


def uss_kb(pid):
    """Unique set size of ``pid`` in KiB: its private pages, from ``/proc/PID/smaps_rollup``."""
    total = 0
    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
        for line in rollup:
            if line.startswith((b"Private_Clean:", b"Private_Dirty:", b"Private_Hugetlb:")):
                total += int(line.split()[1])
    return total


def _python_env():
    """The environment for child interpreters: this checkout's lambdasim first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def _run_timed(args, env, cwd=None):
    started = time.perf_counter_ns()
    completed = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter_ns() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{args!r} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return elapsed


# --- floors -----------------------------------------------------------------------


def measure_fork_floor(warmup, count):
    """Request -> first byte from a child forked by a pre-warmed process (nanoseconds)."""
    runtime_dir = os.path.join(os.path.dirname(lambdasim.__file__), "_runtime")
    child = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _FORK_FLOOR, runtime_dir],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
    )
    to_child, from_child = child.stdin.fileno(), child.stdout.fileno()

    def round_trip():
        os.write(to_child, b"f")
        if os.read(from_child, 1) != b"x":
            raise RuntimeError("the fork floor's zygote exited")

    try:
        return bench_invoke.time_round_trips(round_trip, warmup, count)
    finally:
        bench_invoke.stop_echo_child(child)


def one_mb_event():
    """A JSON event of just over 1 MB (compact encoding): records of strings, numbers,
    booleans, nulls and a nested list, some with non-ASCII text."""
    records = []
    size = 0
    index = 0
    while size < 1 << 20:
        record = {
            "id": index, "name": f"item-{index:06d}", "price": index * 0.25, "active": index % 2 == 0,
            "tags": ["alpha", "beta", str(index % 97)], "note": "é ünïcode ✓" if index % 10 == 0 else None,
        }
        records.append(record)
        size += len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()) + 1
        index += 1
    return {"records": records}


# --- lambdasim rows -----------------------------------------------------------------


def measure_event_1mb(sim, event, warmup, count):
    """Invokes of an echo handler with ``event`` (the payload decoded) and, its floor,
    ``json.loads(json.dumps(event))`` in this process, one of each in turn: samples
    (ns) of each, and the event's size in bytes."""
    sim.create_function("echo", handler="echo.handler", code=HANDLERS, timeout=60)
    if sim.invoke("echo", event).raise_for_error().payload != event:
        raise RuntimeError("the echo handler did not return the event")

    def invoke():
        sim.invoke("echo", event).raise_for_error().payload

    def json_round_trip():
        json.loads(json.dumps(event))

    samples = bench_invoke.interleave({"event": invoke, "json": json_round_trip}, warmup, count, blocks=count)
    return samples["event"], samples["json"], len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())


def measure_sequential(sim, count):
    sim.create_function("sequential", handler="noop.handler", code=HANDLERS)
    sim.invoke("sequential", EVENT).raise_for_error()
    invoke = sim.invoke
    started = time.perf_counter_ns()
    for _ in range(count):
        invoke("sequential", EVENT)
    return time.perf_counter_ns() - started


def measure_concurrent(sim, count, timeout=120.0):
    """Start ``count`` environments of one function busy at once; time it and weigh them."""
    name = f"lambdasim-bench-{os.getpid()}-{threading.get_ident()}"
    sim.create_function("hold", handler="hold.handler", code=HANDLERS, timeout=int(timeout))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connections = []
    results = []
    try:
        server.bind("\0" + name)
        server.listen(count)
        server.settimeout(timeout)
        event = {"socket": name, "timeout": timeout}
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=count)
        started = time.perf_counter_ns()
        try:
            futures = [pool.submit(sim.invoke, "hold", event) for _ in range(count)]
            while len(connections) < count:
                connection, _ = server.accept()
                connections.append(connection)
            all_running = time.perf_counter_ns() - started
            alive = [env for env in sim.environments("hold") if env.pid is not None]
            uss = sum(uss_kb(env.pid) for env in alive)
            for connection in connections:
                connection.close()
            results = [future.result(timeout=timeout) for future in futures]
        finally:
            for connection in connections:
                connection.close()
            pool.shutdown(wait=True)
    finally:
        server.close()
    for result in results:
        result.raise_for_error()
    cold = sum(result.cold_start for result in results)
    return {"environments": len(alive), "running_at_once": len(connections), "cold_starts": cold,
            "seconds_to_all_running": round(_seconds(all_running), 3), "total_uss_mb": round(uss / 1024, 1)}


def measure_threads(sim, threads, count):
    sim.create_function("threads", handler="noop.handler", code=HANDLERS)
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        # Warm-up: bring up the environments the threads will use.
        for result in pool.map(lambda _: sim.invoke("threads", EVENT), range(threads * 4)):
            result.raise_for_error()
        started = time.perf_counter_ns()
        results = list(pool.map(lambda _: sim.invoke("threads", EVENT), range(count)))
        elapsed = time.perf_counter_ns() - started
    for result in results:
        result.raise_for_error()
    return {
        "invokes": count, "threads": threads, "seconds": round(_seconds(elapsed), 4),
        "invokes_per_second": round(count / _seconds(elapsed), 1),
        "environments": len(sim.environments("threads")),
        "cold_starts": sum(result.cold_start for result in results),
    }


def measure_idle_uss(sim):
    sim.create_function("idle", handler="noop.handler", code=HANDLERS)
    sim.invoke("idle", EVENT).raise_for_error()
    env = sim.environments("idle")[0]
    time.sleep(0.05)
    return uss_kb(env.pid), uss_kb(sim._zygote.pid)


def measure_warm_against_floor(sim, warmup, count):
    """The warm invoke, the same with polling off (``LAMBDASIM_SPIN_US=0``: both sides
    sleep while they wait, as the floor's do; environments read the setting when they
    start) and the framed floor, taken in alternating blocks (``bench_invoke.interleave``):
    samples (ns) of each."""
    for name in ("noop", "noop-sleeping"):
        sim.create_function(name, handler="noop.handler", code=HANDLERS)
    saved = os.environ.get("LAMBDASIM_SPIN_US")
    os.environ["LAMBDASIM_SPIN_US"] = "0"
    try:
        sim.invoke("noop-sleeping", EVENT).raise_for_error()  # its environment starts now
    finally:
        if saved is None:
            del os.environ["LAMBDASIM_SPIN_US"]
        else:
            os.environ["LAMBDASIM_SPIN_US"] = saved
    sim.invoke("noop", EVENT).raise_for_error()
    invoke = sim.invoke
    calls = {"warm": lambda: invoke("noop", EVENT), "sleeping": lambda: invoke("noop-sleeping", EVENT)}
    with bench_invoke.framed_echo() as floor:
        samples = bench_invoke.interleave({"floor": floor, **calls}, warmup, count)
    # Each function's first invoke above was its one cold start.
    cold = sum(record.cold_start for name in ("noop", "noop-sleeping") for record in sim.invocations(name)) - 2
    if cold:
        raise RuntimeError(f"{cold} of the warm invokes were cold starts")
    return samples


def measure_import(runs):
    """``python -c pass``, ``python -c "import lambdasim"`` and ``python -c "from lambdasim
    import LambdaSim"`` (ns each), interleaved.

    ``import lambdasim`` loads only the exceptions (what pytest pays for the plugin);
    the names load on first use. ``from lambdasim import LambdaSim`` is what a test
    that simulates anything pays: that is the row with the target.

    Measured as installed packages import: from bytecode caches. The first,
    untimed run writes them (PYTHONDONTWRITEBYTECODE is dropped for these runs);
    without caches Python compiles every module on every import.
    """
    env = _python_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    _run_timed([sys.executable, "-c", "from lambdasim import LambdaSim"], env)
    bare, imported, simulator = [], [], []
    for _ in range(runs):  # interleaved, so drift in the machine's load hits all alike
        bare.append(_run_timed([sys.executable, "-c", "pass"], env))
        imported.append(_run_timed([sys.executable, "-c", "import lambdasim"], env))
        simulator.append(_run_timed([sys.executable, "-c", "from lambdasim import LambdaSim"], env))
    return bare, imported, simulator


_PLAIN_TESTS = "def test_{index}():\n    pass\n"
_FIXTURE_TESTS = "def test_{index}(lambda_sim):\n    pass\n"


# A conftest for the fixture runs: each test's setup + call + teardown seconds, as
# pytest timed them, written to DURATIONS_OUT as JSON when the session ends.
_DURATIONS_CONFTEST = """
import json, os

durations = {}


def pytest_runtest_logreport(report):
    durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(os.environ["DURATIONS_OUT"], "w") as out:
        json.dump(list(durations.values()), out)
"""


def measure_fixture(count):
    """Per-test seconds of ``count`` trivial tests with and without ``lambda_sim``, and each run's wall time.

    A test's time is its setup + call + teardown as pytest measures them, so the
    fixture's cost per test shows without pytest's start-up and collection. The
    first test of each run (it pays one-time costs) is left out.
    """
    env = _python_env()
    plugin = [] if _plugin_installed() else ["-p", "lambdasim._pytest_plugin"]
    per_test, walls = {}, {}
    with tempfile.TemporaryDirectory(prefix="lambdasim-bench-") as directory:
        (Path(directory) / "conftest.py").write_text(_DURATIONS_CONFTEST)
        for kind, template in (("plain", _PLAIN_TESTS), ("fixture", _FIXTURE_TESTS)):
            path = Path(directory) / f"test_{kind}.py"
            path.write_text("".join(template.format(index=index) for index in range(count)))
            out = Path(directory) / f"{kind}.json"
            args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, str(path)]
            walls[kind] = _run_timed(args, {**env, "DURATIONS_OUT": str(out)}, cwd=directory)
            per_test[kind] = json.loads(out.read_text())[1:]
    return per_test, walls


def _plugin_installed():
    try:
        from importlib.metadata import entry_points
    except ImportError:
        return False
    try:
        found = entry_points(group="pytest11")
    except TypeError:  # Python 3.9
        found = entry_points().get("pytest11", [])
    return any(entry.value.startswith("lambdasim") for entry in found)


def measure_lambda_local(warmup, count, python=None):
    """python-lambda-local's call() samples (ns) and its version, or None when it is not installed.

    ``python``: the interpreter of an environment that has it (``--lambda-local-python``);
    by default this one.
    """
    with tempfile.TemporaryDirectory(prefix="lambdasim-bench-") as directory:
        out = Path(directory) / "lambda_local.json"
        completed = subprocess.run(
            [python or sys.executable, str(HERE / "_lambda_local_worker.py"), str(warmup), str(count), str(out)],
            env=_python_env(), capture_output=True, text=True, timeout=600,
        )
        if completed.returncode == 3:
            return None
        if completed.returncode != 0:
            raise RuntimeError(f"python-lambda-local worker failed:\n{completed.stderr}")
        data = json.loads(out.read_text())
    return data["samples_ns"], data["version"]


# --- the run ----------------------------------------------------------------------


def run(plan, progress=lambda text: None, lambda_local_python=None):
    floors, figures, extra = {}, {}, {}
    progress("floors: pipe round trips")
    gc.collect()
    floors["pipe_round_trip_us"] = summary(bench_invoke.measure_pipe_round_trip(*plan["pipe"]), 1_000)
    # Alone, before anything else ran: the rows compare with the framed floor taken
    # in turn with the warm invoke (below); this one shows how far the machine drifts.
    floors["framed_round_trip_alone_us"] = summary(bench_invoke.measure_framed_round_trip(*plan["pipe"]), 1_000)
    same, cross = bench_invoke.measure_pinned_pipe_round_trips(*plan["pipe"])
    floors["pipe_round_trip_same_cpu_us"] = same
    floors["pipe_round_trip_two_cpus_us"] = cross
    progress("floors: fork from a warm zygote")
    floors["zygote_fork_ms"] = summary(measure_fork_floor(*plan["fork"]), 1_000_000)
    event = one_mb_event()

    progress("python-lambda-local")
    local = measure_lambda_local(*plan["lambda_local"], python=lambda_local_python)
    if local is None:
        figures["lambda_local_call_ms"] = None
        extra["lambda_local_version"] = None
    else:
        figures["lambda_local_call_ms"] = summary(local[0], 1_000_000)
        extra["lambda_local_version"] = local[1]

    progress("import lambdasim")
    bare, imported, simulator = measure_import(plan["import"])
    floors["python_startup_ms"] = summary(bare, 1_000_000)
    figures["python_import_lambdasim_ms"] = summary(imported, 1_000_000)
    figures["import_lambdasim_ms"] = round(
        figures["python_import_lambdasim_ms"]["median"] - floors["python_startup_ms"]["median"], 2
    )
    figures["python_import_simulator_ms"] = summary(simulator, 1_000_000)
    figures["import_simulator_ms"] = round(
        figures["python_import_simulator_ms"]["median"] - floors["python_startup_ms"]["median"], 2
    )

    progress("lambda_sim fixture")
    per_test, walls = measure_fixture(plan["fixture"])
    plain = summary([seconds * 1e9 for seconds in per_test["plain"]], 1_000_000)
    fixture = summary([seconds * 1e9 for seconds in per_test["fixture"]], 1_000_000)
    floors["pytest_plain_test_ms"] = plain
    figures["pytest_fixture_test_ms"] = fixture
    figures["fixture_overhead_ms"] = round(fixture["median"] - plain["median"], 3)
    extra["fixture_pytest_runs_s"] = {kind: round(_seconds(value), 3) for kind, value in walls.items()}

    with LambdaSim() as sim:
        progress("warm invoke, polling off and the framed floor, interleaved")
        gc.collect()
        samples = measure_warm_against_floor(sim, *plan["warm"])
        floors["framed_round_trip_us"] = summary(samples["floor"], 1_000)
        figures["warm_invoke_us"] = summary(samples["warm"], 1_000)
        figures["warm_invoke_sleeping_us"] = summary(samples["sleeping"], 1_000)
        progress("sequential warm invokes")
        count = plan["sequential"]
        elapsed = measure_sequential(sim, count)
        figures["sequential_10k_s"] = round(_seconds(elapsed) * 10_000 / count, 4)
        extra["sequential_invokes_run"] = count
        progress("1 MB event and its json floor, in turn")
        samples, floor, size = measure_event_1mb(sim, event, *plan["event_1mb"])
        figures["event_1mb_ms"] = summary(samples, 1_000_000)
        floors["json_round_trip_1mb_ms"] = summary(floor, 1_000_000)
        extra["event_1mb_bytes"] = size
        progress("idle environment memory")
        env_uss, zygote_uss = measure_idle_uss(sim)
        figures["idle_environment_uss_mb"] = round(env_uss / 1024, 2)
        extra["zygote_uss_mb"] = round(zygote_uss / 1024, 2)
        progress("16 threads")
        figures["threads"] = measure_threads(sim, *plan["threads"])
        progress("cold start after retire")
        gc.collect()
        figures["cold_start_after_retire_ms"] = summary(
            bench_invoke.measure_cold_start_after_retire(sim, *plan["cold"]), 1_000_000
        )
    # Cold starts, each kind in a simulator of its own: the environments an earlier
    # row left alive would be counted against it (docs/performance.md).
    with LambdaSim() as sim:
        progress("cold start")
        gc.collect()
        cold, init, sandbox = bench_invoke.measure_cold_start(sim, *plan["cold"])
        figures["cold_start_ms"] = summary(cold, 1_000_000)
        figures["cold_init_duration_ms"] = summary(init, 1_000_000)
        extra["sandbox"] = sandbox
    with tempfile.TemporaryDirectory() as scratch, LambdaSim() as sim:
        progress("cold start, handler from source")
        gc.collect()

        def copy_of_the_handler(name):
            directory = os.path.join(scratch, name)
            os.mkdir(directory)
            shutil.copy(os.path.join(HANDLERS, "noop.py"), directory)
            return directory

        from_source, _, _ = bench_invoke.measure_cold_start(
            sim, *plan["cold"], prefix="from-source", code=copy_of_the_handler
        )
        figures["cold_start_from_source_ms"] = summary(from_source, 1_000_000)
    with LambdaSim() as sim:
        progress("cold starts back to back")
        gc.collect()
        back_to_back, _, _ = bench_invoke.measure_cold_start(sim, *plan["cold"], pause=0, prefix="back-to-back")
        figures["cold_start_back_to_back_ms"] = summary(back_to_back, 1_000_000)
    with LambdaSim() as sim:
        progress("concurrent environments")
        figures["concurrent"] = measure_concurrent(sim, plan["concurrent"])
    return floors, figures, extra


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few samples: proves every row runs (CI)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results (default {DEFAULT_JSON})")
    parser.add_argument(
        "--runs", type=int, default=1,
        help="repeat the whole benchmark; the table shows each row's median over the runs (default 1)",
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--progress", action="store_true", help="name each measurement on stderr as it starts")
    parser.add_argument(
        "--lambda-local-python", metavar="PYTHON",
        help="the interpreter of a separate environment where python-lambda-local is installed "
             "(default: this one; it is never a dependency of lambdasim)",
    )
    args = parser.parse_args(argv)
    progress = (lambda text: print(f"... {text}", file=sys.stderr, flush=True)) if args.progress else (lambda text: None)
    runs = []
    for index in range(args.runs):
        if args.runs > 1:
            progress(f"run {index + 1} of {args.runs}")
        plan = QUICK if args.quick else FULL
        runs.append(report(*run(plan, progress, args.lambda_local_python), args.quick))
    result = combine(runs)
    print_table(result)
    if args.markdown:
        print()
        print_markdown(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
