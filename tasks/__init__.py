"""Stage logic of newsfacts: fetch, clean, extract, load (pure functions) and their Prefect task wrappers."""

import os

# Embedded (ephemeral) Prefect on a fresh machine: the first start migrates a new database and can
# exceed the 20 s default; analytics would try to reach the internet on every start. Set here,
# before any stage module imports prefect.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
