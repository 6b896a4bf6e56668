"""`python -m loopwright`: the same as the `loopwright` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
