"""The invoke benchmark runs end to end (``--quick``); its timings are never asserted."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {
    "direct_call_us",
    "pipe_round_trip_us",
    "framed_round_trip_us",
    "pipe_round_trip_same_cpu_us",
    "pipe_round_trip_two_cpus_us",
    "warm_invoke_us",
    "cold_start_ms",
    "cold_init_duration_ms",
    "cold_start_after_retire_ms",
}


def test_quick_benchmark_writes_every_figure_to_json(tmp_path):
    out = tmp_path / "out.json"
    completed = subprocess.run(
        [sys.executable, "benchmarks/bench_invoke.py", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(out.read_text())
    assert result["quick"] is True
    assert set(result["figures"]) == FIGURES
    for name, figure in result["figures"].items():
        if figure is None:
            assert name == "pipe_round_trip_two_cpus_us"  # a machine with one CPU
            continue
        assert set(figure) == {"median", "p99", "samples"}
        assert figure["samples"] > 0 and 0 < figure["median"] <= figure["p99"]
    assert set(result["ratios"]) == {
        "warm_over_pipe_floor",
        "warm_over_framed_floor",
        "warm_over_pipe_floor_same_cpu",
        "warm_over_pipe_floor_two_cpus",
        "warm_over_direct_call",
    }
    assert set(result["targets"]) == {"warm_over_pipe_floor", "cold_start_ms"}
    for target in result["targets"].values():
        assert set(target) == {"max", "value", "met"}
    assert {"python", "cpu_count", "lambdasim", "sandbox"} <= set(result["environment"])


ROWS = {
    "warm_invoke_median",
    "warm_invoke_p99",
    "cold_start",
    "cold_start_back_to_back",
    "cold_start_after_retire",
    "cold_start_from_source",
    "warm_invoke_sleeping",
    "lambda_local_vs_warm",
    "lambda_local_vs_cold",
    "sequential_10k",
    "event_1mb",
    "concurrent_environments",
    "threads_throughput",
    "idle_uss",
    "import_time",
    "import_bare",
    "fixture_overhead",
}
#: Rows that may be skipped: python-lambda-local is not a dependency of lambdasim.
OPTIONAL_ROWS = {"lambda_local_vs_warm", "lambda_local_vs_cold"}


def test_quick_run_of_every_benchmark_writes_every_row(tmp_path):
    out = tmp_path / "all.json"
    completed = subprocess.run(
        [sys.executable, "benchmarks/bench_all.py", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(out.read_text())
    assert result["quick"] is True
    assert set(result["rows"]) == ROWS
    for key, row in result["rows"].items():
        assert set(row) == {"label", "value", "unit", "floor", "floor_value", "ratio", "target"}
        assert row["label"] in completed.stdout
        if row["value"] is None:
            assert key in OPTIONAL_ROWS
            assert "pip install python-lambda-local" in completed.stdout
            continue
        if row["floor"] is not None:
            assert row["floor_value"] is not None
        if row["target"] is not None:
            assert row["target"]["met"] in (True, False)
    concurrent = result["figures"]["concurrent"]
    assert concurrent["running_at_once"] == 100
    assert concurrent["environments"] == 100
    assert result["figures"]["threads"]["threads"] == 16
    assert result["extra"]["event_1mb_bytes"] >= 1 << 20
    for floor in ("framed_round_trip_us", "zygote_fork_ms", "json_round_trip_1mb_ms", "python_startup_ms"):
        figure = result["floors"][floor]
        assert figure["samples"] > 0 and 0 < figure["median"] <= figure["p99"]
    assert {"python", "cpu_count", "cpu_model", "lambdasim"} <= set(result["environment"])
