"""The zygote: a pre-warmed, single-threaded process that forks environments.

Standard library only. The test process starts one zygote per interpreter and
talks to it over a SOCK_SEQPACKET socket (fd given on the command line): one
JSON message per packet, file descriptors passed alongside with SCM_RIGHTS.

Requests:  ``fork`` (spec + fds) -> ``forked``; ``kill`` (pid, signal).
Events:    ``hello`` once at start, ``exited`` (pid, wait status) per child,
           ``spare`` (pid, unshared; its socket passed alongside).

The zygote reaps its children itself, so exit statuses reach the test process
through ``exited`` messages. It is a child subreaper: processes a handler
started and left behind are adopted by it and killed. When the thread that
started it exits (PR_SET_PDEATHSIG sends SIGTERM), or its socket reaches end
of file, it kills every process below it and exits.

A fork is the largest part of a cold start, so the zygote keeps one child
forked ahead of time: a *spare*, waiting on a socket of its own. A ``fork``
request hands the spec and fds to the spare, answers at once, and only then
forks the next spare. Once a spare is ready it is also *offered* to the test
process (``spare``, with a socket to it): the test process then sends a cold
start's request to the spare itself, so a cold start does not wait for the zygote
to wake up (on a VM, waking an idle process costs a few hundred microseconds). An
offered spare gets nothing from the zygote. The zygote learns that it was taken
when it says ``answered`` on that socket after its first answer (or it dies):
only then is the next spare forked, so that making it does not take CPU time from
the cold start. A spare does nothing the request could change before it
gets its spec: it leaves the zygote's signal handling and sockets behind and
waits; everything that depends on the spec (setpgid, sandbox, environment,
init) runs after the handover, as in a child forked on request.
"""

import json
import os
import select
import signal
import socket
import sys

from . import bootstrap, linux

_MAX_MESSAGE = 1 << 16
#: The exit status of a spare whose namespaces could not be made.
_SPARE_CANNOT_UNSHARE = 71
_ORPHAN_SCAN_MS = 50
#: How long the zygote waits for a spare it handed a request to to say "ready" (it
#: says so before it reads anything; a spare that died says nothing).
_READY_TIMEOUT = 5.0


#: Signals whose default action would end the zygote; a handler can send any of them
#: to its parent (os.kill(os.getppid(), ...)). Environments get the original actions back.
_IGNORED_SIGNALS = tuple(
    number for number in signal.valid_signals()
    if number not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD, signal.SIGTERM, signal.SIGCONT)
)
_ORIGINAL_ACTIONS = {}


def main(sock_fd, parent_pid):
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *args: None)
    signal.signal(signal.SIGTERM, lambda *args: None)
    for number in _IGNORED_SIGNALS:
        try:
            _ORIGINAL_ACTIONS[number] = signal.signal(number, signal.SIG_IGN)
        except (OSError, ValueError, RuntimeError):
            pass
    linux.die_with_parent(signal.SIGTERM)
    if os.getppid() != parent_pid:
        os._exit(0)
    try:
        linux.become_subreaper()
    except OSError:
        pass
    sock = socket.socket(fileno=sock_fd)
    children = set()
    bootstrap.interpreter_paths_under_tmp()
    bootstrap.warm_compiler()

    def send(message):
        try:
            sock.send(json.dumps(message).encode())
        except OSError:
            pass  # the test process is gone: the loop reads its socket's end next, and ends everything

    namespace_problem = _probe_namespaces()
    send({"op": "hello", "pid": os.getpid(), "namespaces": namespace_problem})
    # With namespaces, spares make theirs ahead of time (serving only requests for a new sandbox).
    unshare = not namespace_problem
    spare = _fork_spare(sock, wake_r, wake_w, unshare)
    orphan_scan_due = False
    while True:
        # Looking for orphans reads all of /proc: do it when nothing is asked of us.
        # poll, not select: the socket's number is the test process's, and it may hold
        # more than select's 1024 descriptors.
        watched = select.poll()
        for fd in (sock.fileno(), wake_r) + ((spare.channel.fileno(),) if spare.pid else ()):
            watched.register(fd, select.POLLIN)
        readable = {fd for fd, _ in watched.poll(_ORPHAN_SCAN_MS if orphan_scan_due else None)}
        if not readable and orphan_scan_due:
            orphan_scan_due = False
            _kill_orphans(children | {spare.pid})
            continue
        if wake_r in readable:
            signals = os.read(wake_r, 4096)
            # SIGTERM is the parent-death signal; from anyone else (a handler signalling
            # its parent) it is ignored: the zygote ends when its parent is gone.
            if signal.SIGTERM in signals and os.getppid() != parent_pid:
                _kill_all(children)
                os._exit(0)
            orphan_scan_due = _reap(children, send, spare) or orphan_scan_due
            if spare.could_not_unshare:
                unshare = False  # later spares leave the namespaces to the environment
            elif spare.pid is None and spare.offered:
                # An offered spare died (taken or not: its "answered" may never come,
                # say when the init failed): the next one now, as after an answer.
                spare = _fork_spare(sock, wake_r, wake_w, unshare)
        if spare.pid and spare.channel.fileno() in readable:
            if not spare.offered:
                spare.offer(sock)
            else:
                # The offered spare says "answered" (or died): the test process handed
                # it a request, and the cold start is over. Now the next spare.
                children.add(spare.pid)
                spare.channel.close()
                spare.pid = spare.channel = None
                spare = _fork_spare(sock, wake_r, wake_w, unshare)
        if sock.fileno() not in readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, 16)
        except OSError:
            data, fds = b"", []
        if not data:
            _kill_all(children)
            os._exit(0)
        message = json.loads(data)
        if message["op"] == "fork":
            usable = spare.pid and not spare.offered and spare.fits(message["spec"], fds)
            used, channel = spare, None
            pid = None
            if usable:
                pid, channel = spare.hand_over(data, fds)
            if pid is None:
                if channel is not None:
                    channel.close()  # a dead spare's: not for the child below
                    channel = None
                pid = os.fork()
                if pid == 0:
                    _become_environment(message["spec"], fds, (sock, wake_r, wake_w))
            children.add(pid)
            for fd in fds:
                os.close(fd)
            send({"op": "forked", "id": message["id"], "pid": pid})
            used.close_channel(channel)
            if spare.pid is None:
                spare = _fork_spare(sock, wake_r, wake_w, unshare)
        elif message["op"] == "kill":
            # An offered spare may be an environment already (its socket is not closed yet).
            _signal_group(message["pid"], message["signal"], children | {spare.pid} if spare.offered else children)


