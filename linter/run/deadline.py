"""A time limit per file: one pathological file must not hold a CI run for hours.

The limit is a SIGALRM timer in the process that lints (the CLI in serial runs, each pool worker in
parallel ones, both lint in their main thread). Python runs the handler between bytecodes, so the
limit holds for skewlint's own analysis and for libcst's Python side; a long stretch inside libcst's
native parser is cut only when it returns. The inputs that made that parser run for minutes (deep
nesting, huge files) are refused before parsing (see nesting.py and engine.MAX_BYTES).
Where no timer can be set (Windows, a thread other than the main one: the language server), files
are linted without a limit.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading

DEFAULT_SECONDS = 60.0
ENV = "SKEWLINT_FILE_TIMEOUT"  # seconds per file; 0 disables the limit


class TimeUp(BaseException):
    """Raised in the middle of the analysis; a BaseException so no `except Exception` swallows it."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


def seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV, DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


class Timer:
    fired = False


@contextlib.contextmanager
def limit(seconds: float):
    """Yields a Timer whose `fired` says whether the limit was reached. Check it rather than catch
    TimeUp alone: raised inside a context manager (libcst's position pass has some), TimeUp can come
    out as another exception from that manager's `__exit__`."""
    timer = Timer()
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # someone else's timer (pytest-timeout): theirs
    )
    if not usable:
        yield timer
        return

    def expired(signum, frame):
        timer.fired = True
        raise TimeUp(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield timer
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
