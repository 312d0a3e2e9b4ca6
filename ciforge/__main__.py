"""``python -m ciforge``."""

from __future__ import annotations

import sys

from ciforge.cli import main

sys.exit(main())
