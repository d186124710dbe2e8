"""Where a template's code lives: local paths, inline source, and S3 locations mapped to paths.

* ``CodeUri: src/`` (SAM) or ``ContentUri`` is a directory or ``.zip`` relative to the
  template's folder, as ``sam build`` reads it.
* ``Code.ZipFile`` / ``InlineCode`` is source text; CloudFormation writes it to a file
  named ``index`` with the runtime's extension (``index.py`` for Python) and zips it,
  so the handler is ``index.<function>``. The zip must stay under 4 MB. For Python,
  CloudFormation also adds its ``cfnresponse`` module; so does lambdasim.
* ``Code.S3Bucket`` + ``S3Key``, ``CodeUri: s3://bucket/key`` or
  ``CodeUri: {Bucket, Key}`` are looked up in ``code_locations``: an exact
  ``"s3://bucket/key"`` entry, else the longest ``"s3://bucket/prefix/"`` entry (ending
  in ``/``) that maps to a directory under which the rest of the key is found.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, Mapping, Union

from ._errors import TemplateError

__all__ = ["INLINE_LIMIT", "inline_zip", "local_path", "s3_location"]

#: CloudFormation refuses a ``ZipFile`` whose zip would exceed 4 MB.
INLINE_LIMIT = 4 * 1024 * 1024
_INLINE_EXTENSIONS = {"python": "py", "nodejs": "js"}
#: CloudFormation adds its ``cfnresponse`` module to inline Python code.
_CFNRESPONSE = Path(__file__).with_name("_cfnresponse.py")


def inline_zip(source: Any, runtime: str, path: str) -> bytes:
    """A zip holding ``source`` as ``index.py`` (what CloudFormation builds from ``ZipFile``)."""
    if not isinstance(source, str):
        raise TemplateError(path, f"inline code must be a string of source (got {source!r})")
    family = next((name for name in _INLINE_EXTENSIONS if runtime.startswith(name)), None)
    if family is None:
        raise TemplateError(path, f"inline code works for Python and Node.js runtimes only (got runtime {runtime!r})")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"index.{_INLINE_EXTENSIONS[family]}", source)
        if family == "python":
            archive.write(_CFNRESPONSE, "cfnresponse.py")
    data = buffer.getvalue()
    if len(data) > INLINE_LIMIT:
        raise TemplateError(
            path, f"inline code zips to {len(data)} bytes; CloudFormation allows at most {INLINE_LIMIT}"
        )
    return data


def local_path(value: str, base: Path, path: str) -> Path:
    """A local ``CodeUri``/``ContentUri``, relative to the template's directory."""
    location = (base / value).resolve()
    if not location.exists():
        raise TemplateError(path, f"code location {value!r} does not exist (looked for {str(location)!r})")
    return location


def s3_location(bucket: Any, key: Any, code_locations: Mapping[str, Union[str, Path]], path: str) -> Path:
    """The local path that ``code_locations`` maps ``s3://bucket/key`` to."""
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise TemplateError(path, f"an S3 code location needs a bucket and a key (got bucket {bucket!r}, key {key!r})")
    uri = f"s3://{bucket}/{key}"
    if uri in code_locations:
        target = Path(code_locations[uri]).expanduser().resolve()
    else:
        prefixes = [prefix for prefix in code_locations if prefix.endswith("/") and uri.startswith(prefix)]
        if not prefixes:
            mapped = ", ".join(sorted(code_locations)) or "none"
            raise TemplateError(
                path,
                f"code at {uri} is not mapped to a local path: pass code_locations={{{uri!r}: 'path/to/code'}} "
                f"(or --code-location {uri}=PATH on the command line); mapped: {mapped}",
            )
        prefix = max(prefixes, key=len)
        target = (Path(code_locations[prefix]).expanduser() / uri[len(prefix) :]).resolve()
    if not target.exists():
        raise TemplateError(path, f"code_locations maps {uri} to {str(target)!r}, which does not exist")
    return target


def parse_s3_uri(uri: str, path: str) -> tuple:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        raise TemplateError(path, f"an S3 URI must look like s3://bucket/key (got {uri!r})")
    return bucket, key
