"""``python -m lambdasim``: the same command line as ``lambdasim``."""

import sys

from ._cli import main

sys.exit(main())
