"""What importing lambdasim loads, without timing it (docs/performance.md).

``import lambdasim`` loads the exceptions only, ``from lambdasim import LambdaSim``
the simulator's core, and the pytest plugin (loaded in every pytest session of a
project that installs lambdasim) no more than ``import lambdasim``. Optional parts
load on first use. Each check runs a fresh interpreter and compares its modules with
what the same interpreter holds before the import (so coverage or site hooks that
load modules at start-up do not count).
"""

import importlib
import inspect
import json
import re
import subprocess
import sys
import textwrap
import threading

import pytest

import lambdasim
from lambdasim import LambdaSim
from lambdasim._pytest_plugin import MARKER_OPTIONS, SIMULATOR_KEYWORDS

pytest_plugins = ["pytester"]

#: Modules of optional parts: none may load before that part is used.
OPTIONAL = (
    "lambdasim._async_queue",  # Event invokes
    "lambdasim._boto",  # sim.client()
    "lambdasim._destinations",
    "lambdasim._esm",  # event source mappings
    "lambdasim._event_config",
    "lambdasim._inline",  # inline mode (debugging)
    "lambdasim._inline_call",
    "lambdasim._inline_modules",
    "lambdasim._layers",
    "lambdasim._moto",
    "lambdasim._roles",
    "lambdasim._runtime.bootstrap",  # the runtime runs in environments, or inline
    "lambdasim._runtime.marshal",
    "lambdasim._runtime_api",  # custom runtimes (provided.*)
    "lambdasim._sample_events",
    "lambdasim._sandbox._custom",
    "lambdasim._server",  # sim.serve()
    "lambdasim._template",  # templates
    "ctypes",
    "datetime",
    "decimal",
    "email",
    "http.client",
    "http.server",
    "logging",
    "secrets",
    "zipfile",
)
#: Standard modules the core needs only once a simulator runs something (or never, by itself).
HEAVY_STDLIB = ("hashlib", "queue", "shutil", "socket", "subprocess", "tempfile", "uuid")

#: The lazy public names and the module that defines each.
LAZY = {
    "AsyncInvocation": "lambdasim._async_queue",
    "Delivery": "lambdasim._destinations",
    "ExecutionEnvironment": "lambdasim._sandbox._environment",
    "Faults": "lambdasim._faults",
    "FunctionConfig": "lambdasim._config",
    "FunctionError": "lambdasim._result",
    "Invocation": "lambdasim._result",
    "InvokeResult": "lambdasim._result",
    "LambdaServer": "lambdasim._server",
    "LambdaSim": "lambdasim._service",
    "Stack": "lambdasim._template",
    "TemplateError": "lambdasim._template",
    "Zygote": "lambdasim._sandbox._zygote",
    "sample_event": "lambdasim._sample_events",
}

_PROBE = """
import json, sys
before = set(sys.modules)
{code}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def loaded_by(code: str) -> set:
    """The modules a fresh interpreter loads to run ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(code=code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded_any(modules: set, names) -> list:
    """The names (or their submodules) among ``modules``."""
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in names))


def test_import_lambdasim_loads_only_the_exceptions():
    loaded = loaded_by("import lambdasim")
    assert sorted(m for m in loaded if m.startswith("lambdasim")) == ["lambdasim", "lambdasim._errors"]
    assert loaded_any(loaded, OPTIONAL + HEAVY_STDLIB + ("attr", "attrs")) == []


def test_importing_the_simulator_loads_its_core_only():
    loaded = loaded_by("from lambdasim import LambdaSim")
    assert "lambdasim._service" in loaded
    # What attrs loads itself is not lambdasim's doing (on Python 3.9 and 3.10 its
    # use of platform imports subprocess).
    assert loaded_any(loaded - loaded_by("import attrs"), OPTIONAL + HEAVY_STDLIB) == []


