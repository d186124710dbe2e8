"""The handler's modules in an inline environment: imported afresh at init, kept, given back.

A cold start in a real environment imports the handler's code in a new process.
Inline, ``EnvironmentModules.import_handler`` takes the function's own modules
(user code under its task root, and the handler's package wherever the test
process imported it from) and the modules of other inline environments out of
``sys.modules``, imports the handler, and keeps what came from the task root as
the environment's. Those stay in ``sys.modules`` under their own names, so that
``mock.patch("app.attr")`` in the test reaches them; ``install`` puts them back
when another environment ran in between, and ``drop`` gives ``sys.modules`` back
what they displaced. The standard library, installed packages and lambdasim are
shared with the test process: C extensions cannot be imported twice, and a
debugging session wants one ``boto3``.
"""

from __future__ import annotations

import importlib
import os
import sys
import sysconfig
import weakref
from typing import Callable, Dict, List

from ._inline_call import LOCK
from ._runtime import errors

_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
_INSTALLED = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)
#: The standard library and lambdasim: never the handler's own modules.
_SHARED_PREFIXES = tuple(
    {_PACKAGE_DIR} | {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "platstdlib")}
)
#: Every module an inline environment imported for itself (weakly held).
_ENVIRONMENT_MODULES: "weakref.WeakSet" = weakref.WeakSet()


class EnvironmentModules:
    """The modules one inline environment imported for itself, by name, and what they displaced."""

    def __init__(self, task_root: str, handler: str) -> None:
        self.task_root = task_root
        self.handler = handler
        self._modules: Dict[str, object] = {}
        self._displaced: Dict[str, object] = {}

    def import_handler(self) -> Callable:
        """Resolve the handler with its module (and its task root's modules) imported afresh.

        Raises what ``errors.resolve_handler`` raises, with ``sys.modules`` as it was.
        """
        task_root = self.task_root
        modules = sys.modules
        top = self.handler.rsplit(".", 1)[0].replace("/", ".").split(".")[0]
        # The handler's own package, wherever the test process imported it from, is
        # imported afresh too (a new process would not have it).
        family = top not in sys.builtin_module_names
        evicted = {
            name: module for name, module in list(modules.items())
            if module in _ENVIRONMENT_MODULES or _owned_by(module, task_root)
            or (family and (name == top or name.startswith(top + ".")) and _user_code(module))
        }
        for name in evicted:
            del modules[name]
        before = set(modules)
        importlib.invalidate_caches()
        try:
            handler = errors.resolve_handler(self.handler)
        except BaseException:
            for name in set(modules) - before:
                if _owned_by(modules[name], task_root):
                    del modules[name]
            modules.update(evicted)
            raise
        mine = {name: modules[name] for name in set(modules) - before if _owned_by(modules[name], task_root)}
        for name, module in evicted.items():
            if name in mine:
                if module not in _ENVIRONMENT_MODULES:
                    self._displaced[name] = module
            elif name not in modules:
                modules[name] = module
        for module in mine.values():
            _ENVIRONMENT_MODULES.add(module)
        self._modules = mine
        return handler

    def install(self) -> None:
        """Make this environment's modules the ones ``sys.modules`` names (another environment may have run)."""
        modules = sys.modules
        for name, module in self._modules.items():
            current = modules.get(name)
            if current is module:
                continue
            if current is not None and current not in _ENVIRONMENT_MODULES and name not in self._displaced:
                self._displaced[name] = current
            modules[name] = module

    def drop(self) -> None:
        """Forget the modules; give ``sys.modules`` back what they displaced."""
        if not self._modules:
            return  # Nothing to give back: no need to wait for another thread's call.
        with LOCK:
            modules = sys.modules
            for name, module in self._modules.items():
                if modules.get(name) is module:
                    original = self._displaced.get(name)
                    if original is None:
                        del modules[name]
                    else:
                        modules[name] = original
            self._modules = {}
            self._displaced = {}


def _module_paths(module: object) -> List[str]:
    """Where a module was loaded from: its file, or a namespace package's directories."""
    try:
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            return [file]
        if file is None:
            return [p for p in getattr(module, "__path__", ()) if isinstance(p, str)]
    except Exception:
        pass
    return []


def _user_code(module: object) -> bool:
    """Whether ``module`` is user code: loaded from a file that is neither the standard
    library, an installed package nor lambdasim (those are shared with the test process)."""
    paths = _module_paths(module)
    return bool(paths) and all(
        not path.startswith(_SHARED_PREFIXES) and not any(part in path for part in _INSTALLED) for path in paths
    )


def _owned_by(module: object, task_root: str) -> bool:
    """Whether ``module`` is the function's own code: user code loaded from under its task root."""
    prefix = os.path.join(task_root, "")
    return _user_code(module) and any(path.startswith(prefix) for path in _module_paths(module))
