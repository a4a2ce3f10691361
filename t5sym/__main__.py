"""``python -m t5sym``."""

import sys

from .cli import main

sys.exit(main())
