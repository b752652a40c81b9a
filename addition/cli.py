"""What the scripts share: argument errors and failures as one line and a non-zero exit."""

from __future__ import annotations

import argparse
import sys


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a bad flag prints one line (not the usage block) and exits with 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def fail(message: str, status: int = 1):
    """Print ``message`` as one line on stderr and exit, with no traceback."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)
