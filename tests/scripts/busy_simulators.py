"""Start two simulators, one owning its zygote and one on a shared zygote, with busy, idle and
misbehaving environments; print every process below this one and the work directories; wait.

Run by tests/test_parent_death.py, which SIGKILLs this process.
"""

import json
import os
import sys
import threading
import time

from lambdasim import LambdaSim, Zygote
from lambdasim._runtime.linux import descendants

basic, misbehave = sys.argv[1], sys.argv[2]
owner = LambdaSim()
shared = Zygote()
guest = LambdaSim(zygote=shared)
for sim in (owner, guest):
    sim.create_function("idle", handler="app.spawn_escapee", code=basic)
    sim.create_function("busy", handler="app.ignore_sigterm_and_sleep", code=basic, timeout=900)
    sim.create_function("session", handler="app.new_session", code=misbehave, timeout=900)
    sim.create_function("deaf", handler="app.ignore_signals", code=misbehave, timeout=900)
    sim.create_function("spin", handler="app.spin", code=misbehave, timeout=900)
    sim.invoke("idle")
    sim.invoke("deaf")  # idle, ignoring signals
    for name, event in (("busy", {"seconds": 600}), ("session", {"sleep": 600}), ("spin", {})):
        threading.Thread(target=sim.invoke, args=(name, event), daemon=True).start()
busy = [(sim, name) for sim in (owner, guest) for name in ("busy", "session", "spin")]
while not all(env.pid for sim, name in busy for env in sim.environments(name)) or not all(
    sim.environments(name) for sim, name in busy
):
    time.sleep(0.01)
time.sleep(0.3)  # the busy handlers are past reading their requests
print(json.dumps({"pids": descendants(os.getpid()), "workdirs": [owner._workdir, guest._workdir]}), flush=True)
time.sleep(600)
