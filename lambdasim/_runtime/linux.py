"""Thin wrappers over the Linux calls a sandbox needs (prctl, unshare, setns, mount).

Standard library only: ``os.unshare``/``os.setns`` exist from Python 3.12, so
older interpreters reach libc through ctypes.
"""

import ctypes
import ctypes.util
import os
import shutil
import signal

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_libc = None


def _lib():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "%s: %s" % (what, os.strerror(errno)))


def die_with_parent(sig=signal.SIGKILL):
    """Ask the kernel to send ``sig`` to this process when its parent thread exits."""
    _check(_lib().prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def become_subreaper():
    """Adopt orphaned descendants (a handler's children that outlive it) instead of init."""
    _check(_lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


def descendants(pid):
    """Every live process below ``pid`` in the process tree, found through /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            found.append(child)
            stack.append(child)
    return found


def unshare(flags):
    _check(_lib().unshare(flags), "unshare")


def setns(fd, nstype):
    _check(_lib().setns(fd, nstype), "setns")


def mount(source, target, fstype, flags, data=None):
    encode = lambda value: value.encode() if value is not None else None
    result = _lib().mount(
        encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)
    )
    _check(result, "mount %s" % target)


def enter_new_sandbox(tmp_size_mb, binds=(), layers=(), empty_dir=None):
    """Unshare user and mount namespaces; mount a private tmpfs on ``/tmp``.

    ``binds`` are ``(source, target)`` directory pairs bound before ``/tmp`` is
    covered, so code that lives under the host's ``/tmp`` stays reachable (at
    ``target``) while the sandbox's ``/tmp`` starts empty. ``layers`` (directories,
    in the function's order) are laid out under ``/opt`` first, for the same reason.
    Must run in a single-threaded process (the kernel refuses otherwise).
    """
    unshare_sandbox()
    mount_sandbox(tmp_size_mb, binds, layers, empty_dir)


def unshare_sandbox():
    """The first half of ``enter_new_sandbox``: new user and mount namespaces, ``/`` private.

    Nothing here depends on the function, so a spare child of the zygote does it
    before it is needed. Must run in a single-threaded process.
    """
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER | CLONE_NEWNS)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", "%d %d 1" % (uid, uid))
    _write("/proc/self/gid_map", "%d %d 1" % (gid, gid))
    mount(None, "/", None, MS_REC | MS_PRIVATE)


def mount_sandbox(tmp_size_mb, binds=(), layers=(), empty_dir=None):
    """The second half of ``enter_new_sandbox``: the binds, the layers at ``/opt``, then the private ``/tmp``."""
    for source, target in binds:
        mount(source, target, None, MS_BIND | MS_REC)
    if layers:
        mount_layers(layers, empty_dir)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=%dm,mode=1777" % tmp_size_mb)


def mount_layers(layers, empty_dir, overlay=True):
    """Lay ``layers`` out at ``/opt``: later layers over earlier ones, read-only, as Lambda does.

    A read-only overlay of the layer directories costs no copying; where the
    kernel refuses one (or ``overlay`` is false), the layers are copied in order
    into a tmpfs instead.
    """
    if overlay:
        lower = [_overlay_path(layer) for layer in reversed(layers)]
        # Without an upper directory an overlay needs two lower ones on older kernels.
        lower.append(_overlay_path(empty_dir))
        try:
            mount("overlay", "/opt", "overlay", MS_RDONLY, "lowerdir=" + ":".join(lower))
            return
        except OSError:
            pass
    mount("tmpfs", "/opt", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
    for layer in layers:
        shutil.copytree(layer, "/opt", symlinks=True, dirs_exist_ok=True)
    mount(None, "/opt", None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def _overlay_path(path):
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def join_sandbox(user_fd, mount_fd):
    """Enter the namespaces of an existing sandbox (a reset environment's re-init)."""
    setns(user_fd, CLONE_NEWUSER)
    setns(mount_fd, CLONE_NEWNS)


def _write(path, text):
    with open(path, "w") as file:
        file.write(text)
