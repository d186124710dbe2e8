"""Init takes as long as SLOW_INIT_SECONDS says; counts how many times it ran in /tmp."""

import os
import time

with open("/tmp/inits", "a") as file:
    file.write("x")
print("init starting")
time.sleep(float(os.environ.get("SLOW_INIT_SECONDS", "0")))
print("init done")


def handler(event, context):
    with open("/tmp/inits") as file:
        return {"inits": len(file.read())}


def remaining(event, context):
    return context.get_remaining_time_in_millis()
