"""What an operator sees in the Prefect UI: a `newsfacts run` against a real Prefect server, read back through its API."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import REPO, SEED
from servers import VENV_BIN, shared_prefect_server

pytestmark = pytest.mark.server

TASK_NAMES = {"fetch[discover]", "fetch[batch 1/1]", "clean[batch 1/1]", "extract[batch 1/1]", "load[batch 1/1]"}


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _flow_run_of(server, warehouse: str):
    """The flow run whose `warehouse` parameter is this test's warehouse (the server is shared)."""
    with server.settings(), _client() as client:
        runs = [r for r in client.read_flow_runs() if r.parameters.get("warehouse") == warehouse]
    return runs[0] if runs else None


def _task_runs(server, flow_run_id) -> dict:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with server.settings(), _client() as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {r.name: r for r in runs}


def _unblock_after_first_failure(server, warehouse: str, blocker: Path, stop: threading.Event, seen: list) -> None:
    """Remove the blocker once the API shows the load task waiting for its retry."""
    while not stop.is_set():
        run = _flow_run_of(server, warehouse)
        load = _task_runs(server, run.id).get("load[batch 1/1]") if run else None
        if load is not None and load.state_name in ("AwaitingRetry", "Retrying"):
            seen.append(load.state_name)
            blocker.unlink()
            return
        time.sleep(0.25)


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """One `newsfacts run` on a copy of the seed whose first load attempt fails and is retried.

    The fault: a regular file where the `rejects` table folder belongs. Only a batch commit reads
    that table, so discovery, fetch, clean and extract go through and load fails until the test,
    watching the task run through the API, removes the file.
    """
    server = shared_prefect_server()
    tmp = tmp_path_factory.mktemp("server-run")
    seeds = tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    warehouse = tmp / "wh"
    warehouse.mkdir()
    blocker = warehouse / "rejects"
    blocker.write_text("not a folder")
    env = server.client_env(NEWSFACTS_TASK_RETRIES="3", NEWSFACTS_TASK_RETRY_DELAY_S="2",
                            NEWSFACTS_TASK_RETRY_JITTER="0")
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_unblock_after_first_failure, args=(server, str(warehouse), blocker, stop, seen))
    started = time.monotonic()
    watcher.start()
    try:
        done = subprocess.run([str(VENV_BIN / "newsfacts"), "run", str(seeds), "-w", str(warehouse)], env=env,
                              cwd=tmp, capture_output=True, text=True, timeout=180)
    finally:
        stop.set()
        watcher.join()
    wall = time.monotonic() - started
    print(f"\nprefect server started in {server.startup_s:.1f} s; seed run (with one retried load) took {wall:.1f} s")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    run = _flow_run_of(server, str(warehouse))
    return {"server": server, "run": run, "tasks": _task_runs(server, run.id), "retry_seen": seen,
            "output": done.stdout + done.stderr}


def test_flow_run_is_named_by_source_and_time(seed_run):
    assert seed_run["run"].state.is_completed()
    assert re.fullmatch(r"ingest seeds @ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", seed_run["run"].name)


def test_task_runs_are_named_by_stage_and_batch(seed_run):
    assert set(seed_run["tasks"]) == TASK_NAMES
    assert all(t.state.is_completed() for t in seed_run["tasks"].values())


def test_flow_run_is_tagged_with_its_sources(seed_run):
    assert "source:seeds" in seed_run["run"].tags


def test_artifacts_summarise_the_run(seed_run):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    server = seed_run["server"]
    with server.settings(), _client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[seed_run["run"].id])))
    by_key = {a.key: a for a in artifacts if a.key}
    assert by_key["ingest-summary"].type == "markdown"
    assert "completed" in by_key["ingest-summary"].data and "quantities" in by_key["ingest-summary"].data
    assert by_key["ingest-table-rows"].type == "table"
    rows = {r["table"]: r for r in _table_rows(by_key["ingest-table-rows"].data)}
    assert (rows["articles"]["rows"], rows["articles"]["written_by_this_run"]) == (1, 1), by_key["ingest-summary"].data
    assert rows["quantities"]["rows"] > 0
    assert by_key["ingest-progress"].type == "progress" and float(by_key["ingest-progress"].data) == 100.0


def _table_rows(data) -> list[dict]:
    import json

    return json.loads(data) if isinstance(data, str) else data


def test_logs_tell_an_operator_what_happened(seed_run):
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    server = seed_run["server"]
    with server.settings(), _client() as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[seed_run["run"].id])))
    messages = [log.message for log in logs]
    assert any(m.startswith("Discovered 1 input(s) in 1 source(s): 1 to process in 1 batch(es)") for m in messages)
    assert any(m.startswith("Batch 1/1: 1 input(s): 0 skipped, 1 article(s) extracted -> 1 new") for m in messages)
    assert any("Retry 1/3 will start" in m and "Not a directory" in m for m in messages), messages
    assert any(m.startswith("Run completed: 1 new") for m in messages)


def test_a_failed_load_is_retried_and_the_retry_is_visible(seed_run):
    server = seed_run["server"]
    load = seed_run["tasks"]["load[batch 1/1]"]
    assert seed_run["retry_seen"], "the watcher never saw the load task waiting for its retry"
    assert load.run_count == 2 and load.state.is_completed()
    with server.settings(), _client() as client:
        history = [s.name for s in client.read_task_run_states(load.id)]
    assert history.count("Running") == 1 and "AwaitingRetry" in history and history[-1] == "Completed"
    assert seed_run["tasks"]["extract[batch 1/1]"].run_count == 1  # only the failed stage ran again


def test_the_ui_is_served_and_talks_to_this_api(seed_run):
    server = seed_run["server"]
    page = httpx.get(server.ui_url + "/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(server.ui_url + "/ui-settings", timeout=10).json()["api_url"] == server.api_url
    assert str(seed_run["run"].id) in seed_run["output"]  # the "View at …/runs/flow-run/<id>" line


def test_prefect_yaml_deploys_to_a_process_work_pool(seed_run):
    server = seed_run["server"]
    env = server.client_env()
    create = subprocess.run([str(VENV_BIN / "prefect"), "work-pool", "create", "newsfacts", "--type", "process"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert create.returncode == 0, create.stdout + create.stderr
    deploy = subprocess.run([str(VENV_BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
    with server.settings(), _client() as client:
        feed = client.read_deployment_by_name("ingest/baovidu-thoisu")
        reconcile = client.read_deployment_by_name("ingest/reconcile")
    assert feed.work_pool_name == "newsfacts" and feed.tags == ["source:baovidu-thoisu", "kind:feed"]
    assert [s.schedule.cron for s in feed.schedules] == ["*/30 * * * *"]
    assert reconcile.parameters == {"full_refresh": False, "reprocess": True}
    assert reconcile.entrypoint == "flows/ingest.py:ingest"
