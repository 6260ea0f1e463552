"""Many sources on one command line: `newsfacts run` given 1,000 paths tags its run with a few source names and
hands the list over in a file, so Prefect's limit of 100 related resources per event is never reached."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.ingest import MAX_SOURCE_TAGS, source_tags
from hostile import write_good_corpus


def test_a_thousand_files_of_one_folder_are_one_tag_naming_the_folder(tmp_path):
    paths = [str(p) for p in write_good_corpus(tmp_path / "2024-05-01", 1000)]
    assert source_tags(paths) == ["source:2024-05-01"]


def test_files_of_three_folders_are_tagged_with_the_three_folders(tmp_path):
    paths = [str(p) for name in ("dantri", "vnexpress", "tuoitre") for p in write_good_corpus(tmp_path / name, 300)]
    assert sorted(source_tags(paths)) == ["source:dantri", "source:tuoitre", "source:vnexpress"]


def test_a_few_sources_keep_their_own_names(tmp_path):
    assert source_tags([str(tmp_path / "seeds"), "https://vnexpress.net/rss/tin-moi-nhat.rss"]) == [
        "source:seeds", "source:vnexpress.net"]
    assert source_tags([]) == ["source:seeds"]


def test_many_different_sources_are_cut_to_a_few_tags():
    tags = source_tags([f"https://bao{i}.example.vn/rss" for i in range(500)])
    assert len(tags) == MAX_SOURCE_TAGS + 1 and tags[-1] == "source:more"
    assert all(t.startswith("source:bao") for t in tags[:-1]) and all(len(t) <= 100 for t in tags)


@pytest.mark.server
def test_newsfacts_run_given_1000_paths_loads_them_all_with_small_parameters_and_few_tags(
        tmp_path, prefect_harness, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    from flows.cli.main import app

    monkeypatch.setenv("NEWSFACTS_CPU_WORKERS", "1")
    paths = [str(p) for p in write_good_corpus(tmp_path / "ngay-2024-05-01", 1000)]
    warehouse = tmp_path / "wh"
    done = CliRunner().invoke(app, ["run", *paths, "--warehouse", str(warehouse)], catch_exceptions=False)
    assert done.exit_code == 0, done.output[-3000:]

    with get_client(sync_client=True) as client:
        run, = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["source:ngay-2024-05-01"])),
                                     sort=FlowRunSort.START_TIME_DESC, limit=1)
        artifacts = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))) if a.key}
    assert run.state.is_completed() and run.tags == ["source:ngay-2024-05-01"]
    assert run.name.startswith("ingest 1000 sources in ngay-2024-05-01 @ ")
    assert run.parameters.get("sources") is None and len(json.dumps(run.parameters, default=str)) < 1000
    listed = artifacts["ingest-sources"].data
    assert listed.startswith("# 1000 sources") and all(f"`{p}`" in listed for p in paths)

    import pandas as pd

    assert len(pd.read_parquet(warehouse / "articles")) == 1000
    assert len(pd.read_parquet(warehouse / "runs").iloc[0]["sources"]) == 1000
