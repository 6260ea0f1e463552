"""Scale-out: the ingest flow on a 2-worker Dask LocalCluster writes the same tables as the thread runner."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SEED
from flows.runners import flow_with_runner
from warehouse.store import Warehouse
from warehouse.tables import TABLES

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Columns that differ between any two runs by design: when, and which run/batch wrote a row.
RUN_COLUMNS = {"loaded_at", "run_id", "batch_id", "fetched_at", "first_seen_at", "last_seen_at"}

SYNTHETIC = """Quảng Ninh: Khởi công cầu Cửa Lục 3

Thứ Hai, 15/04/2019, 08:30 [GMT+7]

Sáng 15/4, UBND tỉnh Quảng Ninh tổ chức lễ khởi công xây dựng cầu Cửa Lục 3 với tổng mức đầu tư 1.400 tỷ đồng.

Cầu có chiều dài 1.200 m, được xây dựng trong 24 tháng. Ông Nguyễn Văn Thắng, Chủ tịch UBND tỉnh Quảng Ninh, phát biểu tại buổi lễ.

Trong quý I/2019, toàn tỉnh thành lập mới 512 doanh nghiệp, tăng 12% so với cùng kỳ.

Minh Hà
"""


def _inputs(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    (folder / "001_cau_cua_luc.txt").write_text(SYNTHETIC, encoding="utf-8")
    return folder


def tables_without_run_columns(root: str) -> dict[str, list[str]]:
    out = {}
    for name in TABLES:
        if name == "runs":
            continue
        rows = Warehouse(root).read_table(name).to_pylist()
        out[name] = sorted(json.dumps({k: v for k, v in r.items() if k not in RUN_COLUMNS}, sort_keys=True,
                                      default=str, ensure_ascii=False) for r in rows)
    return out


def test_dask_local_cluster_writes_the_same_tables_as_threads(tmp_path):
    folder = _inputs(tmp_path)
    threads = flow_with_runner("threads", workers=2)(sources=[str(folder)], warehouse=str(tmp_path / "threads"),
                                                     batch_size=1)
    dask = flow_with_runner("dask", workers=2)(sources=[str(folder)], warehouse=str(tmp_path / "dask"), batch_size=1)
    assert threads["status"] == dask["status"] == "completed"
    assert (dask["batches"], dask["new"], dask["rejected"]) == (2, 2, 0) and dask["balanced"]
    expected = tables_without_run_columns(str(tmp_path / "threads"))
    assert len(expected["articles"]) == 2 and expected["quantities"]
    assert tables_without_run_columns(str(tmp_path / "dask")) == expected
