"""Prefect flows of newsfacts: wiring of the stages, parameters and task runners."""

import tasks.prefect_edge  # noqa: F401  (offline Prefect defaults before prefect is imported)
