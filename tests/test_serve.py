"""Scheduled deployments: specs from the sources config, prefect.yaml in sync, and `newsfacts serve` against a real server."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from flows.serve import RECONCILE, deployment_specs, render_prefect_yaml
from warehouse.store import Warehouse
from conftest import REPO, SEED
from servers import VENV_BIN, shared_prefect_server

CONFIG = """
[[source]]
name = "bao-a"
kind = "feed"
url = "https://bao-a.example.vn/rss/kinh-te.rss"
schedule = { cron = "*/30 * * * *" }

[[source]]
name = "bao-b"
url = "https://bao-b.example.vn/sitemap.xml"
schedule = { interval_minutes = 180, timezone = "UTC" }

[[source]]
name = "tam-dung"
kind = "feed"
url = "https://bao-c.example.vn/rss"
enabled = false
"""


def test_one_deployment_per_enabled_source_plus_reconcile(tmp_path):
    (tmp_path / "sources.toml").write_text(CONFIG, encoding="utf-8")
    specs = deployment_specs(str(tmp_path / "sources.toml"), "relative/wh")
    assert [s.name for s in specs] == ["bao-a", "bao-b", RECONCILE]
    feed, sitemap, reconcile = specs
    assert (feed.cron, feed.interval_s, feed.timezone) == ("*/30 * * * *", None, "Asia/Ho_Chi_Minh")
    assert (sitemap.cron, sitemap.interval_s, sitemap.timezone) == (None, 180 * 60, "UTC")
    assert feed.tags == ["source:bao-a", "kind:feed"] and sitemap.tags == ["source:bao-b", "kind:sitemap"]
    assert feed.parameters == {"sources": [f"{tmp_path / 'sources.toml'}#bao-a"],
                               "warehouse": str((Path.cwd() / "relative/wh").resolve())}
    assert reconcile.parameters["reprocess"] is True and reconcile.parameters["full_refresh"] is False
    assert reconcile.cron == "0 2 * * *" and reconcile.entrypoint == "flows.ingest.ingest"


def test_interval_override_replaces_every_source_schedule_but_not_the_nightly_reconcile(tmp_path):
    (tmp_path / "sources.toml").write_text(CONFIG, encoding="utf-8")
    specs = deployment_specs(str(tmp_path / "sources.toml"), None, interval_s=7)
    assert [(s.cron, s.interval_s) for s in specs[:-1]] == [(None, 7), (None, 7)]
    assert specs[-1].cron == "0 2 * * *"
    assert all("warehouse" not in s.parameters for s in specs)  # the worker's NEWSFACTS_WAREHOUSE decides


def test_prefect_yaml_declares_the_same_deployments_as_serve(monkeypatch):
    monkeypatch.chdir(REPO)  # prefect.yaml names the config relative to the project folder
    text = (REPO / "prefect.yaml").read_text(encoding="utf-8")
    assert text == render_prefect_yaml(deployment_specs("sources.example.toml")), \
        "prefect.yaml is stale: python -m flows.serve sources.example.toml > prefect.yaml"
    declared = yaml.safe_load(text)
    assert [d["name"] for d in declared["deployments"]] == ["baovidu-thoisu", "baovidu-sitemap", RECONCILE]
    assert declared["deployments"][0]["schedules"] == [{"cron": "*/30 * * * *", "timezone": "Asia/Ho_Chi_Minh"}]
    for entry in declared["deployments"]:  # what `prefect deploy` loads
        assert load_flow_from_entrypoint(str(REPO / entry["entrypoint"])).name == "ingest"


# ----------------------------------------------------------------- against a real Prefect server


def _flow_runs(server, deployment_name: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with server.settings(), get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment_name])))


def _wait_for_completed(server, deployment_name: str, timeout_s: float, serve_process) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert serve_process.poll() is None, "newsfacts serve exited early"
        done = [r for r in _flow_runs(server, deployment_name) if r.state and r.state.is_completed()]
        if done:
            return done[0]
        time.sleep(1.0)
    states = [(r.name, r.state_name) for r in _flow_runs(server, deployment_name)]
    raise AssertionError(f"no completed run of {deployment_name} within {timeout_s} s; runs: {states}")


@pytest.mark.server
def test_serve_runs_on_schedule_and_stops_cleanly_on_sigterm(tmp_path, httpserver):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    server = shared_prefect_server()
    seeds = tmp_path / "seeds"
    shutil.copytree(SEED.parent, seeds)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for file in sorted(seeds.glob("*.txt")):  # the copy of seeds/, published on loopback as a web source
        httpserver.expect_request(f"/tin/{file.name}").respond_with_data(
            file.read_bytes(), content_type="text/plain; charset=utf-8")
    (tmp_path / "urls.txt").write_text("".join(httpserver.url_for(f"/tin/{f.name}") + "\n"
                                               for f in sorted(seeds.glob("*.txt"))), encoding="utf-8")
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "seed-web"\nkind = "url_list"\nurl = "urls.txt"\nschedule = { cron = "0 6 * * *" }\n',
        encoding="utf-8")
    warehouse = tmp_path / "wh"
    log = (tmp_path / "serve.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(VENV_BIN / "newsfacts"), "serve", "--config", str(tmp_path / "sources.toml"), "-w", str(warehouse),
         "--interval-seconds", "10"],
        cwd=tmp_path, env=server.client_env(PREFECT_RUNNER_POLL_FREQUENCY="2"), stdout=log, stderr=subprocess.STDOUT)
    try:
        run = _wait_for_completed(server, "seed-web", 120, process)
        latency = time.monotonic() - started
        assert run.name.startswith("ingest seed-web @ ")  # the configured source's name
        assert set(run.tags) >= {"source:seed-web", "kind:url_list"}
        assert run.parameters["sources"] == [f"{tmp_path / 'sources.toml'}#seed-web"]
        assert [(a["title"], a["source_name"]) for a in Warehouse(str(warehouse)).read_table("articles").to_pylist()] == [
            ("Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị", "seed-web")]

        reconcile = run_deployment_on(server, run_deployment, "ingest/reconcile")
        assert reconcile.state.is_completed(), reconcile.state
        assert reconcile.name.startswith("ingest reprocess stale @ ")
        assert set(reconcile.tags) >= {"reconcile", "reprocess"}
        print(f"\nfirst scheduled run completed {latency:.1f} s after `newsfacts serve` started")
    finally:
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(90)  # a run in flight finishes first; slow on a loaded machine
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        log.close()
    print(f"serve exited with {code} {time.monotonic() - stopped:.1f} s after SIGTERM")
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "All deployments have been paused" in output
    with server.settings(), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest/seed-web")
        assert deployment.paused  # nothing is scheduled for a server nobody serves


def run_deployment_on(server, run_deployment, name: str):
    with server.settings():
        return run_deployment(name, timeout=90, poll_interval=1)


# ----------------------------------------------------------------- reprocess (in-process, temporary API)

def _age_articles(warehouse: Path, article_ids: set[str], old_versions: str) -> None:
    """Pretend older extractors wrote these articles: rewrite their extractor_versions in place."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for part in (warehouse / "articles").rglob("*.parquet"):
        table = pq.read_table(part, partitioning=None)
        column = table.schema.get_field_index("extractor_versions")
        stale = pc.is_in(table["article_id"], pa.array(sorted(article_ids)))
        aged = pc.if_else(stale, pa.scalar(old_versions), table["extractor_versions"])
        pq.write_table(table.set_column(column, table.schema.field(column), aged), part)


