"""Stopping a run on SIGINT (Ctrl-C) or SIGTERM: promptly, with nothing written and no file blamed.

The handlers record the signal and raise where the run is. That exception can be lost: raised inside
a context manager (libcst's position pass has some) it comes out of `__exit__` as another exception,
such as a KeyError, which would be reported as one file's internal error while the run went on. The
record is not lost: the runner checks it between files and before it blames a file, the CLI before
it writes anything.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import List

SIGNALLED: List[int] = []
_OWNER = [0]  # the process whose handlers these are (a forked pool worker inherits them)
_DEFERRED = [0]


class Terminated(BaseException):
    """SIGTERM, raised where the run is, so that `finally` blocks and atomic writes clean up (the
    default action would kill the process on the spot)."""


def install() -> None:
    """Handle SIGINT and SIGTERM in this process (the CLI's main thread). The first signal raises
    where the run is, so that it cleans up; a second one exits at once."""
    def handler(signum, frame):
        if os.getpid() != _OWNER[0]:  # a pool worker before `in_worker` ran: behave as after it
            if signum == signal.SIGTERM:
                os._exit(128 + signum)
            return
        SIGNALLED.append(signum)
        if len(SIGNALLED) > 1:
            exit_now(128 + signum)
        if not _DEFERRED[0]:
            check()

    _OWNER[0] = os.getpid()
    try:
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (an embedding application): keep its handling
        pass


def check() -> None:
    """Raise the exception of the first signal received, if any."""
    if SIGNALLED:
        raise Terminated() if SIGNALLED[0] == signal.SIGTERM else KeyboardInterrupt()


def exit_now(status: int) -> None:
    """Exit without the interpreter's own exit, once a stopped run has cleaned up: that would join
    the process pool's thread, which a worker killed while it sent a result leaves waiting for the
    rest of the message for good."""
    multiprocessing = sys.modules.get("multiprocessing")
    for child in multiprocessing.active_children() if multiprocessing else ():
        child.kill()  # pool workers not ended yet (a second signal came first): none outlives the run
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a reader that went away
            stream.flush()
    os._exit(status)


@contextlib.contextmanager
def deferred():
    """Signals received in the block are raised at its end, not inside it: for starting the pool's
    workers, which cut halfway would leave a worker running that the pool does not know of (and
    the exit would wait for it forever)."""
    _DEFERRED[0] += 1
    try:
        yield
    finally:
        _DEFERRED[0] -= 1
    check()


def in_worker() -> None:
    """A pool worker leaves Ctrl-C, which reaches the whole process group, to the CLI (it ends the
    workers itself), rather than turn it into one chunk's error; SIGTERM ends the worker at once.
    (A forked worker inherits the CLI's handlers.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
