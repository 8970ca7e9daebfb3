"""`skewlint check --watch`: lint, then lint again whenever a watched file changes, appears or goes
away. Polling with the standard library (a stat of each file per poll); the cache makes a run after
a change lint only what changed. Ctrl-C ends it: the signal handler of `stop` raises in `sleep`."""
from __future__ import annotations

import os
import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from skewlint.run import stop

INTERVAL = 0.5  # seconds between polls

Snapshot = Dict[str, Tuple[int, int]]


def snapshot(paths: Iterable[str]) -> Snapshot:
    """Modification time and size of each path that exists."""
    state: Snapshot = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        state[os.path.abspath(path)] = (info.st_mtime_ns, info.st_size)
    return state


def changed(before: Snapshot, after: Snapshot) -> List[str]:
    """The paths modified, created or removed between two snapshots."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def watch(run: Callable[[], object], files: Callable[[], Iterable[str]], announce: Callable[[List[str]], None],
          interval: float = INTERVAL, sleep: Callable[[float], None] = time.sleep, polls: Optional[int] = None) -> None:
    """Run once, then every `interval` seconds look at `files()` (asked again each time: new files
    count) and run again when something changed; for ever, or `polls` times. The snapshot is taken
    before each run, so that a change made during a run (`--fix` writing) is seen by the next poll."""
    state = snapshot(files())
    run()
    count = 0
    while polls is None or count < polls:
        sleep(interval)
        count += 1
        stop.check()
        current = snapshot(files())
        different = changed(state, current)
        if different:
            state = current
            announce(different)
            run()
