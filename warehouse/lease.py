"""The writer lease on object storage: a lock object created only-if-absent and renewed only-if-unchanged.

S3 (and S3-compatible stores that honour conditional writes) answer PreconditionFailed to a PUT
with `If-None-Match: *` on an existing key and to one with `If-Match: <etag>` whose ETag is no
longer current. On that:

- acquire = create `_lock.json` if absent, or replace a released one if its ETag is still the one read;
- renew = rewrite it if its ETag is still ours (a background thread, every quarter of the lease);
- release = delete it if its ETag is still ours;
- expiry: a holder that stopped renewing is presumed dead once another writer has seen the *same*
  ETag for a whole lease on its own monotonic clock (no clocks are compared between machines), and
  the lease is then taken with If-Match on that ETag: a live holder renews within the lease, which
  changes the ETag, so the take fails and a live lease is never stolen;
- fencing: the holder checks before each step of a publish that its last successful renewal is
  less than half a lease old (`Lease.check`), so a holder paused past its lease stops before it
  touches a committed file.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOCK_KEY = "_lock.json"
PROBE_KEY = "_lock.probe"
_REFUSED = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_probed: set[tuple[str, str]] = set()  # (endpoint, bucket/prefix) found to honour conditional writes


class LeaseLost(RuntimeError):
    """The lease is no longer surely ours (taken over, or not renewed in time): stop writing."""


class ConditionalWritesUnsupported(RuntimeError):
    """The object store ignores If-None-Match / If-Match: several writers cannot be made safe on it."""


def s3_client():
    """boto3 S3 client for the same endpoint and credentials as the store (the AWS_* variables)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                                      read_timeout=10))


def refused(exc: ClientError) -> bool:
    """Whether the store refused a conditional request (the condition did not hold)."""
    error = exc.response.get("Error", {})
    status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return error.get("Code") in _REFUSED or status in {"412", "409"}


def missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}


def split_base(base: str) -> tuple[str, str]:
    """'bucket/prefix' -> ('bucket', 'prefix/') ('' for a bucket root)."""
    bucket, _, prefix = base.partition("/")
    return bucket, f"{prefix.strip('/')}/" if prefix.strip("/") else ""


def probe_conditional_writes(client, base: str) -> None:
    """Raise ConditionalWritesUnsupported unless the store refuses a create over an existing key and a
    write with a stale ETag (checked once per process and prefix)."""
    bucket, prefix = split_base(base)
    where = (str(client.meta.endpoint_url), base)
    if where in _probed:
        return
    key, body = prefix + PROBE_KEY, uuid.uuid4().hex.encode()
    first = client.put_object(Bucket=bucket, Key=key, Body=body)
    for condition in ({"IfNoneMatch": "*"}, {"IfMatch": '"0000000000000000000000000000000a"'}):
        try:
            client.put_object(Bucket=bucket, Key=key, Body=uuid.uuid4().hex.encode(), **condition)
        except ClientError as exc:
            if refused(exc):
                continue
            raise
        raise ConditionalWritesUnsupported(
            f"the object store at {client.meta.endpoint_url or 'AWS S3'} ignored a conditional write "
            f"({next(iter(condition))}) on s3://{bucket}/{key}, so concurrent writers cannot be kept apart. "
            "Run one writer per warehouse prefix and set NEWSFACTS_WAREHOUSE_SINGLE_WRITER=true "
            "(a best-effort lease) to write to it anyway.")
    if first.get("ETag"):
        _probed.add(where)


