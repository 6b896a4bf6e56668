"""`python -m loopwright.cli`, the same as `loopwright`."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
