"""The report of ``bench_all.py``: rows (figure, floor, ratio), targets, several runs, the table.

Kept apart from the measurements so either can change alone.
"""

from __future__ import annotations

import os
import platform

import lambdasim

#: Targets of tracker issue 8: (kind, bound); "max" rows must stay at or below it.
TARGETS = {
    "warm_invoke_median": ("ratio", "max", 2.0),
    "warm_invoke_p99": ("ratio", "max", 5.0),
    "cold_start": ("value", "max", 3.0),
    "lambda_local_vs_warm": ("ratio", "min", 20.0),
    "lambda_local_vs_cold": ("ratio", "min", 1.5),
    "sequential_10k": ("value", "max", 1.5),
    "event_1mb": ("ratio", "max", 3.0),
    "concurrent_environments": ("value", "min", 100),
    "idle_uss": ("value", "max", 3.0),
    "import_time": ("value", "max", 50.0),
    "fixture_overhead": ("value", "max", 5.0),
}


def rows(floors, figures):
    """The table: (key, label, value, unit, floor label, floor value, ratio)."""
    framed = floors["framed_round_trip_us"]["median"]
    warm = figures["warm_invoke_us"]
    sleeping = figures["warm_invoke_sleeping_us"]
    cold = figures["cold_start_ms"]
    fork = floors["zygote_fork_ms"]["median"]
    local = figures["lambda_local_call_ms"]
    json_floor = floors["json_round_trip_1mb_ms"]["median"]
    threads = figures["threads"]
    sequential_rate = 1e6 / warm["median"]
    table = [
        ("warm_invoke_median", "warm invoke, median", warm["median"], "us",
         "framed pipe round trip", framed, warm["median"] / framed),
        ("warm_invoke_p99", "warm invoke, p99", warm["p99"], "us",
         "framed pipe round trip", framed, warm["p99"] / framed),
        ("warm_invoke_sleeping", "warm invoke, polling off", sleeping["median"], "us",
         "framed pipe round trip", framed, sleeping["median"] / framed),
        ("cold_start", "cold start, median", cold["median"], "ms",
         "fork from warm zygote", fork, cold["median"] / fork),
        ("cold_start_back_to_back", "cold starts back to back", figures["cold_start_back_to_back_ms"]["median"],
         "ms", "fork from warm zygote", fork, figures["cold_start_back_to_back_ms"]["median"] / fork),
        ("cold_start_from_source", "cold start, handler from source",
         figures["cold_start_from_source_ms"]["median"], "ms", "fork from warm zygote", fork,
         figures["cold_start_from_source_ms"]["median"] / fork),
        ("cold_start_after_retire", "cold start after retire", figures["cold_start_after_retire_ms"]["median"],
         "ms", "fork from warm zygote", fork, figures["cold_start_after_retire_ms"]["median"] / fork),
        ("lambda_local_vs_warm", "python-lambda-local call()", None if local is None else local["median"],
         "ms", "our warm invoke", warm["median"] / 1000,
         None if local is None else local["median"] * 1000 / warm["median"]),
        ("lambda_local_vs_cold", "python-lambda-local call()", None if local is None else local["median"],
         "ms", "our cold start", cold["median"], None if local is None else local["median"] / cold["median"]),
        ("sequential_10k", "10,000 sequential warm invokes", figures["sequential_10k_s"], "s",
         "10,000 framed round trips", framed * 10_000 / 1e6, figures["sequential_10k_s"] / (framed * 10_000 / 1e6)),
        ("event_1mb", "1 MB event round trip", figures["event_1mb_ms"]["median"], "ms",
         "json.dumps + json.loads", json_floor, figures["event_1mb_ms"]["median"] / json_floor),
        ("concurrent_environments", "environments alive at once", figures["concurrent"]["running_at_once"], "",
         None, None, None),
        ("threads_throughput", f"{threads['invokes']} invokes, {threads['threads']} threads",
         threads["invokes_per_second"], "/s", "sequential warm rate", sequential_rate,
         threads["invokes_per_second"] / sequential_rate),
        ("idle_uss", "idle environment USS", figures["idle_environment_uss_mb"], "MB", None, None, None),
        ("import_time", "from lambdasim import LambdaSim", figures["import_simulator_ms"], "ms",
         "python -c pass", floors["python_startup_ms"]["median"],
         figures["python_import_simulator_ms"]["median"] / floors["python_startup_ms"]["median"]),
        ("import_bare", "import lambdasim", figures["import_lambdasim_ms"], "ms",
         "python -c pass", floors["python_startup_ms"]["median"],
         figures["python_import_lambdasim_ms"]["median"] / floors["python_startup_ms"]["median"]),
        ("fixture_overhead", "lambda_sim fixture, per test", figures["fixture_overhead_ms"], "ms",
         "plain pytest test", floors["pytest_plain_test_ms"]["median"], None),
    ]
    return table


def judge(key, value, ratio):
    target = TARGETS.get(key)
    if target is None:
        return None
    kind, direction, bound = target
    measured = ratio if kind == "ratio" else value
    if measured is None:
        return {"kind": kind, direction: bound, "value": None, "met": None}
    met = measured <= bound if direction == "max" else measured >= bound
    return {"kind": kind, direction: bound, "value": round(measured, 3), "met": met}


