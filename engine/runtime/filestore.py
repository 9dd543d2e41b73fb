"""Where attachment bytes live (an edge: file and network I/O, no SQL): content-addressed by sha256, so identical
content is stored once. `DUBAN_FILES` names a directory (the default: `duban-files` beside the SQLite file;
sharded `ab/cd/abcd...`, written to a temporary name, fsynced, then renamed) or an S3-compatible bucket
`s3://bucket/prefix` (boto3: AWS's own maintained client, which speaks to any S3 API — MinIO, Ceph, OSS, COS —
through DUBAN_S3_ENDPOINT). Bytes are written before the attachment's row commits; bytes no row refers to are
removed by `duban files gc` after the grace period (engine.runtime.attachments.collect_garbage)."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Protocol

from engine.settings import settings

CHUNK = 1 << 20


@dataclass(frozen=True)
class Stored:
    """One blob in the store: its sha256 and when it was written."""

    sha256: str
    written_at: datetime


class FileStore(Protocol):
    where: str

    def put(self, sha256: str, path: Path) -> None: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def has(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def written_at(self, sha256: str) -> datetime | None: ...
    def blobs(self) -> Iterator[Stored]: ...


def _is_sha(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class DirectoryStore:
    """Blobs as files under a directory, sharded by the first two pairs of hex digits."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.where = str(self.root)

    def path(self, sha256: str) -> Path:
        if not _is_sha(sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, path: Path) -> None:
        """Copy the file at `path` in as `sha256` (a blob already there is kept: the same content)."""
        final = self.path(sha256)
        if final.exists():
            os.utime(final)  # written again now: the grace period of `gc` starts over
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                shutil.copyfileobj(src, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def written_at(self, sha256: str) -> datetime | None:
        try:
            return datetime.fromtimestamp(self.path(sha256).stat().st_mtime, timezone.utc)
        except FileNotFoundError:
            return None

    def blobs(self) -> Iterator[Stored]:
        if not self.root.is_dir():
            return
        for p in self.root.glob("??/??/*"):
            if _is_sha(p.name) and p.is_file():
                yield Stored(p.name, datetime.fromtimestamp(p.stat().st_mtime, timezone.utc))


class S3Store:
    """Blobs as objects `prefix/ab/cd/abcd...` of an S3-compatible bucket."""

    def __init__(self, url: str, *, endpoint: str | None, access_key: str | None, secret_key: str | None,
                 region: str) -> None:
        import boto3  # lazy: only sites that keep files in a bucket load it
        from botocore.config import Config
        bucket, _, prefix = url[len("s3://"):].partition("/")
        self.bucket, self.prefix, self.where = bucket, prefix.strip("/"), url
        self.client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                                   aws_secret_access_key=secret_key, region_name=region,
                                   config=Config(retries={"max_attempts": 3}, s3={"addressing_style": "path"}))

    def key(self, sha256: str) -> str:
        if not _is_sha(sha256):
            raise ValueError("not a sha256")
        return "/".join(filter(None, (self.prefix, sha256[:2], sha256[2:4], sha256)))

    def put(self, sha256: str, path: Path) -> None:
        # uploaded again even when present: its LastModified starts the grace period of `gc` over
        self.client.upload_file(str(path), self.bucket, self.key(sha256))

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(sha256) from None

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def written_at(self, sha256: str) -> datetime | None:
        from botocore.exceptions import ClientError
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError:
            return None
        return head["LastModified"].astimezone(timezone.utc)

    def blobs(self) -> Iterator[Stored]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else "")
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                if _is_sha(name):
                    yield Stored(name, obj["LastModified"].astimezone(timezone.utc))


def default_directory(eng: Any) -> Path:
    """`duban-files` beside the SQLite file; in the working directory for PostgreSQL or an in-memory database."""
    url = eng.url if eng is not None else None
    if url is not None and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "duban-files"
    return Path("duban-files").resolve()


_stores: dict[tuple, FileStore] = {}


def store_for(eng: Any = None) -> FileStore:
    """The site's file store by its settings (one per configuration and process)."""
    s = settings()
    where = s.files or str(default_directory(eng))
    key = (where, s.s3_endpoint, s.s3_access_key, s.s3_secret_key, s.s3_region)
    found = _stores.get(key)
    if found is None:
        found = S3Store(where, endpoint=s.s3_endpoint, access_key=s.s3_access_key, secret_key=s.s3_secret_key,
                        region=s.s3_region) if where.startswith("s3://") else DirectoryStore(where)
        _stores[key] = found
    return found
