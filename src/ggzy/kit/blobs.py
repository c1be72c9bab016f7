"""Content-addressed blob store on the local disk (an S3-compatible store plugs in behind the same calls).

Uploads stream in chunks to a temporary file while SHA-256 and SM3 are computed; only a complete upload
is renamed into place under its hash. An upload that stops half-way leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
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
        sha, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise TooLarge(f"文件超过 {max_size // CHUNK} MB 上限。", code="blobs.too_large")
                    sha.update(chunk)
                    sm3.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            if expected_size is not None and size != expected_size:
                raise ValidationFailed(
                    f"上传不完整：应为 {expected_size} 字节，实际收到 {size} 字节。请重新上传。",
                    code="blobs.incomplete",
                )
            if size == 0:
                raise ValidationFailed("文件为空。", code="blobs.empty")
            digest = sha.hexdigest()
            target = self.path(digest)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            return Stored(digest, sm3.hexdigest(), size)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def open(self, sha256: str) -> Iterator[bytes]:
        path = self.path(sha256)
        if not path.exists():
            raise NotFound("文件不存在或已丢失。", code="blobs.not_found")

        def read() -> Iterator[bytes]:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk

        return read()
