"""Stopping a run on SIGINT (Ctrl-C) or SIGTERM: promptly, with nothing written and no file blamed.

The handlers record the signal and raise where the run is. That exception can be lost: raised inside
a context manager (libcst's position pass has some) it comes out of `__exit__` as another exception,
such as a KeyError, which would be reported as one file's internal error while the run went on. The
record is not lost: the runner checks it between files and before it blames a file, the CLI before
it writes anything.
"""
from __future__ import annotations

import signal
from typing import List

SIGNALLED: List[int] = []


class Terminated(BaseException):
    """SIGTERM, raised where the run is, so that `finally` blocks and atomic writes clean up (the
    default action would kill the process on the spot)."""


def install() -> None:
    """Handle SIGINT and SIGTERM in this process (the CLI's main thread)."""
    def handler(signum, frame):
        SIGNALLED.append(signum)
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    try:
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (an embedding application): keep its handling
        pass


def requested() -> bool:
    return bool(SIGNALLED)


def check() -> None:
    """Raise the exception of the first signal received, if any."""
    if SIGNALLED:
        raise Terminated() if SIGNALLED[0] == signal.SIGTERM else KeyboardInterrupt()


def in_worker() -> None:
    """A pool worker leaves the signals to the CLI, which ends the workers itself: Ctrl-C reaches the
    whole process group, and a worker must not turn it into one chunk's error; SIGTERM, which the CLI
    sends to end a worker, kills it at once (a forked worker inherits the CLI's handlers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
