"""The Prefect edge of the stages: pool workers stay free of Prefect, and stages let go of consumed payloads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tasks.clean.task import clean_task
from tasks.extract.task import extract_task
from tasks.fetch.task import fetch_task
from tasks.load import task as load_task_module
from tasks.load.task import load_task
from tasks.settings import PROJECT_ROOT, load_settings
from tasks.fetch.discover import discover

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


def test_stage_modules_import_without_prefect():
    """What a CPU pool worker imports to run clean and extract must not pull in Prefect (~65 MB per worker)."""
    code = ("import sys; import tasks.fetch.discover, tasks.clean.batch, tasks.extract.batch, tasks.load.batch, tasks.pool; "
            "print('prefect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "1")  # inline: the objects below are the ones the stages see
    settings = load_settings(warehouse=str(tmp_path / "wh"))
    found = discover([str(ARTICLES)], settings, settings.warehouse)
    assert len(found.items) >= 5
    return fetch_task.fn(found.items, {}, settings.warehouse, batch_no=1, batch_count=1), settings.warehouse


def test_each_stage_lets_go_of_the_payload_it_consumed(fetched):
    """Prefect 3.9 keeps a finished future (and its result) alive until a full garbage collection:
    a stage that has used its input's payload drops it, so memory does not grow with the run."""
    batch, warehouse = fetched
    cleaned = clean_task.fn(batch, warehouse, None, None, batch_no=1, batch_count=1)
    assert cleaned.packed and cleaned.packed_count >= 5

    extracted = extract_task.fn(cleaned, "run-1", batch_no=1, batch_count=1)
    assert cleaned.packed == b""
    assert extracted.rows["articles"].num_rows == cleaned.packed_count

    loaded = load_task.fn(warehouse, extracted, "run-1", batch_no=1, batch_count=1)
    assert extracted.rows == {}
    assert loaded.new == cleaned.packed_count and loaded.batch.articles == cleaned.packed_count


def test_a_failed_load_keeps_its_rows_for_the_retry(fetched, monkeypatch):
    batch, warehouse = fetched
    cleaned = clean_task.fn(batch, warehouse, None, None, batch_no=1, batch_count=1)
    extracted = extract_task.fn(cleaned, "run-1", batch_no=1, batch_count=1)

    def unavailable(*args):
        raise OSError("warehouse unavailable")

    monkeypatch.setattr(load_task_module, "load_batch", unavailable)
    with pytest.raises(OSError):
        load_task.fn(warehouse, extracted, "run-1", batch_no=1, batch_count=1)
    monkeypatch.undo()
    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "1")

    retried = load_task.fn(warehouse, extracted, "run-1", batch_no=1, batch_count=1)  # Prefect's retry
    assert retried.new == cleaned.packed_count


def test_embedded_runs_send_no_heartbeats_but_server_runs_do():
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    from flows.runners import embedded_run_settings

    with temporary_settings(updates={PREFECT_API_URL: None}), embedded_run_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}), embedded_run_settings():
        assert get_current_settings().flows.heartbeat_frequency == 180
