"""Deployment packages: a directory, a ``.zip`` file, zip bytes or a Python callable."""

from __future__ import annotations

import base64
import inspect
import io
import os
import stat
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Union

import attrs

from ._errors import InvalidParameterValueException, RequestTooLargeException

ZIPPED_LIMIT = 52_428_800
UNZIPPED_LIMIT = 262_144_000

CodeSource = Union[str, os.PathLike, bytes, Callable]


@attrs.frozen
class CodePackage:
    """Where a function's code lives on disk, and how AWS would describe it."""

    root: str
    code_sha256: str
    code_size: int
    #: The handler implied by the code (only for callables).
    handler: Optional[str] = None


def load_code(code: CodeSource, *, extract_to: str) -> CodePackage:
    """Resolve ``code`` to a directory; zips are extracted below ``extract_to``.

    Directories are used in place, not copied, so coverage and tracebacks point
    at the user's files; edits show up in environments that start after them.
    """
    if callable(code):
        return _from_callable(code)
    if isinstance(code, (bytes, bytearray, memoryview)):
        return _from_zip_bytes(bytes(code), extract_to)
    if isinstance(code, (str, os.PathLike)):
        try:
            path = Path(code).expanduser().resolve()
            path.stat()
        except (OSError, RuntimeError, ValueError):
            # Missing, an unknown ~user, a NUL in the path, a symlink loop.
            raise InvalidParameterValueException(
                f"'code' must be a directory, a .zip file, zip bytes or a callable (got {str(code)!r}, "
                "which does not exist)"
            ) from None
        if path.is_dir():
            return _from_directory(path)
        if path.is_file():
            return _from_zip_bytes(path.read_bytes(), extract_to)
        raise InvalidParameterValueException(
            f"'code' must be a directory, a .zip file, zip bytes or a callable (got {str(code)!r}, "
            "which does not exist)"
        )
    raise InvalidParameterValueException(
        f"'code' must be a directory, a .zip file, zip bytes or a callable (got {code!r})"
    )


def _hash(data: bytes = b"") -> Any:
    """A SHA-256 hash object. hashlib is imported here, when code is first loaded:
    loading OpenSSL would cost every ``import lambdasim`` milliseconds."""
    import hashlib

    return hashlib.sha256(data)


def _sha256(data: bytes) -> str:
    return base64.b64encode(_hash(data).digest()).decode()


def _from_zip_bytes(data: bytes, extract_to: str) -> CodePackage:
    import zipfile  # here, not at the top: most code is a directory, and import lambdasim stays cheaper

    if len(data) > ZIPPED_LIMIT:
        raise RequestTooLargeException(f"Zipped size must be smaller than {ZIPPED_LIMIT} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None
    if sum(member.file_size for member in members) > UNZIPPED_LIMIT:
        raise InvalidParameterValueException(f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes")
    sha = _sha256(data)
    root = Path(extract_to) / _hash(data).hexdigest()[:16]
    if not root.exists():
        partial = root.with_name(root.name + ".partial")
        with archive:
            for member in members:
                target = (partial / member.filename).resolve()
                if partial.resolve() not in target.parents and target != partial.resolve():
                    raise InvalidParameterValueException(
                        f"Could not unzip uploaded file: entry {member.filename!r} points outside the package."
                    )
            for member in members:
                try:
                    archive.extract(member, partial)
                except OSError as error:
                    # Say, "link/x.py" after an entry "link" that is a file (a symlink's text:
                    # links are never created, so none can lead outside the package).
                    import shutil

                    shutil.rmtree(partial, ignore_errors=True)
                    raise InvalidParameterValueException(
                        f"Could not unzip uploaded file: entry {member.filename!r} cannot be extracted "
                        f"({error.strerror})."
                    ) from None
            _restore_modes(members, partial)
        os.replace(partial, root)
    return CodePackage(str(root), sha, len(data))


def _restore_modes(members, root: Path) -> None:
    """Give extracted files their Unix permissions from the archive (zipfile drops them):
    a custom runtime's ``bootstrap`` must stay executable, as on Lambda."""
    for member in members:
        mode = (member.external_attr >> 16) & 0o777
        if mode and not member.is_dir():
            os.chmod(root / member.filename, mode)


def _from_directory(path: Path) -> CodePackage:
    digest = _hash()
    size = 0
    for directory, subdirs, files in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        for name in sorted(files):
            file = Path(directory, name)
            # Only regular files (symlinks to them too) are code: a dangling link, a FIFO
            # or a device (a link to /dev/zero) must neither fail nor hang the hashing.
            try:
                if not stat.S_ISREG(file.stat().st_mode):
                    continue
            except OSError:
                continue
            digest.update(str(file.relative_to(path)).encode() + b"\0")
            try:
                data = file.read_bytes()
            except OSError as error:
                raise InvalidParameterValueException(
                    f"'code' directory {str(path)!r} holds a file that cannot be read: {error}"
                ) from None
            digest.update(data)
            size += len(data)
    return CodePackage(str(path), base64.b64encode(digest.digest()).decode(), size)


def _from_callable(function: Callable) -> CodePackage:
    module_name = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if not inspect.isfunction(function) or "." in qualname or "<" in qualname:
        raise InvalidParameterValueException(
            f"'code' as a callable must be a module-level function, importable by name "
            f"(got {qualname or function!r}); environments import the handler afresh, "
            "so lambdas, closures and methods cannot be run"
        )
    module = sys.modules.get(module_name) if module_name else None
    file = getattr(module, "__file__", None)
    if module is None or module_name == "__main__" or not file:
        raise InvalidParameterValueException(
            f"'code' as a callable must live in an importable module file (got {qualname!r} "
            f"from module {module_name!r})"
        )
    path = Path(file).resolve()
    parts = module_name.split(".")
    root = path.parent if path.name != "__init__.py" else path.parent.parent
    for _ in parts[:-1]:
        root = root.parent
    package = _from_directory_stat(root)
    return attrs.evolve(package, handler=f"{module_name}.{qualname}")


def _from_directory_stat(path: Path) -> CodePackage:
    # A callable's root is often a whole project; hash the path, not its files.
    digest = _hash(str(path).encode()).digest()
    return CodePackage(str(path), base64.b64encode(digest).decode(), 0)
