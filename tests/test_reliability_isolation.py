"""Isolation: host variables and credentials, the code root, and the user's privileges.

A handler sees no host variable or credential it was not configured with; handler
strings and code packages cannot reach outside the code root; an environment runs
with the invoking user's privileges, nothing more. See docs/reliability.md.
"""

import io
import os
import resource
import shutil
import stat
import tempfile
import zipfile

import pytest

from conftest import BASIC, HANDLERS
from lambdasim import InvalidParameterValueException, LambdaSim

ISOLATION = str(HANDLERS / "isolation")
HOST_SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAHOSTDEVELOPERKEY",
    "AWS_SECRET_ACCESS_KEY": "host/developer/secret/access/key/0000000000",
    "AWS_SESSION_TOKEN": "host-developer-session-token",
    "AWS_SECURITY_TOKEN": "host-developer-security-token",
    "AWS_PROFILE": "developer",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9999/creds",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/host/token",
    "AWS_SHARED_CREDENTIALS_FILE": "/host/credentials",
    "LAMBDASIM_HOST_SECRET": "host-only-secret",
}


@pytest.fixture
def host_secrets(monkeypatch):
    for name, value in HOST_SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def outside():
    """A directory outside /tmp (so the sandbox sees it too): code root and what surrounds it."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    path = tempfile.mkdtemp(prefix="reliability-", dir=base)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _leaks(seen):
    """Host secret values found anywhere in what the handler saw."""
    text = repr(seen)
    return sorted(name for name, value in HOST_SECRETS.items() if value in text)


# --- variables and credentials ------------------------------------------------


@pytest.mark.parametrize("own_zygote", [True, False], ids=["own-zygote", "shared-zygote"])
def test_host_variables_and_credentials_reach_no_handler_environment_or_process(zygote, host_secrets, own_zygote):
    # The shared zygote started before the variables were set; the own one after: neither
    # passes them on, to os.environ or to the environment the process was started with.
    with LambdaSim(zygote=None if own_zygote else zygote) as sim:
        sim.create_function("environ", handler="app.environ", code=ISOLATION)
        seen = sim.invoke("environ").payload
    assert _leaks(seen) == []
    assert "LAMBDASIM_HOST_SECRET" not in seen["os_environ"] and "AWS_PROFILE" not in seen["os_environ"]
    assert not any(entry.startswith("AWS_") for entry in seen["proc_environ"])


def test_a_variable_reaches_the_handler_only_when_configured(sim, host_secrets):
    sim.create_function(
        "environ", handler="app.environ", code=ISOLATION, environment={"LAMBDASIM_HOST_SECRET": "configured"}
    )
    assert sim.invoke("environ").payload["os_environ"]["LAMBDASIM_HOST_SECRET"] == "configured"


@pytest.mark.parametrize("name", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
def test_credentials_cannot_be_configured_as_variables(sim, name):
    with pytest.raises(InvalidParameterValueException, match=name):
        sim.create_function("environ", handler="app.environ", code=ISOLATION, environment={name: "x"})


# --- the code root ------------------------------------------------------------


def _package(outside):
    """``outside/code`` holds the function; ``outside/sentinel.py`` records being imported."""
    code = os.path.join(outside, "code")
    os.makedirs(code)
    shutil.copy(BASIC / "app.py", os.path.join(code, "app.py"))
    marker = os.path.join(outside, "imported")
    with open(os.path.join(outside, "sentinel.py"), "w") as file:
        file.write(f"open({marker!r}, 'w').close()\n\ndef handler(event, context):\n    return 'escaped'\n")
    return code, marker


@pytest.mark.parametrize(
    "handler",
    ["../sentinel.handler", "{outside}/sentinel.handler", "code/../../sentinel.handler", "..sentinel.handler",
     "sentinel.handler", "{outside_dots}.sentinel.handler"],
)
def test_a_handler_string_cannot_import_code_from_outside_the_code_root(sim, outside, handler):
    code, marker = _package(outside)
    handler = handler.format(outside=outside, outside_dots=outside.strip("/").replace("/", "."))
    sim.create_function("escape", handler=handler, code=code)
    result = sim.invoke("escape")
    assert result.function_error == "Unhandled"
    assert result.payload["requestId"] == "" and result.payload["errorType"]  # an init error
    assert not os.path.exists(marker)


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


APP = (BASIC / "app.py").read_bytes()


@pytest.mark.parametrize(
    "entry", ["../evil.py", "../../evil.py", "sub/../../evil.py", "/evil.py", "{outside}/evil.py"]
)
def test_a_zip_entry_outside_the_package_is_refused_and_nothing_is_written(sim, outside, entry):
    entry = entry.format(outside=outside)
    package = _zip([("app.py", APP, 0o100644), (entry, b"raise SystemExit('escaped')\n", 0o100644)])
    before = set(os.listdir(outside))
    try:
        sim.create_function("slip", handler="app.echo", code=package)
    except InvalidParameterValueException as error:
        assert "points outside the package" in str(error)
    else:
        # A leading slash is dropped, as unzip does: the entry lands inside the package.
        assert entry.startswith("/")
        assert sim.invoke("slip", {"ok": 1}).payload == {"ok": 1}
    assert set(os.listdir(outside)) == before
    assert not os.path.exists("/evil.py")


def test_a_symlink_in_a_zip_is_not_followed_out_of_the_package(sim, outside):
    # Zip slip through a link: "link" -> outside, then "link/evil.py" written through it.
    link = ("link", outside.encode(), stat.S_IFLNK | 0o777)
    package = _zip([("app.py", APP, 0o100644), link, ("link/evil.py", b"escaped = True\n", 0o100644)])
    with pytest.raises(InvalidParameterValueException, match="'link/evil.py' cannot be extracted"):
        sim.create_function("linked", handler="app.echo", code=package)
    assert os.listdir(outside) == []
    # The link alone is extracted as a plain file holding its target's text, not as a link.
    sim.create_function("linked", handler="app.echo", code=_zip([("app.py", APP, 0o100644), link]))
    assert sim.invoke("linked", {"ok": 1}).payload == {"ok": 1}
    task_root = sim.environments("linked")[0].task_root
    assert not os.path.islink(os.path.join(task_root, "link"))
    with open(os.path.join(task_root, "link"), "rb") as file:
        assert file.read() == outside.encode()


def test_special_files_and_dangling_links_in_a_code_directory_neither_fail_nor_hang(sim, outside):
    code = os.path.join(outside, "code")
    os.makedirs(code)
    shutil.copy(BASIC / "app.py", os.path.join(code, "app.py"))
    os.symlink("/dev/zero", os.path.join(code, "zero"))  # endless if read
    os.mkfifo(os.path.join(code, "fifo"))  # blocks a reader for ever
    os.symlink(os.path.join(outside, "missing"), os.path.join(code, "dangling"))
    os.symlink(code, os.path.join(code, "loop"))
    sim.create_function("special", handler="app.echo", code=code)
    assert sim.invoke("special", {"ok": 1}).payload == {"ok": 1}


# --- privileges ---------------------------------------------------------------


def _host_status():
    status = {}
    with open("/proc/self/status") as file:
        for line in file:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return status


def _host_can_raise_hard_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    pid = os.fork()
    if pid == 0:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard + 1))
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def test_an_environment_has_the_invoking_users_identity_and_no_added_privilege(sim):
    sim.create_function("privileges", handler="app.privileges", code=ISOLATION)
    seen = sim.invoke("privileges").payload
    assert seen["uid"] == [os.getuid(), os.geteuid()]
    assert seen["gid"] == [os.getgid(), os.getegid()]
    # Supplementary groups the sandbox's user namespace does not map show as the overflow gid.
    assert set(seen["groups"]) - {65534} <= set(os.getgroups())
    assert int(seen["CapAmb"], 16) == 0
    host = _host_status()
    if seen["user_namespace"] == os.readlink("/proc/self/ns/user"):
        # No namespace of its own: its capabilities are a subset of the test process's.
        assert int(seen["CapEff"], 16) & ~int(host["CapEff"], 16) == 0
    else:
        # Capabilities in its own user namespace only: the initial namespace's checks still
        # apply, so what the test process may not do, the handler may not either.
        if not _host_can_raise_hard_limit():
            assert seen["raised_hard_limit"] is False
