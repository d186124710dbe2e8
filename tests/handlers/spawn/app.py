"""Handlers that leave something running behind them."""

import os
import signal
import subprocess
import threading
import time


def spawn(event, context):
    child = subprocess.Popen(["sleep", "300"])
    return child.pid


def stop_soon(event, context):
    """Return, then stop the whole process (SIGSTOP): the next request stays unread."""

    def stop():
        time.sleep(event.get("delay", 0.05))
        os.kill(os.getpid(), signal.SIGSTOP)

    threading.Thread(target=stop, daemon=True).start()
    return "stopping"
