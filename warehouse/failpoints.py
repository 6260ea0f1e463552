"""Named failpoints: the crash-safety tests kill the process at a chosen point of a run."""

from __future__ import annotations

import os
import signal
from collections import Counter

# NEWSFACTS_KILL_AT="<point>:<n>" sends SIGKILL to this process the n-th time <point> is reached
# (and each later time; see NEWSFACTS_KILL_ONCE).
# Unset (always, outside the kill-point sweep), a checkpoint costs one dict lookup.
_target = os.environ.get("NEWSFACTS_KILL_AT")
_seen: Counter = Counter()


def checkpoint(point: str) -> None:
    if _target is None:
        return
    name, _, nth = _target.partition(":")
    if name == point:
        _seen[point] += 1
        if _seen[point] >= int(nth or 1) and _first_kill():
            os.kill(os.getpid(), signal.SIGKILL)


def _first_kill() -> bool:
    """With NEWSFACTS_KILL_ONCE=<file>, only the first process to get here is killed (it creates the
    file): pool workers each count their own checkpoints, and a fresh worker must be able to finish
    the retried work."""
    marker = os.environ.get("NEWSFACTS_KILL_ONCE")
    if not marker:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