def test_a_simulator_that_ran_a_function_has_not_loaded_the_optional_parts(tmp_path):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    loaded = loaded_by(textwrap.dedent(f"""
        from lambdasim import LambdaSim
        with LambdaSim() as sim:
            sim.create_function("echo", code={str(tmp_path)!r}, handler="app.handler")
            assert sim.invoke("echo", {{"k": 1}}).payload == {{"k": 1}}
            sim.drain()
            assert sim.invocations()[0].function_name == "echo"
    """))
    assert loaded_any(loaded, OPTIONAL) == []


def test_the_pytest_plugin_loads_no_more_than_import_lambdasim(pytester):
    pytester.makepyfile(
        """
        import json, sys

        def test_modules():
            print("MODULES", json.dumps(sorted(m for m in sys.modules if m.startswith("lambdasim"))))
        """
    )
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    (found,) = re.findall(r"MODULES (\[.*\])", result.stdout.str())
    assert json.loads(found) == ["lambdasim", "lambdasim._errors", "lambdasim._pytest_plugin"]


def test_the_plugin_knows_the_simulators_keywords_without_importing_it():
    assert SIMULATOR_KEYWORDS == tuple(inspect.signature(LambdaSim).parameters)
    assert set(MARKER_OPTIONS) == (
        set(inspect.signature(LambdaSim).parameters) - {"zygote"} | {"faults", "template", "template_parameters",
                                                                     "code_locations"}
    )


@pytest.mark.parametrize("name", sorted(LAZY))
def test_each_lazy_name_is_the_defining_modules_object(name):
    defined = getattr(importlib.import_module(LAZY[name]), name)
    assert getattr(lambdasim, name) is defined
    namespace: dict = {}
    exec(f"from lambdasim import {name}", namespace)
    assert namespace[name] is defined


def test_every_public_name_is_listed_and_star_imports():
    assert set(lambdasim.__all__) <= set(dir(lambdasim))
    namespace: dict = {}
    exec("from lambdasim import *", namespace)
    assert {name for name in namespace if not name.startswith("__")} == set(lambdasim.__all__)
    assert set(LAZY) <= set(lambdasim.__all__)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'lambdasim' has no attribute 'Lambdasim'"):
        lambdasim.Lambdasim  # noqa: B018
    with pytest.raises(ImportError):
        exec("from lambdasim import Lambdasim", {})


def test_inline_mode_warning_is_one_class_wherever_it_is_named():
    from lambdasim import _errors, _inline

    assert lambdasim.InlineModeWarning is _errors.InlineModeWarning is _inline.InlineModeWarning


# --- subsystems a simulator makes on first use --------------------------------------


def _threads(prefix: str) -> list:
    return [thread for thread in threading.enumerate() if thread.name.startswith(prefix)]


def test_a_simulator_makes_no_subsystem_it_does_not_use(tmp_path):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    with LambdaSim(inline=False) as sim:
        sim.create_function("echo", code=str(tmp_path), handler="app.handler")
        assert sim.invoke("echo", {"k": 1}).payload == {"k": 1}
        sim.delete_function("echo")
        assert sim.drain() == 0
        made = [sim._async_queue, sim._event_source_mappings, sim._layer_registry, sim._role_registry,
                sim._inline_factory]
        assert made == [None] * 5


def test_the_queue_made_with_an_endpoint_forwards_deliveries_there():
    with LambdaSim(aws_endpoint_url="http://127.0.0.1:9") as sim:
        assert sim._async.sinks.forward == sim._forward_delivery
        assert sim._async is sim._async  # made once
    with LambdaSim() as sim:
        assert sim._async.sinks.forward is None


def test_a_bad_async_dispatch_is_refused_when_the_simulator_is_made():
    with pytest.raises(lambdasim.InvalidParameterValueException, match="'async_dispatch' must be 'background'"):
        LambdaSim(async_dispatch="later")


def test_subsystems_reached_after_close_are_made_stopped():
    before = len(_threads("lambdasim-async"))
    sim = LambdaSim()
    sim.close()
    assert sim.sink("arn:aws:sqs:us-east-1:123456789012:dlq") == []
    assert sim.async_invocations() == []
    assert sim._async._stopped
    assert sim._event_sources._stop.is_set()
    assert len(_threads("lambdasim-async")) == before
