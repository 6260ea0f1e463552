"""The `newsfacts bench` command: the benchmark harness of bench/."""

from flows.cli import app  # noqa: F401
