"""Raw archive (bronze layer): every fetched body stored once, gzip-compressed, keyed by its SHA-256."""

from __future__ import annotations

import gzip
import hashlib
import json

from warehouse.files import exists, read_bytes, resolve_filesystem, write_atomic

ARCHIVE_PREFIX = "archive:"
RAW_DIR = "_raw"
STATE_DIR = "_state"


class ArchiveError(RuntimeError):
    """A key that is malformed, missing, or whose stored bytes no longer match their hash."""


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def key_for(sha: str) -> str:
    return f"{ARCHIVE_PREFIX}{sha}"


def sha_of_key(key: str) -> str:
    """The SHA-256 inside an "archive:<sha256>" key; raises ArchiveError on anything else."""
    sha = key[len(ARCHIVE_PREFIX):] if key.startswith(ARCHIVE_PREFIX) else ""
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ArchiveError(f"not an archive key: {key!r}")
    return sha


class Archive:
    """Content-addressed store under `<root>/_raw/<aa>/<sha256>.gz` on any pyarrow filesystem."""

    def __init__(self, root: str):
        self.root = root
        self.fs, self.base = resolve_filesystem(root)

    def path_of(self, key: str) -> str:
        sha = sha_of_key(key)
        return f"{self.base}/{RAW_DIR}/{sha[:2]}/{sha}.gz"

    def put(self, body: bytes) -> str:
        """Store `body` (once: an existing key is not rewritten) and return its key."""
        key = key_for(sha256_hex(body))
        path = self.path_of(key)
        if not exists(self.fs, path):
            # mtime=0 keeps the .gz bytes deterministic for identical bodies
            write_atomic(self.fs, path, gzip.compress(body, compresslevel=6, mtime=0))
        return key

    def exists(self, key: str) -> bool:
        return exists(self.fs, self.path_of(key))

    def get(self, key: str) -> bytes:
        """The original body; verified against its hash so silent corruption surfaces here."""
        data = read_bytes(self.fs, self.path_of(key))
        if data is None:
            raise ArchiveError(f"{key} is not in the archive at {self.root}")
        body = gzip.decompress(data)
        if sha256_hex(body) != sha_of_key(key):
            raise ArchiveError(f"{key} is corrupt in the archive at {self.root} (hash mismatch)")
        return body


class StateFile:
    """A small JSON document under `<warehouse>/_state/`, replaced atomically on save."""

    def __init__(self, root: str, name: str):
        self.fs, base = resolve_filesystem(root)
        self.path = f"{base}/{STATE_DIR}/{name}"

    def load(self) -> dict:
        data = read_bytes(self.fs, self.path)
        if not data:
            return {}
        try:
            loaded = json.loads(data)
        except ValueError:
            # A damaged state file only costs a full refetch; never block a run on it.
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def save(self, state: dict) -> None:
        write_atomic(self.fs, self.path, json.dumps(state, ensure_ascii=False, sort_keys=True).encode())
