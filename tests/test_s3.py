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


# ---- the writer lease: S3 conditional writes ---------------------------------------------------


def test_a_second_writer_waits_for_the_lease_and_gets_it_once_released(bucket):
    from warehouse.lease import Lease, s3_client

    base, client = f"{bucket}/news", s3_client()
    first = Lease(client, base, lease_s=2.0)
    first.acquire(5, "s3://" + base)
    with pytest.raises(TimeoutError, match="locked by another writer"):
        Lease(client, base, lease_s=2.0).acquire(3.5, "s3://" + base)  # longer than a lease: renewals keep it
    first.check()
    first.release()
    second = Lease(client, base, lease_s=2.0)
    second.acquire(1, "s3://" + base)
    second.release()


def test_a_dead_holders_lease_is_taken_over_after_one_lease_and_its_holder_is_fenced_off(bucket):
    import time

    from warehouse.lease import Lease, LeaseLost, s3_client

    base, client = f"{bucket}/news", s3_client()
    dead = Lease(client, base, lease_s=1.5)
    dead.acquire(5, "s3://" + base)
    dead._stop.set()  # stops renewing without releasing: what a SIGKILLed or frozen holder leaves
    dead._renewer.join()
    started = time.monotonic()
    taker = Lease(client, base, lease_s=1.5)
    taker.acquire(10, "s3://" + base)
    waited = time.monotonic() - started
    assert 1.5 <= waited < 6, f"took the lease over after {waited:.1f} s (lease 1.5 s)"
    with pytest.raises(LeaseLost):
        dead.check()  # the old holder, woken up, must not touch committed files
    taker.release()


def test_an_expired_lease_take_over_fails_when_the_holder_renews_first(bucket):
    """A live holder's renewal changes the ETag: a take-over with If-Match on the old one is refused."""
    from warehouse.lease import Lease, s3_client

    base, client = f"{bucket}/news", s3_client()
    holder = Lease(client, base, lease_s=30)
    holder.acquire(5, "s3://" + base)
    stale_etag = holder._etag
    holder._renewals += 1
    assert holder._put({"IfMatch": holder._etag})  # a renewal
    thief = Lease(client, base, lease_s=30)
    assert not thief._put({"IfMatch": stale_etag})
    holder.check()
    holder.release()


class _IgnoresConditions:
    """An S3 client of a store that ignores If-None-Match / If-Match (as some S3-compatible stores do)."""

    def __init__(self, client):
        self._client, self.meta = client, client.meta

    def put_object(self, **kwargs):
        kwargs.pop("IfNoneMatch", None)
        kwargs.pop("IfMatch", None)
        return self._client.put_object(**kwargs)


def test_a_store_without_conditional_writes_is_refused_naming_the_single_writer_option(bucket):
    from warehouse.lease import ConditionalWritesUnsupported, probe_conditional_writes, s3_client

    with pytest.raises(ConditionalWritesUnsupported, match="NEWSFACTS_WAREHOUSE_SINGLE_WRITER=true"):
        probe_conditional_writes(_IgnoresConditions(s3_client()), f"{bucket}/news")
    probe_conditional_writes(s3_client(), f"{bucket}/news")  # moto honours them


def test_the_single_writer_option_writes_to_such_a_store_with_the_best_effort_lease(bucket, monkeypatch):
    import warehouse.lock as lock

    monkeypatch.setenv("NEWSFACTS_WAREHOUSE_SINGLE_WRITER", "true")
    monkeypatch.setattr(lock, "probe_conditional_writes", lambda *a: pytest.fail("probed in single-writer mode"))
    wh = Warehouse(f"s3://{bucket}/news")
    wh.commit({"articles": [{"article_id": "a", "content_hash": "h", "input_uri": "/a", "uri": "/a",
                             "source_name": "s", "extractor_versions": "x"}]}, "r1")
    assert [r["article_id"] for r in wh.read_table("articles").to_pylist()] == ["a"]
