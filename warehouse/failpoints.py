"""Named failpoints: the crash-safety tests kill the process at a chosen point of a run."""

from __future__ import annotations

import os
import signal
from collections import Counter

# NEWSFACTS_KILL_AT="<point>:<n>" sends SIGKILL to this process the n-th time <point> is reached.
# Unset (always, outside the kill-point sweep), a checkpoint costs one dict lookup.
_target = os.environ.get("NEWSFACTS_KILL_AT")
_seen: Counter = Counter()


def checkpoint(point: str) -> None:
    if _target is None:
        return
    name, _, nth = _target.partition(":")
    if name == point:
        _seen[point] += 1
        if _seen[point] >= int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
