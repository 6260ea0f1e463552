"""Shared fixtures: repository paths, the shared corpus, and one Prefect test harness per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_cff743e03863ce1d.txt"
CORPUS = REPO.parent / "shared" / "corpus" / "dantri-unc"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not present at {CORPUS}")


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for flow tests; started once (it takes ~20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        yield


@pytest.fixture
def seed_folder(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder
