"""What every subcommand shares: writing to stderr."""

from __future__ import annotations

import sys


def print_err(text: str) -> None:
    print(text, file=sys.stderr)
