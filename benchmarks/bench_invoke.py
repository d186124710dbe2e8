"""How fast an invoke is, next to the floors it is built on, all measured in one run.

    python benchmarks/bench_invoke.py [--quick] [--json PATH]

Figures (each sample timed with ``time.perf_counter_ns``, after warm-up rounds):

- direct call: the no-op handler called in this process; the floor of any call.
  Measured in batches, so each figure is a per-call mean within a batch.
- pipe round trip: one length-prefixed frame (lambdasim's layout: 8-byte prefix,
  JSON header, body; same bytes as a warm invoke's request) written to a child
  process that echoes it back over pipes, read back whole. No JSON parsing, no
  polling: the floor for lambdasim's protocol between two processes. It is
  measured where the scheduler puts the two processes (the figure the target
  uses, like the warm invoke, which is not pinned either), and again with both
  pinned to one CPU and to two CPUs: on small VMs the unpinned figure jumps
  between those two from run to run.
- warm invoke: ``sim.invoke()`` of the no-op handler with a small event on an
  environment that is already initialized; what a test pays per invoke.
- cold start: the first ``sim.invoke()`` of a function, which has to start an
  environment: fork from the (already running) zygote, private ``/tmp``,
  environment variables, ``sys.path``, import of the handler, then the invoke
  itself. Every sample uses a function of its own, all created before timing
  starts, and no environment ends while samples are taken (they all live until
  the simulator closes), so a sample is one fork + init + invoke and nothing
  else. Each sample starts 10 ms after the one before, as cold starts in a test
  suite are apart (``bench_all.py`` also reports them back to back). The Init
  Duration that REPORT shows is reported alongside.
- cold start after retire: the same, but on one function whose warm environment
  ``update_function_configuration`` has just retired (closed, its exit awaited);
  what a test sees right after changing a function. The zygote may still be
  cleaning up after the ended environment when the sample starts.

Targets (reported, never asserted): warm invoke at most 3x the pipe floor;
cold start at most 5 ms. Results go to a table on stdout and to JSON
(default ``benchmarks/results/latest.json``).
"""

import argparse
import contextlib
import gc
import importlib.util
import json
import os
import select
import platform
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Measure the lambdasim of this checkout, whether or not it was installed.
sys.path.insert(0, str(HERE.parent))

import lambdasim  # noqa: E402
from lambdasim import LambdaSim  # noqa: E402

HANDLERS = HERE / "handlers"
DEFAULT_JSON = HERE / "results" / "latest.json"
EVENT = {"order_id": "A-1", "items": [{"sku": "tea", "qty": 2}]}

WARM_TARGET_RATIO = 3.0
COLD_TARGET_MS = 5.0

#: (warm-up rounds, samples) per figure; the direct call is (batches, calls per batch).
FULL = {"direct": (200, 10_000), "pipe": (500, 10_000), "warm": (500, 10_000), "cold": (5, 200)}
QUICK = {"direct": (20, 1_000), "pipe": (50, 200), "warm": (20, 200), "cold": (2, 10)}

_PREFIX = struct.Struct("!II")
# The child echoes frames until end of file; stdlib only, no site (-I -S). An
# argument pins it to that CPU.
_ECHO_CHILD = r"""
import os, struct, sys
if len(sys.argv) > 1:
    os.sched_setaffinity(0, {int(sys.argv[1])})
prefix = struct.Struct("!II")
def read_exactly(n):
    data = b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit(0)
        data += chunk
    return data
while True:
    head = read_exactly(prefix.size)
    size = sum(prefix.unpack(head))
    frame = head + (read_exactly(size) if size else b"")
    while frame:
        frame = frame[os.write(1, frame):]
"""


#: The same exchange through lambdasim's own framing code on both sides: the
#: child decodes the request (JSON header) and answers with a framed reply; the
#: parent encodes, polls and decodes as an environment's parent side does.
_FRAMED_CHILD = r"""
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("protocol", sys.argv[1])
protocol = importlib.util.module_from_spec(spec)
spec.loader.exec_module(protocol)
commands = open(0, "rb", buffering=1 << 16)
while True:
    try:
        header, body = protocol.read_frame(commands)
    except EOFError:
        raise SystemExit(0)
    protocol.write_frame(1, {"op": "result", "maxrss_kb": 14000}, body)
"""


# --- statistics ---------------------------------------------------------------


