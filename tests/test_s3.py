"""Object storage: the flow writes the warehouse to a real (moto) S3 server; pandas, DuckDB and `newsfacts sql` read it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import boto3
import duckdb
import pandas as pd
import pyarrow.fs as pafs
import pytest
from fsspec.implementations.arrow import ArrowFSWrapper

from conftest import SEED
from flows.ingest import ingest
from servers import VENV_BIN, moto_server
from warehouse.store import Warehouse
from warehouse.tables import TABLES

pytestmark = pytest.mark.usefixtures("prefect_harness")


class S3ViaArrow(ArrowFSWrapper):
    """pyarrow's S3 filesystem as an fsspec filesystem that DuckDB routes s3:// URLs to.

    One filesystem layer for every reader in this test (pandas and DuckDB), the same one the store
    writes with, so directory-marker objects are understood the same way by all of them.
    """

    protocol = "s3"


@pytest.fixture(scope="module")
def s3():
    with moto_server() as server:
        yield server


@pytest.fixture
def bucket(s3, monkeypatch):
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    name = f"news-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket=name)
    return name


def _arrow_s3(s3) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(endpoint_override=s3.endpoint, region="us-east-1", access_key="testing",
                             secret_key="testing")


def snapshot(root: str) -> dict[str, list[str]]:
    out = {}
    for name in TABLES:
        if name != "runs":
            rows = [{k: v for k, v in r.items() if k != "loaded_at"} for r in Warehouse(root).read_table(name).to_pylist()]
            out[name] = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
    return out


def test_flow_writes_to_s3_and_every_reader_reads_it_back(tmp_path, s3, bucket):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    root = f"s3://{bucket}/news"
    summary = ingest(sources=[str(seeds)], warehouse=root)
    assert summary["status"] == "completed" and summary["new"] == 1 and summary["warehouse"] == root

    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3.endpoint).list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith("news/articles/source=seeds/year=2018/month=10/part-") for k in keys)
    assert not any(k.startswith("news/_staging/") and k.endswith(".parquet") for k in keys)

    fs = _arrow_s3(s3)
    articles = pd.read_parquet(f"{bucket}/news/articles", filesystem=fs)
    assert list(articles["title"]) == ["Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị"]
    assert str(articles.iloc[0]["source"]) == "seeds"
    quantities = pd.read_parquet(f"{bucket}/news/quantities", filesystem=fs)
    assert len(quantities) == summary["table_rows"]["quantities"] > 0

    con = duckdb.connect()
    con.register_filesystem(S3ViaArrow(fs))
    (n, title), = con.sql(f"SELECT count(*), any_value(title) FROM read_parquet('s3://{bucket}/news/articles/**/*.parquet', "
                          "hive_partitioning=true)").fetchall()
    assert (n, title) == (1, "Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị")

    before = snapshot(root)
    again = ingest(sources=[str(seeds)], warehouse=root)
    assert (again["new"], again["skipped"]) == (0, 1) and snapshot(root) == before
    refresh = ingest(sources=[str(seeds)], warehouse=root, full_refresh=True)
    assert (refresh["new"], refresh["unchanged"]) == (0, 1) and snapshot(root) == before
    assert len(pd.read_parquet(f"{bucket}/news/runs", filesystem=fs)) == 3


def test_newsfacts_sql_reads_an_s3_warehouse(tmp_path, s3, bucket):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    root = f"s3://{bucket}/news"
    ingest(sources=[str(seeds)], warehouse=root)
    env = {**os.environ, **s3.env()}
    out = tmp_path / "titles.csv"
    done = subprocess.run([str(VENV_BIN / "newsfacts"), "sql", "SELECT title, source FROM articles", "-w", root,
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert pd.read_csv(out).to_dict("records") == [
        {"title": "Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị", "source": "seeds"}]
