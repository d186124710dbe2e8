"""Start a simulator with busy and idle environments and a setsid() escapee, print every pid, then wait.

Run by tests/test_parent_death.py, which SIGKILLs this process.
"""

import json
import sys
import threading
import time

from lambdasim import LambdaSim

code = sys.argv[1]
sim = LambdaSim()
sim.create_function("idle", handler="app.spawn_escapee", code=code)
sim.create_function("busy", handler="app.ignore_sigterm_and_sleep", code=code, timeout=900)
escapee = sim.invoke("idle").payload
threading.Thread(target=sim.invoke, args=("busy", {"seconds": 600}), daemon=True).start()
while not any(env.pid for env in sim.environments("busy")):
    time.sleep(0.01)
time.sleep(0.2)
pids = [sim._zygote.pid, escapee]
pids += [env.pid for name in ("idle", "busy") for env in sim.environments(name)]
print(json.dumps(pids), flush=True)
time.sleep(600)