class _Spare:
    """The zygote's side of a spare child: its pid and the socket it waits on."""

    def __init__(self, pid=None, channel=None, unshared=False):
        self.pid = pid
        self.channel = channel
        #: Whether it has made its user and mount namespaces already.
        self.unshared = unshared
        #: Set when it died because it could not make them.
        self.could_not_unshare = False
        #: Offered to the test process, which may hand it a request directly from then on.
        self.offered = False

    def offer(self, sock):
        """The spare says it is ready: give the test process a socket to it, so that a cold
        start reaches it without waking the zygote (``offered``: the zygote hands it
        nothing from then on). A spare that died instead is left to ``_reap``."""
        self.offered = True
        try:
            ready = self.channel.recv(16)
        except OSError:
            ready = b""
        if ready != b"ready":
            return
        message = json.dumps({"op": "spare", "pid": self.pid, "unshared": self.unshared}).encode()
        try:
            socket.send_fds(sock, [message], [self.channel.fileno()])
        except OSError:
            pass  # the test process is gone: the loop ends on its socket

    def fits(self, spec, fds):
        """Whether this spare can become the environment ``spec`` asks for.

        One that has made its namespaces serves only a new namespace sandbox: not
        a reset environment joining its old sandbox (the namespace fds after the
        three pipes), and not a sandbox without namespaces.
        """
        if not self.unshared:
            return True
        return spec["sandbox"]["mode"] == "namespace" and len(fds) == 3

    def hand_over(self, data, fds):
        """Give the spare a ``fork`` request; return its pid (None when it is gone) and its
        socket, which the caller closes with ``close_channel`` once it has answered."""
        pid, channel = self.pid, self.channel
        self.pid = self.channel = None
        try:
            socket.send_fds(channel, [data], fds)
        except OSError:
            pid = None  # it died; its exit is reaped (and ignored) like any spare's
        return pid, channel

    def close_channel(self, channel):
        """Close a spare's socket after reading its "ready" (unless ``offer`` did): a socket
        closed with a message unread resets the other end, which then cannot read the
        request waiting for it. The spare always says "ready" before it reads."""
        if not self.offered and channel is not None:
            channel.settimeout(_READY_TIMEOUT)
            try:
                channel.recv(16)
            except OSError:
                pass
        if channel is not None:
            channel.close()


def _fork_spare(sock, wake_r, wake_w, unshare):
    """Fork the next spare; it waits for one request, then becomes that environment.

    With ``unshare`` it makes its user and mount namespaces first; if that fails
    it says so by exiting, and the zygote forks on request from then on.
    """
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            _wait_as_spare(theirs, (sock, wake_r, wake_w), unshare)
        finally:
            os._exit(1)  # never back into the zygote's loop, whatever happened
    theirs.close()
    return _Spare(pid, ours, unshare)


