"""Each environment's private /tmp (DESIGN §3.1, spec §9): kept warm, private, sized, off the host."""

import errno
import os
import shutil
import threading
import uuid
from time import monotonic

import pytest

from conftest import BASIC, HANDLERS

STORAGE = HANDLERS / "storage"
#: Bound on waiting for a file to appear in a running environment's /tmp.
APPEAR_TIMEOUT = 10.0


@pytest.fixture
def storage(sim):
    """Create ``storage`` on tests/handlers/storage/app.py; the handler is ``tmp`` unless given."""

    def create(handler="tmp", **settings):
        sim.create_function("storage", handler=f"app.{handler}", code=str(STORAGE), **settings)
        return "storage"

    return create


@pytest.fixture
def private_tmp(sim):
    """Skip when this machine cannot give environments a private /tmp."""
    sim._zygote.start()
    problem = sim._zygote.namespace_problem
    if problem:
        pytest.skip(f"no private /tmp here (namespaces unavailable: {problem})")


def _host_tmp_snapshot(name):
    path = os.path.join("/tmp", name)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as file:
        return file.read()


def test_file_written_to_tmp_is_there_on_the_next_warm_invoke(sim, storage):
    storage()
    text = uuid.uuid4().hex
    written = sim.invoke("storage", {"write": text})
    read = sim.invoke("storage", {})
    assert written.payload["text"] == text
    assert not read.cold_start
    assert read.payload["text"] == text


def test_environment_tmp_starts_empty_and_holds_only_its_own_files(sim, storage, private_tmp):
    storage()
    assert sim.invoke("storage", {"write": "1"}).payload["listing"] == ["x"]


def test_tmp_is_inspectable_from_the_test(sim, storage):
    storage()
    text = uuid.uuid4().hex
    sim.invoke("storage", {"write": text})
    tmp_path = sim.environments("storage")[0].tmp_path
    with open(os.path.join(tmp_path, "x")) as file:
        assert file.read() == text


def test_writing_tmp_x_never_touches_the_hosts_tmp(sim, storage, private_tmp):
    storage()
    before = _host_tmp_snapshot("x")
    text = uuid.uuid4().hex
    sim.invoke("storage", {"write": text})
    assert _host_tmp_snapshot("x") == before


def test_a_concurrent_environment_does_not_see_another_environments_tmp(sim, storage, private_tmp):
    storage(timeout=30)
    text = uuid.uuid4().hex
    results = []
    holder = threading.Thread(
        target=lambda: results.append(sim.invoke("storage", {"write": text, "until": "go"}))
    )
    holder.start()
    first_env = None
    try:
        first_env = _wait_for_file(sim, "storage", "x")
        # The first environment is busy until /tmp/go exists: this invoke gets a second one.
        other = sim.invoke("storage", {})
    finally:
        if first_env is not None:
            open(os.path.join(first_env.tmp_path, "go"), "w").close()
        holder.join(30)
    assert other.cold_start
    assert other.payload == {"text": None, "listing": []}
    assert results[0].payload == {"text": text, "listing": ["go", "x"]}
    assert len(sim.environments("storage")) == 2


def test_an_environment_started_after_an_update_has_an_empty_tmp(sim, storage, private_tmp):
    storage()
    sim.invoke("storage", {"write": "old environment"})
    sim.update_function_configuration("storage", description="retire the environment")
    fresh = sim.invoke("storage", {})
    assert fresh.cold_start
    assert fresh.payload == {"text": None, "listing": []}


def test_tmp_survives_a_runtime_crash_in_the_same_environment(sim, storage):
    storage()
    text = uuid.uuid4().hex
    crashed = sim.invoke("storage", {"write": text, "crash": True})
    after = sim.invoke("storage", {})
    assert crashed.payload["errorType"] == "Runtime.ExitError"
    assert after.cold_start
    assert after.payload["text"] == text


def test_writing_more_than_ephemeral_storage_fails_with_enospc(sim, storage, private_tmp):
    storage("fill", ephemeral_storage=512, timeout=120)
    result = sim.invoke("storage", {"limit_mb": 1024})
    assert result.function_error is None, result.payload
    assert result.payload["errno"] == errno.ENOSPC == 28
    assert 508 <= result.payload["mb"] <= 512
    # The handler removed its file: the space is free again.
    assert os.listdir(sim.environments("storage")[0].tmp_path) == []


def test_code_that_lives_under_the_hosts_tmp_still_runs(sim, tmp_path):
    if not os.path.realpath(tmp_path).startswith("/tmp/"):
        pytest.skip(f"pytest's tmp_path is not under /tmp here ({tmp_path})")
    shutil.copy(BASIC / "app.py", tmp_path / "app.py")
    sim.create_function("from-tmp", handler="app.echo", code=str(tmp_path))
    result = sim.invoke("from-tmp", {"code": "under /tmp"})
    assert result.function_error is None, result.payload
    assert result.payload == {"code": "under /tmp"}


def test_code_under_the_hosts_tmp_runs_with_a_private_tmp_of_its_own(sim, tmp_path, private_tmp):
    if not os.path.realpath(tmp_path).startswith("/tmp/"):
        pytest.skip(f"pytest's tmp_path is not under /tmp here ({tmp_path})")
    shutil.copy(BASIC / "app.py", tmp_path / "app.py")
    sim.create_function("from-tmp", handler="app.write_tmp", code=str(tmp_path))
    result = sim.invoke("from-tmp", {"name": "x", "text": "hello"})
    assert result.function_error is None, result.payload
    assert result.payload == ["x"]
    assert not (tmp_path / "x").exists()


def test_a_handler_that_empties_tmp_cannot_delete_code_that_lives_under_the_hosts_tmp(
    sim, tmp_path, private_tmp
):
    if not os.path.realpath(tmp_path).startswith("/tmp/"):
        pytest.skip(f"pytest's tmp_path is not under /tmp here ({tmp_path})")
    shutil.copy(STORAGE / "app.py", tmp_path / "app.py")
    sim.create_function("cleaner", handler="app.clear_tmp", code=str(tmp_path))
    result = sim.invoke("cleaner", {"host_mount_namespace": os.readlink("/proc/self/ns/mnt")})
    assert result.function_error is None, result.payload
    assert (tmp_path / "app.py").is_file()
    assert result.payload == []


def _wait_for_file(sim, function_name, name):
    """Return the environment whose /tmp holds ``name``, waiting a bounded time for it."""
    deadline = monotonic() + APPEAR_TIMEOUT
    while monotonic() < deadline:
        for env in sim.environments(function_name):
            tmp_path = env.tmp_path
            if tmp_path and os.path.exists(os.path.join(tmp_path, name)):
                return env
        threading.Event().wait(0.005)
    raise AssertionError(f"/tmp/{name} did not appear in any environment of {function_name!r}")
