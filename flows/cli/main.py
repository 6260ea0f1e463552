"""The entry point of `newsfacts`: the app with every command module registered on it."""

from flows.cli import bench, compact, evaluate, facts, ops, report, run  # noqa: F401 - each registers its commands on `app`
from flows.cli.app import app

if __name__ == "__main__":
    app()
