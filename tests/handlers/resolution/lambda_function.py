"""Imports a package that is not installed: Runtime.ImportModuleError."""

import requests  # noqa: F401


def lambda_handler(event, context):
    return requests
