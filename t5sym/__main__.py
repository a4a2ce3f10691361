"""``python -m t5sym``."""

import sys

from t5sym.cli.command import main

sys.exit(main())
