"""Raw archive: content-addressed, gzip, atomic, verified on read; validators state file."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from tasks.fetch.archive import Archive, ArchiveError, StateFile
from webfixtures import article_html


def test_put_get_exists_and_layout(tmp_path):
    archive = Archive(str(tmp_path))
    body = article_html(5).encode()
    key = archive.put(body)
    sha = hashlib.sha256(body).hexdigest()
    assert key == f"archive:{sha}"
    stored = tmp_path / "_raw" / sha[:2] / f"{sha}.gz"
    assert stored.is_file() and gzip.decompress(stored.read_bytes()) == body
    assert archive.exists(key) and archive.get(key) == body
    assert not list(tmp_path.rglob("*.tmp-*"))


def test_same_body_stored_once(tmp_path):
    archive = Archive(str(tmp_path))
    body = "Tin tức Hạ Long".encode()
    key = archive.put(body)
    stored = tmp_path / "_raw" / key[8:10] / f"{key[8:]}.gz"
    mtime = stored.stat().st_mtime_ns
    assert archive.put(body) == key and stored.stat().st_mtime_ns == mtime
    assert len(list((tmp_path / "_raw").rglob("*.gz"))) == 1


def test_missing_bad_and_corrupt_keys(tmp_path):
    archive = Archive(str(tmp_path))
    with pytest.raises(ArchiveError, match="not in the archive"):
        archive.get("archive:" + "0" * 64)
    with pytest.raises(ArchiveError, match="not an archive key"):
        archive.get("archive:../../etc/passwd")
    key = archive.put(b"original")
    (tmp_path / "_raw" / key[8:10] / f"{key[8:]}.gz").write_bytes(gzip.compress(b"tampered"))
    with pytest.raises(ArchiveError, match="corrupt"):
        archive.get(key)


def test_file_uri_root_works(tmp_path):
    archive = Archive(tmp_path.as_uri())
    key = archive.put(b"qua file://")
    assert Archive(str(tmp_path)).get(key) == b"qua file://"


def test_state_file_roundtrip_and_damaged_file(tmp_path):
    state = StateFile(str(tmp_path), "http_validators.json")
    assert state.load() == {}
    state.save({"https://bao.example.vn/a": {"etag": '"x"'}})
    assert StateFile(str(tmp_path), "http_validators.json").load() == {"https://bao.example.vn/a": {"etag": '"x"'}}
    (tmp_path / "_state" / "http_validators.json").write_text("{broken")
    assert state.load() == {}
