"""Handlers that look at what the layers put under /opt."""

import os
import subprocess
import sys


def imports(event, context):
    import only_base
    import shared

    return {"shared": shared.ORIGIN, "shared_file": shared.__file__, "only_base": only_base.__file__}


def site_packages(event, context):
    import sitepkg

    return {"origin": sitepkg.ORIGIN, "file": sitepkg.__file__}


def listing(event, context):
    found = []
    for directory, subdirs, files in os.walk("/opt"):
        # Bytecode a directory-mode test wrote into the layer's own directory.
        subdirs[:] = [name for name in subdirs if name != "__pycache__"]
        found += [os.path.join(directory, name) for name in files]
    return sorted(found)


def opt_paths(event, context):
    return [entry for entry in sys.path if entry.startswith("/opt")]


def write_opt(event, context):
    try:
        with open("/opt/new-file", "w") as file:
            file.write("x")
    except OSError as error:
        return type(error).__name__
    return "written"


def run_bin(event, context):
    return subprocess.run(["hello"], capture_output=True, text=True, check=True).stdout
