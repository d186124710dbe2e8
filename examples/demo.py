"""lambdasim in one minute: a cold start, a warm invoke, a timeout and a throttle.

Run it with ``python examples/demo.py`` (Linux). It uses the function in
``examples/orders`` and takes about a second, most of it the timeout.
"""

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Use the lambdasim of this checkout, whether or not it was installed.
sys.path.insert(0, str(HERE.parent))

from lambdasim import LambdaSim, TooManyRequestsException  # noqa: E402

ORDERS = HERE / "orders"


def heading(title):
    print(f"\n=== {title} ===")


def show(result):
    """Print the exact payload bytes and the log, START to REPORT (TABs shown as two spaces)."""
    if result.function_error:
        print(f"function_error: {result.function_error}")
    print(f"payload: {result.raw_payload.decode('utf-8', 'replace')}")
    print("logs:")
    for line in result.logs.splitlines():
        print("  " + line.replace("\t", "  "))


def main():
    with LambdaSim() as sim:
        sim.create_function(
            "orders", handler="app.handler", code=ORDERS, environment={"CURRENCY": "EUR"}
        )

        heading("1. Cold start: a new environment runs init first")
        show(sim.invoke("orders", {"order_id": "A-1", "items": [{"sku": "tea", "qty": 2}]}))

        heading("2. Warm: same environment, no init; globals and /tmp kept")
        show(sim.invoke("orders", {"order_id": "A-2", "items": [{"sku": "cake", "qty": 1}]}))
        env = sim.environments("orders")[0]
        print(f"the test can look inside its /tmp: {sorted(os.listdir(Path(env.tmp_path, 'receipts')))}")

        heading("3. Timeout: timeout=1, and the handler sleeps for 3 s")
        sim.create_function("orders-slow", handler="app.handler", code=ORDERS, timeout=1)
        sim.invoke("orders-slow", {"order_id": "B-1"})
        started = time.perf_counter()
        show(sim.invoke("orders-slow", {"order_id": "B-2", "slow": True, "seconds": 3}))
        print(f"returned after {time.perf_counter() - started:.2f} s: the process was killed at the timeout")
        after = sim.invoke("orders-slow", {"order_id": "B-3"})
        print(
            f"next invoke: cold_start={after.cold_start}, orders_seen={after.payload['orders_seen']} "
            f"(globals reset), receipts={after.payload['receipts']} (/tmp kept)"
        )

        throttle(sim)


def throttle(sim):
    """Reserved concurrency 0 throttles every invoke (prints nothing where that is not simulated)."""
    sim.create_function("orders-paused", handler="app.handler", code=ORDERS, reserved_concurrency=0)
    try:
        sim.invoke("orders-paused", {"order_id": "C-1"})
    except TooManyRequestsException as error:
        heading("4. Throttled: reserved_concurrency=0")
        print(f"{type(error).__name__} (HTTP {error.status_code}, reason {error.reason}): {error}")


if __name__ == "__main__":
    main()