class Lease:
    """One writer's hold on `<prefix>/_lock.json` (see the module docstring)."""

    def __init__(self, client, base: str, lease_s: float):
        self.client, (self.bucket, prefix) = client, split_base(base)
        self.key, self.lease_s = prefix + LOCK_KEY, lease_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._etag: str | None = None
        self._valid_until = 0.0  # monotonic: last successful write's send time + lease
        self._renewals = 0
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # ---- acquiring -------------------------------------------------------------------------
    def acquire(self, timeout_s: float, root: str) -> None:
        deadline, seen = time.monotonic() + timeout_s, (None, 0.0)  # (etag, when first seen unchanged)
        while True:
            seen = self._try_acquire(seen)
            if self._etag is not None:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"warehouse {root} is locked by another writer ({self._holder_text()})")
            time.sleep(min(0.05 + random.random() * 0.1, self.lease_s / 8))
        self._renewer = threading.Thread(target=self._renew_loop, name="warehouse-lease", daemon=True)
        self._renewer.start()

    def _try_acquire(self, seen: tuple[str | None, float]) -> tuple[str | None, float]:
        """One round: create if absent; else take a released lease, or one unchanged for a whole lease."""
        if self._put({"IfNoneMatch": "*"}):
            return seen
        try:
            current = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if missing(exc):  # released between the two requests: create it next round
                return (None, 0.0)
            raise
        observed_at, etag = time.monotonic(), current["ETag"]  # after the answer: the holder wrote before it
        try:
            holder = json.loads(current["Body"].read() or b"{}")
        except ValueError:
            holder = {}
        self._last_holder = holder
        if holder.get("released"):
            self._put({"IfMatch": etag})
            return (None, 0.0)
        if etag != seen[0]:
            return (etag, observed_at)
        held_for = float(holder.get("lease_s") or self.lease_s) * 1.02 + 0.05  # a little for clock rates
        if observed_at - seen[1] >= held_for:
            self._put({"IfMatch": etag})  # the holder stopped renewing: dead (or cut off) for a whole lease
        return seen

    def _holder_text(self) -> str:
        holder = getattr(self, "_last_holder", None) or {}
        return f"held by {holder.get('owner', 'an unknown writer')}"

    def _put(self, condition: dict, released: bool = False) -> bool:
        """Write the lease under `condition`; True when it was written (and is now ours)."""
        sent = time.monotonic()
        body = {"owner": self.owner, "lease_s": self.lease_s, "renewals": self._renewals, "written": time.time(),
                "nonce": uuid.uuid4().hex}  # the ETag is the body's MD5 on S3: every write must differ
        if released:
            body["released"] = True
        try:
            answer = self.client.put_object(Bucket=self.bucket, Key=self.key, Body=json.dumps(body).encode(),
                                            ContentType="application/json", **condition)
        except ClientError as exc:
            if refused(exc) or missing(exc):
                return False
            raise
        self._etag, self._valid_until = answer["ETag"], sent + self.lease_s
        return True

    # ---- holding ---------------------------------------------------------------------------
    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_s / 4):
            self._renewals += 1
            try:
                if not self._put({"IfMatch": self._etag}):
                    self._lost = "another writer took the lease over"
                    return
            except Exception as exc:  # noqa: BLE001 - a failed renewal is retried until the lease runs out
                if time.monotonic() > self._valid_until:
                    self._lost = f"the lease could not be renewed in time: {exc}"
                    return

    def check(self) -> None:
        """Raise LeaseLost unless the lease is surely still ours for a while (called before each publish step)."""
        if self._lost:
            raise LeaseLost(f"writer lease on s3://{self.bucket}/{self.key} lost: {self._lost}")
        if time.monotonic() > self._valid_until - self.lease_s / 2:
            raise LeaseLost(f"writer lease on s3://{self.bucket}/{self.key} not renewed for half a lease "
                            f"({self.lease_s / 2:g} s): another writer may take it over")

    def release(self) -> None:
        """Stop renewing and delete the lease if it is still ours (else leave the new holder's lease alone)."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if self._etag is None or self._lost:
            return
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=self._etag)
        except ClientError as exc:
            if refused(exc) or missing(exc):
                return
            self._put({"IfMatch": self._etag}, released=True)  # a store without conditional deletes
        finally:
            self._etag = None