def _wait_as_spare(channel, zygote, unshare):
    _leave_zygote(*zygote)
    if unshare:
        try:
            linux.unshare_sandbox()
        except OSError:
            os._exit(_SPARE_CANNOT_UNSHARE)
    try:
        channel.send(b"ready")
    except OSError:
        pass  # the zygote is gone: the receive below sees it
    # Offered from here on: the rehearsal stops as soon as a request is waiting.
    waiting = select.poll()
    waiting.register(channel, select.POLLIN)
    bootstrap.prepare_spare(lambda: bool(waiting.poll(0)))
    try:
        data, fds, _, _ = socket.recv_fds(channel, _MAX_MESSAGE, 16)
    except OSError:
        data, fds = b"", []
    if not data:
        os._exit(0)  # the zygote went away before it needed us
    # Kept open until the first answer (see the module docstring).
    bootstrap.close_after_first_answer(channel)
    spec = json.loads(data)["spec"]
    if unshare:
        spec["sandbox"]["unshared"] = True
    _become_environment(spec, fds)


def _leave_zygote(sock, wake_r, wake_w):
    """What a new child drops of the zygote: its signal handling, socket and wake-up pipe."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for number, action in _ORIGINAL_ACTIONS.items():
        if action is not None:
            signal.signal(number, action)
    sock.close()
    os.close(wake_r)
    os.close(wake_w)
    linux.die_with_parent()


def _become_environment(spec, fds, zygote=None):
    """Run an environment in this (new) child; never returns."""
    try:
        if zygote is not None:
            _leave_zygote(*zygote)
        _restart_coverage()
        code = bootstrap.run(spec, fds)
    except SystemExit as exit:
        code = exit.code
    except KeyboardInterrupt:
        # As an interpreter does with an uncaught KeyboardInterrupt: print it,
        # then die of SIGINT ("signal: interrupt").
        _print_exception()
        _flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    except BaseException:
        # Uncaught, as the interpreter would print it; exit status 1.
        _print_exception()
        code = 1
    _exit(code)


def _print_exception():
    import traceback

    exc_type, exc, tb = sys.exc_info()
    # Our own frames (the zygote and bootstrap) are not the handler's business.
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(os.path.dirname(__file__)):
        tb = tb.tb_next
    traceback.print_exception(exc_type, exc, tb)


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _restart_coverage():
    """Measure this environment on a data file of its own when coverage measures the zygote."""
    current = _current_coverage()
    if current is not None:
        try:
            current.stop()
            sys.modules["coverage"].process_startup(force=True)
        except Exception:
            pass  # Measuring is the test's business; the handler runs regardless.


def _save_coverage():
    """Write this environment's coverage data: os._exit skips coverage's atexit hook."""
    current = _current_coverage()
    if current is not None:
        try:
            current.stop()
            current.save()
        except Exception:
            pass


def _current_coverage():
    """The running ``coverage.Coverage``, if coverage measures this process (it is not imported here)."""
    coverage = sys.modules.get("coverage")
    try:
        return coverage.Coverage.current() if coverage is not None else None
    except Exception:
        return None


def _exit(code):
    _save_coverage()
    _flush()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        try:
            sys.stderr.write("%s\n" % (code,))
        except Exception:
            pass
        code = 1
    os._exit(code & 0xFF)


def _signal_group(pid, sig, children):
    # Only our unreaped children: their pids cannot have been reused.
    if pid not in children:
        return
    try:
        os.killpg(pid, sig)
    except OSError:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _reap(children, send, spare):
    environment_died = False
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        if pid == spare.pid:
            if spare.offered:
                # The test process may have handed it a request already (its socket
                # not closed yet): then it is an environment that ended, and what
                # its handler left behind is looked for as after any environment.
                environment_died = True
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                send({"op": "exited", "pid": pid, "status": status})
            # A spare that died before any request: the next request forks.
            spare.channel.close()
            spare.pid = spare.channel = None
            # (An offered spare had made its namespaces: its exit code is a handler's.)
            spare.could_not_unshare = (
                not spare.offered and os.WIFEXITED(status) and os.WEXITSTATUS(status) == _SPARE_CANNOT_UNSHARE
            )
            continue
        if pid in children:
            children.discard(pid)
            environment_died = True
            # Whatever the handler left in the environment's group goes too.
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            send({"op": "exited", "pid": pid, "status": status})
    return environment_died


def _kill_orphans(children):
    """Kill adopted processes: a dead environment's leftovers (e.g. after os.setsid())."""
    me = os.getpid()
    for pid in linux.descendants(me):
        if pid not in children and _parent(pid) == me:
            _kill(pid)


def _parent(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _kill_all(children):
    """Kill every process below the zygote, including ones that left their group."""
    me = os.getpid()
    for _ in range(50):
        for pid in children:
            _signal_group(pid, signal.SIGKILL, children)
        below = linux.descendants(me)
        for pid in below:
            _kill(pid)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                break
            children.discard(pid)
        if not below and not children:
            return
        select.select([], [], [], 0.01)


def _probe_namespaces():
    """Return ``""`` when a child can enter a private sandbox, else the reason it cannot."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            linux.enter_new_sandbox(1)
            reason = b""
        except Exception as error:
            reason = str(error).encode() or b"unknown error"
        os.write(write_fd, reason or b"ok")
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return "" if answer == "ok" else answer
