"""Imports inside an environment: sys.path order, working directory, handler strings (spec §1.1, §8)."""

import os

import attrs
import pytest

from conftest import HANDLERS, task_root

from lambdasim._sandbox._zygote import RUNTIME_DIR

LAYOUT = HANDLERS / "layout"
SHADOW = HANDLERS / "shadow"


@pytest.fixture
def layout(sim):
    """Create a function on tests/handlers/layout with the given handler string."""

    def create(handler, name="layout", **settings):
        sim.create_function(name, handler=handler, code=str(LAYOUT), **settings)
        return name

    return create


@pytest.mark.parametrize("runtime, minor", [("python3.10", 10), ("python3.12", 12), ("python3.14", 14)])
def test_sys_path_starts_with_the_task_root_then_the_layer_paths_of_the_declared_runtime(
    sim, layout, runtime, minor
):
    layout("probe.paths", runtime=runtime)
    seen = sim.invoke("layout").payload
    root = task_root(sim, "layout")
    assert seen["sys_path"][:3] == [
        root,
        f"/opt/python/lib/python3.{minor}/site-packages",
        "/opt/python",
    ]
    assert seen["task_root"] == root


def test_user_pythonpath_follows_the_task_root_and_drops_the_layer_paths(sim, layout):
    layout("probe.paths", environment={"PYTHONPATH": "/srv/first:/srv/second"})
    sys_path = sim.invoke("layout").payload["sys_path"]
    assert sys_path[:3] == [task_root(sim, "layout"), "/srv/first", "/srv/second"]
    assert not [entry for entry in sys_path if entry.startswith("/opt/python")]


def test_working_directory_is_the_task_root(sim, layout):
    layout("probe.paths")
    seen = sim.invoke("layout").payload
    assert seen["cwd"] == seen["task_root"] == task_root(sim, "layout")


def test_test_process_sys_path_additions_do_not_reach_the_handler(sim, layout):
    layout("probe.paths")
    sys_path = sim.invoke("layout").payload["sys_path"]
    # pytest puts tests/ on the test process's sys.path for conftest; handlers must not see it.
    assert str(HANDLERS.parent) not in sys_path
    assert "" not in sys_path


def test_dotted_package_handler_runs_package_inits_during_init(sim, layout):
    layout("pkg.sub.module.func")
    result = sim.invoke("layout")
    assert result.payload == {"module": "pkg.sub.module", "package_initialized": True}
    init_output = result.logs[: result.logs.index("START RequestId:")]
    assert init_output.endswith("pkg/__init__.py ran\npkg/sub/__init__.py ran\n")
    assert "ran" not in result.logs[result.logs.index("START RequestId:") :]


@pytest.mark.parametrize(
    "handler, module",
    [
        ("dir/sub.module.func", "dir.sub.module"),
        ("dir/sub/module.func", "dir.sub.module"),
        ("dir.sub.module.func", "dir.sub.module"),
    ],
)
def test_slashes_in_the_module_part_import_namespace_packages(sim, layout, handler, module):
    layout(handler)
    assert sim.invoke("layout").payload == {"module": module, "dir_is_namespace": True}


def test_sam_style_src_handler_resolves(sim, layout):
    layout("src/hello_world.app.lambda_handler")
    assert sim.invoke("layout").payload == {"module": "src.hello_world.app"}


def test_installed_packages_of_the_test_interpreter_are_importable(sim, layout):
    layout("probe.import_attrs")
    seen = sim.invoke("layout").payload
    private_tmp = sim.environments("layout")[0].sandbox.mode == "namespace"
    if attrs.__file__.startswith("/tmp/") and private_tmp:
        # An interpreter under /tmp (a virtualenv there) is bound outside the
        # private /tmp, into the simulator's work directory (inline mode and the
        # no-namespace fallback have no private /tmp, so nothing moves there).
        site_packages = os.path.dirname(os.path.dirname(attrs.__file__))
        assert seen.startswith(sim._workdir + os.sep)
        assert seen.endswith(os.sep + os.path.relpath(attrs.__file__, site_packages))
    else:
        assert seen == attrs.__file__


def test_lambdasim_runtime_directory_is_not_on_sys_path(sim, layout):
    layout("probe.paths")
    sys_path = sim.invoke("layout").payload["sys_path"]
    assert RUNTIME_DIR not in sys_path
    assert not [entry for entry in sys_path if entry.rstrip("/").endswith("lambdasim/_runtime")]


@pytest.mark.parametrize("module", ["bootstrap", "protocol", "zygote", "context", "errors", "logs", "linux"])
def test_handler_module_named_like_a_runtime_module_is_imported_from_the_task_root(sim, module):
    sim.create_function("shadow", handler=f"{module}.handler", code=str(SHADOW))
    result = sim.invoke("shadow")
    assert result.function_error is None, result.payload
    assert result.payload == os.path.join(task_root(sim, "shadow"), f"{module}.py")
