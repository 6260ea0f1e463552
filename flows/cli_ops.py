"""Operations commands of the CLI: serve (scheduled deployments) and reprocess (stale articles)."""

from flows.cli import app  # noqa: F401
