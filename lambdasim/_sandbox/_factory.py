"""How a simulator makes execution environments: its work directory, sandboxes, the spec sent at fork."""

from __future__ import annotations

import os
import threading
import warnings
from typing import Dict, Optional, Sequence

from .. import _clock
from .._code import CodePackage
from .._config import FunctionConfig
from ._environment import ExecutionEnvironment, Sandbox
from ._spec import bootstrap_candidates, environment_variables, log_stream_name, passthrough_variables, python_path
from ._zygote import RUNTIME_DIR, Zygote


class EnvironmentFactory:
    """Builds the environments of one simulator and owns its work directory.

    The work directory lives outside ``/tmp`` (a private ``/tmp`` would hide
    it): extracted code, sandboxes without namespaces, and the staging mount
    points of code and interpreter paths that live under the host's ``/tmp``.
    """

    def __init__(
        self, zygote: Zygote, *, region: str, private_tmp: bool, enforce_memory: bool, passthrough_env: tuple,
        freeze_idle: bool = True,
    ) -> None:
        self.zygote = zygote
        self.region = region
        #: Variables the simulator adds to every new environment (``AWS_ENDPOINT_URL``, ...).
        self.service_variables: Dict[str, str] = {}
        self.private_tmp = private_tmp
        self.enforce_memory = enforce_memory
        self.freeze_idle = freeze_idle
        self._passthrough = passthrough_variables(passthrough_env)
        base = _workdir_base()
        _remove_abandoned_workdirs(base)
        self.workdir = _mkdtemp(f"lambdasim-{os.getpid()}-", base)
        self._lock = threading.Lock()
        self._staging: Dict[str, str] = {}
        self._warned_fallback = False
        #: ``AWS_ENDPOINT_URL_LAMBDA`` of new environments while a chaining server runs (``sim.serve(chain=True)``).
        self.lambda_endpoint: Optional[str] = None
        #: The bottom layer of every /opt overlay (see linux.mount_layers).
        self._empty = os.path.join(self.workdir, "empty")
        os.mkdir(self._empty)

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.workdir, ignore_errors=True)

    def create(
        self, config: FunctionConfig, code: CodePackage, version: str, layers: Sequence[str] = ()
    ) -> ExecutionEnvironment:
        """A new (cold) environment for one version of a function.

        ``layers`` are the directories laid out under ``/opt``, in the function's order.
        """
        self.zygote.start()
        private = self.private_tmp and not self.zygote.namespace_problem
        if self.private_tmp and not private and not self._warned_fallback:
            self._warned_fallback = True
            warnings.warn(
                "lambdasim: private /tmp is unavailable here "
                f"({self.zygote.namespace_problem}); each environment gets its own directory "
                "through TMPDIR instead, and the literal path /tmp is shared with the host",
                RuntimeWarning, stacklevel=4,
            )
        task_root, binds, tmp_dir = code.root, [], None
        if private:
            if _under(code.root, "/tmp"):
                # Mounting the private /tmp would hide this code: bind it
                # outside /tmp first and run it from there (DESIGN §3.1).
                task_root = self._staging_dir(code.root)
                binds.append([code.root, task_root])
        else:
            tmp_dir = _mkdtemp("tmp-", self.workdir)
        stream = log_stream_name(version, _clock.wall())
        sandbox = Sandbox(
            mode="namespace" if private else "directory", log_stream_name=stream,
            tmp_size_mb=config.ephemeral_storage, tmp_dir=tmp_dir,
        )
        env = environment_variables(
            function_name=config.function_name, version=version, runtime=config.runtime,
            handler=config.handler, memory_size=config.memory_size, region=self.region,
            task_root=task_root, log_group=config.log_group, log_stream=stream,
            user_variables=config.environment, passthrough=self._passthrough, tmp_dir=tmp_dir,
            service_variables=self.service_variables,
            lambda_endpoint=self.lambda_endpoint,
        )
        logging_config = config.logging_config or {}
        if logging_config.get("LogFormat") == "JSON":
            # What Lambda tells the runtime in JSON mode (spec §5.3); the platform's value wins.
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = logging_config.get("ApplicationLogLevel", "INFO")
        spec = {
            "handler": config.handler,
            "runtime": config.runtime,
            "task_root": task_root,
            "env": env,
            "sys_path": python_path(
                config.runtime, config.environment, task_root, None if private or not layers else layers
            ),
            "drop_sys_path": [RUNTIME_DIR],
            "sandbox": {
                "mode": sandbox.mode, "tmp_size_mb": config.ephemeral_storage, "binds": binds,
                "staging_root": os.path.join(self.workdir, "paths"),
                "layers": list(layers) if private else [],
                "empty_dir": self._empty,
            },
            "log_format": (config.logging_config or {}).get("LogFormat", "Text"),
        }
        kind = ExecutionEnvironment
        if config.runtime.startswith("provided"):
            # A custom runtime: the process execs its bootstrap (docs/custom-runtimes.md). Its
            # Runtime API server needs http.server: imported here, by the first one only.
            from ._custom import CustomRuntimeEnvironment

            kind = CustomRuntimeEnvironment
            spec["bootstrap"] = bootstrap_candidates(task_root)
        return kind(
            zygote=self.zygote, spec=spec, sandbox=sandbox, function_name=config.function_name,
            version=version, memory_limit_mb=config.memory_size if self.enforce_memory else None,
            freeze_idle=self.freeze_idle,
        )

    def _staging_dir(self, code_root: str) -> str:
        """The mount point outside /tmp where code from under /tmp runs (one per code directory)."""
        with self._lock:
            staging = self._staging.get(code_root)
            if staging is None:
                staging = self._staging[code_root] = _mkdtemp("task-", self.workdir)
            return staging


def _mkdtemp(prefix: str, directory: Optional[str]) -> str:
    """``tempfile.mkdtemp``. tempfile (and shutil, which it imports) are loaded by the
    first simulator, not by ``import lambdasim``."""
    import tempfile

    return tempfile.mkdtemp(prefix=prefix, dir=directory)


def _under(path: str, directory: str) -> bool:
    real = os.path.realpath(path)
    return real == directory or real.startswith(directory.rstrip("/") + "/")


def _remove_abandoned_workdirs(base: Optional[str]) -> None:
    """Remove work directories of test processes that died without closing their simulator."""
    import shutil
    import tempfile

    base = base or tempfile.gettempdir()
    for entry in os.scandir(base):
        parts = entry.name.split("-")
        if len(parts) < 3 or parts[0] != "lambdasim" or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except PermissionError:
            pass


def _workdir_base() -> Optional[str]:
    """A writable directory outside ``/tmp`` (mounting the private /tmp must not hide it)."""
    for candidate in ("/dev/shm", "/var/tmp"):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return None
