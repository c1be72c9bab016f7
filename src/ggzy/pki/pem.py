"""A strict PEM reader: every block must be complete and its base64 clean, or we say which is not."""

from __future__ import annotations

import base64
import binascii
import re

from ggzy.pki.errors import MalformedCertificate, PkiInputTooLarge

MAX_INPUT = 1 << 20
"""1 MiB: no certificate, key, CRL or bundle the platform accepts comes near it (the "5 MB cert" case)."""

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----")


def check_size(data: bytes, what: str = "输入", limit: int = MAX_INPUT) -> None:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedCertificate(f"{what}应为字节串")
    if len(data) > limit:
        raise PkiInputTooLarge(
            f"{what}过大（{len(data)} 字节，上限 {limit} 字节）", detail={"size": len(data), "limit": limit}
        )


def is_pem(data: bytes) -> bool:
    return b"-----BEGIN " in data[:4096]


def pem_blocks(data: bytes, *labels: str, error=MalformedCertificate) -> list[tuple[str, bytes]]:
    """All PEM blocks in ``data`` (optionally only those with one of ``labels``) as (label, DER)."""
    check_size(data)
    blocks = []
    pos = 0
    while m := _BEGIN.search(data, pos):
        label = m.group(1).decode()
        end_marker = b"-----END " + m.group(1) + b"-----"
        end = data.find(end_marker, m.end())
        if end < 0:
            raise error(f"PEM 块 {label} 不完整：缺少 END 行（文件被截断？）", code=f"{error.code}.truncated_pem")
        body = data[m.end() : end]
        if b":" in body:
            raise error(f"PEM 块 {label} 带有加密头，此处不支持", code=f"{error.code}.encrypted_pem")
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise error(f"PEM 块 {label} 的 base64 内容损坏：{exc}", code=f"{error.code}.bad_base64") from exc
        if not labels or label in labels:
            blocks.append((label, der))
        pos = end + len(end_marker)
    return blocks