def test_reprocess_reextracts_only_stale_articles_from_stored_raw_inputs(prefect_harness, tmp_path, httpserver):
    from typer.testing import CliRunner

    from flows.cli.main import app
    from flows.ingest import ingest
    from tasks.extract.batch import extractor_versions
    from test_dask import SYNTHETIC

    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "001_cau_cua_luc.txt").write_text(SYNTHETIC, encoding="utf-8")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    web_text = SYNTHETIC.replace("cầu Cửa Lục 3", "cảng Hòn Gai").replace("1.400 tỷ", "2.100 tỷ")
    httpserver.expect_request("/tin/cang-hon-gai.txt").respond_with_data(
        web_text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    url = httpserver.url_for("/tin/cang-hon-gai.txt")
    warehouse = tmp_path / "wh"
    first = ingest(sources=[str(folder), url], warehouse=str(warehouse))
    assert first["new"] == 3
    articles = Warehouse(str(warehouse)).read_table("articles").to_pylist()
    by_input = {Path(a["input_uri"]).name: a for a in articles}
    stale = {by_input[SEED.name]["article_id"], by_input["cang-hon-gai.txt"]["article_id"]}
    assert by_input["cang-hon-gai.txt"]["raw_location"].startswith("archive:")
    _age_articles(warehouse, stale, "quantities=0.0.1")
    requests = len(httpserver.log)

    result = CliRunner().invoke(app, ["reprocess", "-w", str(warehouse)], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    assert len(httpserver.log) == requests  # the web page came from the raw archive, not the web
    after = {a["article_id"]: a for a in Warehouse(str(warehouse)).read_table("articles").to_pylist()}
    assert {a["extractor_versions"] for a in after.values()} == {extractor_versions()}
    runs = {r["run_id"]: r for r in Warehouse(str(warehouse)).read_table("runs").to_pylist()}
    (reprocess_id,) = set(runs) - {first["run_id"]}
    assert (runs[reprocess_id]["discovered"], runs[reprocess_id]["articles_changed"]) == (2, 2)
    assert {aid for aid, a in after.items() if a["run_id"] == reprocess_id} == stale
    untouched = by_input["001_cau_cua_luc.txt"]
    assert after[untouched["article_id"]]["run_id"] == first["run_id"]
    quantities = Warehouse(str(warehouse)).read_table("quantities", ["article_id", "mention"]).to_pylist()
    assert any(q["mention"].startswith("2.100 tỷ") for q in quantities)  # the archived page's facts are back
