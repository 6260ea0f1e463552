"""Prefect flows of newsfacts: wiring of the stages, parameters and task runners."""

import tasks  # noqa: F401  (sets the offline Prefect defaults before prefect is imported)
