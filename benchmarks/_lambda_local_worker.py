"""Times python-lambda-local's ``call()`` for ``bench_all.py``, in a process of its own.

    python benchmarks/_lambda_local_worker.py WARMUP COUNT OUT.json

python-lambda-local configures the root logger to print to stdout at import and
starts a ``multiprocessing`` process per call (forked from the caller on Linux),
so it runs here, away from the benchmark's own process and threads. Writes
``{"version": ..., "samples_ns": [...]}`` to OUT.json; exits with status 3 when
python-lambda-local is not installed.
"""

import importlib.util
import json
import logging
import sys
import time
from pathlib import Path

HANDLERS = Path(__file__).resolve().parent / "handlers"
EVENT = {"order_id": "A-1", "items": [{"sku": "tea", "qty": 2}]}


def main(warmup, count, out):
    try:
        from lambda_local.context import Context
        from lambda_local.main import call
    except ImportError:
        return 3
    logging.disable(logging.CRITICAL)  # its INFO lines would go to stdout for every call
    try:
        from importlib.metadata import version

        installed = version("python-lambda-local")
    except Exception:
        installed = "unknown"
    spec = importlib.util.spec_from_file_location("bench_noop", HANDLERS / "noop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    clock = time.perf_counter_ns
    samples = []
    for index in range(warmup + count):
        context = Context(3, function_name="noop")
        started = clock()
        result, error_type = call(module.handler, EVENT, context)
        elapsed = clock() - started
        if error_type is not None:
            raise RuntimeError(f"python-lambda-local call() failed: {result}")
        if index >= warmup:
            samples.append(elapsed)
    Path(out).write_text(json.dumps({"version": installed, "samples_ns": samples}))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
