"""File access shared by the store, the raw archive and the state files: one pyarrow filesystem layer."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pyarrow.fs as pafs


def resolve_filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    """pyarrow filesystem and base path for a local folder or an object-store URL (s3://bucket/prefix).

    S3 endpoint and credentials come from the usual AWS_* variables (AWS_ENDPOINT_URL for MinIO/moto).
    """
    if root.startswith("s3://"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
        fs = pafs.S3FileSystem(endpoint_override=endpoint, region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                               allow_bucket_creation=True)
        return fs, root[len("s3://"):].rstrip("/")
    if "://" in root:
        fs, path = pafs.FileSystem.from_uri(root)
        return fs, path.rstrip("/")
    return pafs.LocalFileSystem(), str(Path(root).expanduser().resolve())


def exists(fs: pafs.FileSystem, path: str) -> bool:
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def write_atomic(fs: pafs.FileSystem, path: str, data: bytes) -> None:
    """Write `data` so readers see the old file or the new one, never a partial one.

    Local files: a hidden temporary file in the same folder (readers skip names starting with '.'),
    then a rename. Object stores publish an object only when its upload completes, so a direct
    write is already atomic there (and a rename would be a copy).
    """
    parent, name = path.rsplit("/", 1)
    fs.create_dir(parent, recursive=True)
    if fs.type_name != "local":
        with fs.open_output_stream(path, compression=None) as out:
            out.write(data)
        return
    tmp = f"{parent}/.{name}.tmp-{uuid.uuid4().hex}"
    try:
        with fs.open_output_stream(tmp, compression=None) as out:
            out.write(data)
        fs.move(tmp, path)
    except BaseException:
        if exists(fs, tmp):
            fs.delete_file(tmp)
        raise


def read_bytes(fs: pafs.FileSystem, path: str) -> bytes | None:
    """Whole file, or None when it does not exist."""
    try:
        with fs.open_input_stream(path, compression=None) as f:
            return f.read()
    except FileNotFoundError:
        return None


def read_json(fs: pafs.FileSystem, path: str):
    """A small JSON file (manifest, lease), or None when it is absent, empty or torn."""
    try:
        return json.loads(read_bytes(fs, path) or b"null")
    except ValueError:
        return None
