"""Content-addressed blob store on the local disk (an S3-compatible store plugs in behind the same calls).

Uploads stream in chunks to a temporary file while SHA-256 and SM3 are computed; only a complete upload
is renamed into place under its hash. An upload that stops half-way leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ggzy.kit.errors import NotFound, TooLarge, ValidationFailed

CHUNK = 1 << 20


@dataclass(frozen=True)
class Stored:
    sha256: str
    sm3: str
    size: int


class BlobStore:
    def __init__(self, root: Path):
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationFailed("文件摘要格式错误。", code="blobs.bad_hash")
        return self.root / sha256[:2] / sha256

    def put(self, chunks: Iterable[bytes], *, max_size: int, expected_size: int | None = None) -> Stored:
        """Stream ``chunks`` in; refuse more than ``max_size`` bytes or a size other than announced."""
        with _Writer(self, max_size, expected_size) as w:
            for chunk in chunks:
                w.feed(chunk)
            return w.finish()

    async def put_stream(
        self, chunks: AsyncIterable[bytes], *, max_size: int, expected_size: int | None = None
    ) -> Stored:
        """The same for an HTTP request body, read as it arrives."""
        with _Writer(self, max_size, expected_size) as w:
            async for chunk in chunks:
                w.feed(chunk)
            return w.finish()

    def open(self, sha256: str) -> Iterator[bytes]:
        path = self.path(sha256)
        if not path.exists():
            raise NotFound("文件不存在或已丢失。", code="blobs.not_found")

        def read() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk

        return read()


class _Writer:
    """One upload in progress: a temporary file and its running hashes; removed unless finished."""

    def __init__(self, store: BlobStore, max_size: int, expected_size: int | None):
        self.store, self.max_size, self.expected_size = store, max_size, expected_size
        self.sha, self.sm3, self.size = hashlib.sha256(), hashlib.new("sm3"), 0
        fd, self.tmp = tempfile.mkstemp(dir=store.root / "tmp")
        self.fh = os.fdopen(fd, "wb")

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.fh.closed:
            self.fh.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_size:
            raise TooLarge(f"文件超过 {self.max_size // CHUNK} MB 上限。", code="blobs.too_large")
        self.sha.update(chunk)
        self.sm3.update(chunk)
        self.fh.write(chunk)

    def finish(self) -> Stored:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.expected_size is not None and self.size != self.expected_size:
            raise ValidationFailed(
                f"上传不完整：应为 {self.expected_size} 字节，实际收到 {self.size} 字节。请重新上传。",
                code="blobs.incomplete",
            )
        if self.size == 0:
            raise ValidationFailed("文件为空。", code="blobs.empty")
        digest = self.sha.hexdigest()
        target = self.store.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.tmp, target)
        return Stored(digest, self.sm3.hexdigest(), self.size)
