"""Issue 19: 3 writer processes on one warehouse (S3 through a real moto server, and a local folder), overlapping
sources, started together, one SIGKILLed during a commit, a reader polling all along (tests/multiwriter.py)."""

from __future__ import annotations

import uuid

import boto3
import pytest

from multiwriter import describe, make_corpus, reference, run_round
from servers import moto_server

pytestmark = pytest.mark.killsweep


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    base = tmp_path_factory.mktemp("multiwriter")
    folders = make_corpus(base / "in")
    return folders, reference(folders, base / "reference")


def test_three_writers_on_one_s3_warehouse_one_killed_mid_commit(scenario, tmp_path):
    folders, ref = scenario
    with moto_server() as s3:
        bucket = f"news-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=bucket)
        result = run_round("s3", f"s3://{bucket}/news", folders, ref, "commit.moved:3", tmp_path, s3.env())
    assert result.ok, describe(result)


def test_three_writers_on_one_local_warehouse_one_killed_mid_commit(scenario, tmp_path):
    folders, ref = scenario
    result = run_round("local", str(tmp_path / "wh"), folders, ref, "commit.manifest:1", tmp_path / "work", {})
    assert result.ok, describe(result)