def report(floors, figures, extra, quick):
    table = {}
    for key, label, value, unit, floor_label, floor_value, ratio in rows(floors, figures):
        table[key] = {
            "label": label, "value": None if value is None else round(value, 4), "unit": unit,
            "floor": floor_label, "floor_value": None if floor_value is None else round(floor_value, 4),
            "ratio": None if ratio is None else round(ratio, 2), "target": judge(key, value, ratio),
        }
    return {
        "benchmark": "bench_all",
        "schema_version": 1,
        "quick": quick,
        "environment": machine(),
        "floors": floors,
        "figures": figures,
        "extra": extra,
        "rows": table,
    }


def combine(runs):
    """One result from several runs: each row's value, floor and ratio is its median over the runs.

    Floors, figures and details are those of the run whose warm invoke is the
    median one; every run's rows stay in ``runs``.
    """
    if len(runs) == 1:
        result = dict(runs[0])
        result["runs"] = [runs[0]["rows"]]
        return result
    ordered = sorted(runs, key=lambda run: run["rows"]["warm_invoke_median"]["value"])
    result = dict(ordered[(len(ordered) - 1) // 2])
    rows = {}
    for key, row in result["rows"].items():
        combined = dict(row)
        for field in ("value", "floor_value", "ratio"):
            values = [run["rows"][key][field] for run in runs if run["rows"][key][field] is not None]
            combined[field] = _median(values) if values else None
        combined["target"] = judge(key, combined["value"], combined["ratio"])
        rows[key] = combined
    result["rows"] = rows
    result["runs"] = [run["rows"] for run in runs]
    return result


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 4)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "lambdasim": lambdasim.__version__,
    }


def print_table(result):
    env = result["environment"]
    print(
        f"lambdasim {env['lambdasim']}: Python {env['python']}, {env['usable_cpus']} CPUs ({env['cpu_model']}), "
        f"sandbox {result['extra'].get('sandbox')}{', QUICK (rough figures)' if result['quick'] else ''}"
    )
    if len(result["runs"]) > 1:
        print(f"each row: the median of {len(result['runs'])} runs; details below: the median run")
    print(f"\n{'row':<34}{'value':>14}  {'floor':<28}{'floor value':>13}{'ratio':>9}  target")
    for key, row in result["rows"].items():
        value = "skipped" if row["value"] is None else f"{row['value']:g} {row['unit']}".strip()
        floor = row["floor"] or ""
        floor_value = "" if row["floor_value"] is None else f"{row['floor_value']:g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        target = row["target"]
        verdict = ""
        if target is not None:
            direction = "max" if "max" in target else "min"
            bound = target[direction]
            sign = "<=" if direction == "max" else ">="
            what = "ratio" if target["kind"] == "ratio" else "value"
            state = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
            verdict = f"{what} {sign} {bound:g}: {state}"
        print(f"{row['label']:<34}{value:>14}  {floor:<28}{floor_value:>13}{ratio:>9}  {verdict}")
    figures, floors, extra = result["figures"], result["floors"], result["extra"]
    print("\nfloors and details:")
    for name in ("pipe_round_trip_us", "framed_round_trip_us", "framed_round_trip_alone_us",
                 "pipe_round_trip_same_cpu_us", "pipe_round_trip_two_cpus_us", "zygote_fork_ms",
                 "json_round_trip_1mb_ms"):
        figure = floors[name]
        if figure is not None:
            print(f"  {name:<32} median {figure['median']:>10.3f}  p99 {figure['p99']:>10.3f}  n={figure['samples']}")
    for name in ("warm_invoke_us", "warm_invoke_sleeping_us"):
        warm = figures[name]
        print(f"  {name:<32} median {warm['median']:>10.3f}  p99 {warm['p99']:>10.3f}  n={warm['samples']}")
    init = figures["cold_init_duration_ms"]
    print(f"  {'Init Duration (REPORT), ms':<32} median {init['median']:>10.3f}  p99 {init['p99']:>10.3f}")
    concurrent_ = figures["concurrent"]
    print(
        f"  concurrent: {concurrent_['running_at_once']} running at once after "
        f"{concurrent_['seconds_to_all_running']} s, {concurrent_['environments']} environments, "
        f"{concurrent_['total_uss_mb']} MB USS in total"
    )
    threads = figures["threads"]
    print(
        f"  threads: {threads['invokes']} invokes in {threads['seconds']} s on {threads['environments']} "
        f"environments ({threads['cold_starts']} cold)"
    )
    print(f"  zygote USS {extra['zygote_uss_mb']} MB; 1 MB event is {extra['event_1mb_bytes']} bytes")
    if extra.get("lambda_local_version") is None:
        print("  python-lambda-local: not installed, rows skipped (pip install python-lambda-local, or --lambda-local-python PATH)")
    else:
        print(f"  python-lambda-local {extra['lambda_local_version']}")


def print_markdown(result):
    """The table as docs/performance.md shows it."""
    print("| row | lambdasim | floor (same run) | floor | ratio | target | met |")
    print("| --- | ---: | --- | ---: | ---: | --- | --- |")
    for row in result["rows"].values():
        value = "skipped" if row["value"] is None else f"{row['value']:g} {row['unit']}".strip()
        floor_value = "" if row["floor_value"] is None else f"{row['floor_value']:g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        target, verdict = row["target"], ""
        if target is not None:
            direction = "max" if "max" in target else "min"
            sign = "≤" if direction == "max" else "≥"
            bound = f"{target[direction]:g}{'x' if target['kind'] == 'ratio' else ' ' + row['unit']}".strip()
            verdict = f"{sign} {bound}"
        met = "" if target is None else {True: "yes", False: "**no**", None: "n/a"}[target["met"]]
        print(f"| {row['label']} | {value} | {row['floor'] or ''} | {floor_value} | {ratio} | {verdict} | {met} |")
