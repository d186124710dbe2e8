"""Orders: a small Lambda function that shows what an execution environment keeps.

- Init (the module import) loads the price list once and logs it: the first
  invoke in each environment pays for it and reports an Init Duration.
- ``ORDERS_SEEN`` is a module global: it counts on while the environment stays
  warm and starts from zero in a new one (or after a timeout or crash).
- Every order writes a receipt under the environment's own ``/tmp``, which
  survives from one invoke to the next, and even a timeout, but is never shared
  with another environment.
- ``{"slow": true}`` stands for a payment provider that hangs: the handler
  sleeps ``seconds`` (3 by default), long enough to hit a short function timeout.
- An unknown product raises ``UnknownProduct``: a function error, which comes
  back as a result with Lambda's error document, not as an exception.

Handler: ``app.handler``. Event: ``{"order_id": "A-1", "items": [{"sku": "tea", "qty": 2}]}``.
"""

import json
import logging
import os
import tempfile
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

CURRENCY = os.environ.get("CURRENCY", "EUR")
#: Prices in cents, "loaded" once per environment.
PRICES = {"tea": 350, "scone": 275, "cake": 420}
logger.info("price list loaded: %d products", len(PRICES))

ORDERS_SEEN = 0


class UnknownProduct(Exception):
    """The order names a product that is not on the price list."""


def handler(event, context):
    global ORDERS_SEEN
    ORDERS_SEEN += 1
    order_id = event["order_id"]
    total = 0
    for item in event.get("items", []):
        if item["sku"] not in PRICES:
            raise UnknownProduct(f"no price for {item['sku']!r}")
        total += PRICES[item["sku"]] * item.get("qty", 1)

    if event.get("slow"):
        print(f"order {order_id}: waiting for the payment provider")
        time.sleep(event.get("seconds", 3))

    # gettempdir() is /tmp on Lambda (and in lambdasim's private /tmp); it also
    # follows TMPDIR where lambdasim has to fall back to a directory per sandbox.
    receipts = os.path.join(tempfile.gettempdir(), "receipts")
    os.makedirs(receipts, exist_ok=True)
    path = os.path.join(receipts, f"{order_id}.json")
    with open(path, "w") as file:
        json.dump({"order_id": order_id, "total_cents": total, "currency": CURRENCY}, file)

    print(f"order {order_id}: {total / 100:.2f} {CURRENCY}")
    logger.info("receipt written to %s", path)
    return {
        "order_id": order_id,
        "total": f"{total / 100:.2f} {CURRENCY}",
        "orders_seen": ORDERS_SEEN,
        "receipts": sorted(os.listdir(receipts)),
    }
