"""Stage logic of newsfacts: fetch, clean, extract, load as plain Python; flows/stages.py makes them Prefect tasks."""

import os

# Embedded (ephemeral) Prefect on a fresh machine: the first start migrates a new database and can
# exceed the 20 s default; analytics would try to reach the internet on every start. Set here,
# before prefect is imported: flows/ and the CLI import this package first.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
