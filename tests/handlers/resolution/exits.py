"""Calls sys.exit at import: SystemExit is not an init error document."""

import sys

sys.exit(3)