def summary(samples_ns, unit_ns):
    """Median and p99 (nearest rank) of ``samples_ns``, in units of ``unit_ns``."""
    ordered = sorted(samples_ns)
    count = len(ordered)
    median = (ordered[(count - 1) // 2] + ordered[count // 2]) / 2
    p99 = ordered[max(0, -(-99 * count // 100) - 1)]
    return {"median": round(median / unit_ns, 4), "p99": round(p99 / unit_ns, 4), "samples": count}


# --- floors -------------------------------------------------------------------


def load_noop():
    spec = importlib.util.spec_from_file_location("bench_noop", HANDLERS / "noop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def measure_direct_call(batches, per_batch):
    handler = load_noop()
    event = EVENT
    clock = time.perf_counter_ns
    calls = range(per_batch)
    for _ in calls:  # warm-up
        handler(event, None)
    samples = []
    for _ in range(batches):
        started = clock()
        for _ in calls:
            handler(event, None)
        samples.append((clock() - started) / per_batch)
    return samples


#: The header fields of a warm invoke's request, as lambdasim sends them.
INVOKE_HEADER = {
    "op": "invoke",
    "request_id": "3f1c9a2e-6b7d-4e0a-9c51-2d8e4f6a7b90",
    "deadline_ms": 1_800_000_000_000,
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:noop",
}


def invoke_frame():
    """A frame the size of a warm invoke's request: lambdasim's header fields and the event."""
    head = json.dumps(INVOKE_HEADER, separators=(",", ":")).encode()
    body = json.dumps(EVENT, separators=(",", ":")).encode()
    return _PREFIX.pack(len(head), len(body)) + head + body


def measure_pipe_round_trip(warmup, count, parent_cpu=None, child_cpu=None):
    """Round trips to an echo child; with CPUs given, this thread and the child are pinned."""
    pin = [] if child_cpu is None else [str(child_cpu)]
    saved = os.sched_getaffinity(0)
    if parent_cpu is not None:
        os.sched_setaffinity(0, {parent_cpu})
    child = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _ECHO_CHILD, *pin],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
    )
    to_child, from_child = child.stdin.fileno(), child.stdout.fileno()
    frame = invoke_frame()
    size = len(frame)

    def round_trip():
        os.write(to_child, frame)
        received = 0
        while received < size:
            chunk = os.read(from_child, size - received)
            if not chunk:
                raise RuntimeError("the echo child exited")
            received += len(chunk)

    try:
        return time_round_trips(round_trip, warmup, count)
    finally:
        stop_echo_child(child)
        os.sched_setaffinity(0, saved)


def time_round_trips(round_trip, warmup, count):
    """Nanoseconds of ``count`` calls of ``round_trip`` after ``warmup`` untimed ones."""
    return interleave({"round trip": round_trip}, warmup, count, blocks=1)["round trip"]


def stop_echo_child(child):
    """End an echo child: close its input, wait with a bound, then kill."""
    child.stdin.close()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(timeout=5)
    child.stdout.close()


@contextlib.contextmanager
def framed_echo():
    """A framed echo child, and the round trip to it through lambdasim's protocol
    module, with poll() as the parent waits: yields the round trip; ends the child."""
    protocol_path = os.path.join(os.path.dirname(lambdasim.__file__), "_runtime", "protocol.py")
    child = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _FRAMED_CHILD, protocol_path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
    )
    from lambdasim._runtime import protocol

    to_child, from_child = child.stdin.fileno(), child.stdout.fileno()
    header = INVOKE_HEADER
    body = json.dumps(EVENT, separators=(",", ":")).encode()
    poller = select.poll()
    poller.register(from_child, select.POLLIN)
    reader = protocol.FrameReader()

    def round_trip():
        protocol.write_all(to_child, protocol.pack(header, body))
        while True:
            if reader.take() is not None:
                return
            poller.poll(5000)
            chunk = os.read(from_child, reader.wanted())
            if not chunk:
                raise RuntimeError("the framed echo child exited")
            reader.feed(chunk)

    try:
        yield round_trip
    finally:
        stop_echo_child(child)


def measure_framed_round_trip(warmup, count):
    """Round trips through lambdasim's protocol module, with poll() as the parent waits."""
    with framed_echo() as round_trip:
        return time_round_trips(round_trip, warmup, count)


def interleave(calls, warmup, count, blocks=20):
    """Samples (ns) of each of ``calls`` (name -> callable), ``count`` each, taken in
    ``blocks`` rounds that alternate between them (in a rotating order), after
    ``warmup`` untimed calls of each.

    A figure and its floor measured minutes apart on a shared VM can differ by 1.5x
    from the machine alone; taken in alternating blocks, both see the same machine.
    """
    clock = time.perf_counter_ns
    names = list(calls)
    samples = {name: [] for name in names}
    for name in names:
        for _ in range(warmup):
            calls[name]()
    blocks = max(1, min(blocks, count))
    bounds = [count * index // blocks for index in range(blocks + 1)]  # blocks differ by one at most
    for index in range(blocks):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            call, taken = calls[name], samples[name]
            for _ in range(bounds[index + 1] - bounds[index]):
                started = clock()
                call()
                taken.append(clock() - started)
    return samples


def measure_pinned_pipe_round_trips(warmup, count):
    """The floor with both processes on one CPU, and on two; None where there is one CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    same = summary(measure_pipe_round_trip(warmup, count, cpus[0], cpus[0]), 1_000)
    cross = None
    if len(cpus) > 1:
        cross = summary(measure_pipe_round_trip(warmup, count, cpus[0], cpus[1]), 1_000)
    return same, cross


# --- lambdasim ----------------------------------------------------------------


def measure_warm_invoke(sim, warmup, count, name="noop"):
    sim.create_function(name, handler="noop.handler", code=HANDLERS)
    for _ in range(warmup):
        sim.invoke(name, EVENT).raise_for_error()
    invoke = sim.invoke
    clock = time.perf_counter_ns
    samples, cold = [], 0
    for _ in range(count):
        started = clock()
        result = invoke(name, EVENT)
        samples.append(clock() - started)
        cold += result.cold_start
    if cold:
        raise RuntimeError(f"{cold} of the warm samples were cold starts")
    return samples


#: The pause before each cold start of the ``cold start`` figure: what a test's own
#: code takes between one test's cold start and the next (docs/performance.md).
COLD_START_PAUSE = 0.010


def measure_cold_start(sim, warmup, count, pause=COLD_START_PAUSE, prefix="cold", code=None):
    """Cold starts of fresh functions, each ``pause`` seconds after the one before
    (0: back to back, which the zygote's spares cannot keep up with).

    ``code(name)`` gives each function its code; by default they share the
    benchmark's handler directory, whose handler is compiled (``.pyc``) after the
    first import.
    """
    names = [f"{prefix}-{index}" for index in range(warmup + count)]
    for name in names:
        sim.create_function(name, handler="noop.handler", code=HANDLERS if code is None else code(name))
    clock = time.perf_counter_ns
    samples, init_durations = [], []
    for index, name in enumerate(names):
        if pause:
            time.sleep(pause)
        started = clock()
        result = sim.invoke(name, EVENT)
        elapsed = clock() - started
        result.raise_for_error()
        if not result.cold_start:
            raise RuntimeError(f"the first invoke of {name} was not a cold start")
        if index >= warmup:
            samples.append(elapsed)
            init_durations.append(result.init_duration_ms * 1e6)
    sandbox = sim.environments(names[0])[0].sandbox.mode
    return samples, init_durations, sandbox


def measure_cold_start_after_retire(sim, warmup, count):
    sim.create_function("noop-retired", handler="noop.handler", code=HANDLERS)
    sim.invoke("noop-retired", EVENT).raise_for_error()
    clock = time.perf_counter_ns
    samples = []
    for index in range(warmup + count):
        # Retire (close) the warm environment, so the next invoke forks a new one.
        sim.update_function_configuration("noop-retired", description=f"sample {index}")
        started = clock()
        result = sim.invoke("noop-retired", EVENT)
        elapsed = clock() - started
        result.raise_for_error()
        if not result.cold_start:
            raise RuntimeError("a sample after retiring reused a warm environment")
        if index >= warmup:
            samples.append(elapsed)
    return samples


# --- report -------------------------------------------------------------------


def run(plan):
    figures = {}
    gc.collect()
    batches, per_batch = plan["direct"]
    figures["direct_call_us"] = summary(measure_direct_call(batches, per_batch), 1_000)
    gc.collect()
    figures["pipe_round_trip_us"] = summary(measure_pipe_round_trip(*plan["pipe"]), 1_000)
    figures["framed_round_trip_us"] = summary(measure_framed_round_trip(*plan["pipe"]), 1_000)
    same, cross = measure_pinned_pipe_round_trips(*plan["pipe"])
    figures["pipe_round_trip_same_cpu_us"] = same
    figures["pipe_round_trip_two_cpus_us"] = cross
    with LambdaSim() as sim:
        gc.collect()
        figures["warm_invoke_us"] = summary(measure_warm_invoke(sim, *plan["warm"]), 1_000)
        gc.collect()
        retired = measure_cold_start_after_retire(sim, *plan["cold"])
        # Last: its environments stay alive until the simulator closes.
        gc.collect()
        cold, init, sandbox = measure_cold_start(sim, *plan["cold"])
        figures["cold_start_ms"] = summary(cold, 1_000_000)
        figures["cold_init_duration_ms"] = summary(init, 1_000_000)
        figures["cold_start_after_retire_ms"] = summary(retired, 1_000_000)
    return figures, sandbox


def report(figures, sandbox, quick):
    warm = figures["warm_invoke_us"]["median"]
    pipe = figures["pipe_round_trip_us"]["median"]
    direct = figures["direct_call_us"]["median"]
    cold = figures["cold_start_ms"]["median"]
    warm_ratio = round(warm / pipe, 2)
    return {
        "benchmark": "bench_invoke",
        "schema_version": 1,
        "quick": quick,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "lambdasim": lambdasim.__version__,
            "sandbox": sandbox,
        },
        "figures": figures,
        "ratios": {
            "warm_over_pipe_floor": warm_ratio,
            "warm_over_framed_floor": _ratio(warm, figures["framed_round_trip_us"]),
            "warm_over_pipe_floor_same_cpu": _ratio(warm, figures["pipe_round_trip_same_cpu_us"]),
            "warm_over_pipe_floor_two_cpus": _ratio(warm, figures["pipe_round_trip_two_cpus_us"]),
            "warm_over_direct_call": round(warm / direct, 1),
        },
        "targets": {
            "warm_over_pipe_floor": {
                "max": WARM_TARGET_RATIO, "value": warm_ratio, "met": warm_ratio <= WARM_TARGET_RATIO,
            },
            "cold_start_ms": {"max": COLD_TARGET_MS, "value": cold, "met": cold <= COLD_TARGET_MS},
        },
        "method": {
            "cold_start": (
                "the first sim.invoke() of a function of its own per sample, all created beforehand, "
                "no environment ending meanwhile: fork from the running zygote, fresh sandbox, "
                "import of the handler, invoke"
            ),
            "cold_start_after_retire": (
                "sim.invoke() right after update_function_configuration retired the function's warm "
                "environment"
            ),
            "pipe_round_trip": "one length-prefixed frame echoed by a child process over two pipes",
            "direct_call": "per-call mean within a batch, loop overhead included",
        },
    }


def _ratio(warm, floor):
    return None if floor is None else round(warm / floor["median"], 2)


def print_table(result):
    env = result["environment"]
    figures = result["figures"]
    print(
        f"lambdasim {env['lambdasim']} invoke benchmark: Python {env['python']}, "
        f"{env['cpu_count']} CPUs, sandbox {env['sandbox']}{', quick' if result['quick'] else ''}"
    )
    rows = [
        ("direct call", figures["direct_call_us"], "us"),
        ("pipe round trip (floor)", figures["pipe_round_trip_us"], "us"),
        ("framed round trip (protocol floor)", figures["framed_round_trip_us"], "us"),
        ("  pinned to one CPU", figures["pipe_round_trip_same_cpu_us"], "us"),
        ("  pinned to two CPUs", figures["pipe_round_trip_two_cpus_us"], "us"),
        ("warm invoke", figures["warm_invoke_us"], "us"),
        ("cold start (invoke)", figures["cold_start_ms"], "ms"),
        ("  Init Duration in REPORT", figures["cold_init_duration_ms"], "ms"),
        ("cold start after retire", figures["cold_start_after_retire_ms"], "ms"),
    ]
    print(f"\n{'figure':<28}{'median':>12}{'p99':>12}{'samples':>10}")
    for name, figure, unit in rows:
        if figure is not None:
            median, p99 = f"{figure['median']:.3f} {unit}", f"{figure['p99']:.3f} {unit}"
            print(f"{name:<28}{median:>12}{p99:>12}{figure['samples']:>10}")
    targets, ratios = result["targets"], result["ratios"]
    warm, cold = targets["warm_over_pipe_floor"], targets["cold_start_ms"]
    print()
    print(
        f"warm invoke / pipe floor   {warm['value']:>6.2f}x   target <= {warm['max']:g}x   "
        f"{'met' if warm['met'] else 'MISSED'}"
    )
    pinned = (
        ("warm_over_framed_floor", "the framed floor"),
        ("warm_over_pipe_floor_same_cpu", "floor pinned to one CPU"),
        ("warm_over_pipe_floor_two_cpus", "floor pinned to two CPUs"),
    )
    for key, label in pinned:
        if ratios[key] is not None:
            print(f"  / {label:<22} {ratios[key]:>6.2f}x")
    print(
        f"cold start                 {cold['value']:>6.2f} ms  target <= {cold['max']:g} ms  "
        f"{'met' if cold['met'] else 'MISSED'}"
    )
    print(f"warm invoke / direct call  {ratios['warm_over_direct_call']:>6.0f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations: proves the benchmark runs")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write results (default {DEFAULT_JSON})"
    )
    args = parser.parse_args(argv)
    figures, sandbox = run(QUICK if args.quick else FULL)
    result = report(figures, sandbox, args.quick)
    print_table(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
