"""Collusion forensics at opening (串通投标的迹象): pure comparisons of the opened submissions.

条例 第四十条 lists what "视为串通投标": documents made by the same unit or person, the same project
manager, abnormally consistent or regularly varying bids, bid documents mixed up, deposits paid from the
same account. What the platform can see at opening is compared here: identical file hashes, identical
document metadata (author, last editor, creating application/machine, company), the same submitting IP or
device, the same signing certificate, the same deposit payer account, and price patterns.

A finding is a fact, stated neutrally ("三份投标文件的 … 相同"); judging it is the evaluation committee's
and the regulator's business. Everything here takes values and returns values — no session, no clock.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

NEAR_SPREAD = (5, 1000)  # 0.5 %: all prices within this fraction of the lowest is a "within 0.5 %" pattern
MAX_META_BYTES = 1 << 16  # core.xml / app.xml larger than this is not metadata we read
PDF_WINDOW = 1 << 20  # the /Info dictionary or XMP packet sits near the start or the end of a PDF


@dataclass(frozen=True)
class Submission:
    """What forensics sees of one opened bid."""

    bid: str  # the receipt number
    entity_id: int
    entity_name: str
    files: tuple[tuple[str, str], ...] = ()  # (file name, sha256)
    metadata: tuple[tuple[str, str, str], ...] = ()  # (file name, field, value)
    ip: str | None = None
    user_agent: str | None = None
    certificate: str | None = None  # signer fingerprint
    deposit_accounts: tuple[str, ...] = ()
    price_fen: int | None = None


@dataclass(frozen=True)
class Finding:
    kind: str
    statement: str  # neutral, in Chinese, for the record and the committee
    bids: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "statement": self.statement, "bids": list(self.bids), "evidence": self.evidence}


KIND_LABELS = {
    "identical_file": "文件摘要相同",
    "identical_metadata": "文档属性相同",
    "same_ip": "递交 IP 地址相同",
    "same_device": "递交设备（客户端标识）相同",
    "same_certificate": "签名证书相同",
    "same_deposit_account": "保证金付款账户相同",
    "equal_prices": "投标报价相同",
    "arithmetic_prices": "投标报价呈等差排列",
    "near_prices": "投标报价高度接近",
    "ceiling_price": "投标报价等于最高投标限价",
}

META_LABELS = {
    "author": "作者",
    "last_modified_by": "最后修改者",
    "application": "创建程序",
    "company": "单位",
    "creator": "创建工具",
    "producer": "生成程序",
}


def _shared(subs: Sequence[Submission], keys_of) -> dict[Any, list[Submission]]:
    """Values held by submissions of two or more different entities."""
    holders: dict[Any, dict[int, Submission]] = defaultdict(dict)
    for s in subs:
        for key in set(keys_of(s)):
            if key not in (None, ""):
                holders[key].setdefault(s.entity_id, s)
    return {k: sorted(v.values(), key=lambda s: s.bid) for k, v in holders.items() if len(v) > 1}


def _numbers(group: Iterable[Submission]) -> tuple[str, ...]:
    return tuple(s.bid for s in group)


def _names(group: Iterable[Submission]) -> str:
    return "、".join(s.entity_name for s in group)


def identical_files(subs: Sequence[Submission]) -> list[Finding]:
    shared = _shared(subs, lambda s: [h for _, h in s.files])
    out = []
    for digest, group in sorted(shared.items()):
        names = sorted({n for s in group for n, h in s.files if h == digest})
        out.append(
            Finding(
                "identical_file",
                f"{_names(group)} 的投标文件中有内容完全相同的文件（{'、'.join(names)}，SHA-256 {digest[:16]}…）。",
                _numbers(group),
                {"sha256": digest, "files": names},
            )
        )
    return out


def identical_metadata(subs: Sequence[Submission]) -> list[Finding]:
    shared = _shared(subs, lambda s: [(f, v.strip()) for _, f, v in s.metadata if v.strip()])
    out = []
    for (name, value), group in sorted(shared.items()):
        label = META_LABELS.get(name, name)
        out.append(
            Finding(
                "identical_metadata",
                f"{_names(group)} 的投标文件文档属性“{label}”相同（{value}）。",
                _numbers(group),
                {"field": name, "value": value},
            )
        )
    return out


def _same(kind: str, label: str, subs: Sequence[Submission], keys_of) -> list[Finding]:
    return [
        Finding(kind, f"{_names(group)} 的{label}相同（{value}）。", _numbers(group), {"value": value})
        for value, group in sorted(_shared(subs, keys_of).items())
    ]


def same_origin(subs: Sequence[Submission]) -> list[Finding]:
    return [
        *_same("same_ip", "投标文件递交 IP 地址", subs, lambda s: [s.ip]),
        *_same("same_device", "投标文件递交客户端标识（User-Agent）", subs, lambda s: [s.user_agent]),
        *_same("same_certificate", "投标文件签名证书（SHA-256 指纹）", subs, lambda s: [s.certificate]),
        *_same("same_deposit_account", "保证金付款账户", subs, lambda s: list(s.deposit_accounts)),
    ]


def price_patterns(prices: Sequence[tuple[str, int]], *, ceiling_fen: int | None = None) -> list[Finding]:
    """Equal prices, an arithmetic progression (three or more), all within 0.5 %, a price exactly at the ceiling."""
    out: list[Finding] = []
    by_price: dict[int, list[str]] = defaultdict(list)
    for bid, price in prices:
        by_price[price].append(bid)
    for price, bids in sorted(by_price.items()):
        if len(bids) > 1:
            out.append(Finding("equal_prices", f"{len(bids)} 份投标报价相同（{_yuan(price)}）。", tuple(sorted(bids))))
    ordered = sorted(prices, key=lambda p: (p[1], p[0]))
    values = [p for _, p in ordered]
    if len(set(values)) >= 3 and len(set(values)) == len(values):
        steps = {b - a for a, b in zip(values, values[1:], strict=False)}
        if len(steps) == 1:
            step = steps.pop()
            out.append(
                Finding(
                    "arithmetic_prices",
                    f"{len(values)} 份投标报价依次相差同一金额（{_yuan(step)}）。",
                    tuple(b for b, _ in ordered),
                    {"step_fen": step},
                )
            )
    if len(values) >= 3 and values[0] > 0 and (values[-1] - values[0]) * NEAR_SPREAD[1] <= values[0] * NEAR_SPREAD[0]:
        out.append(
            Finding(
                "near_prices",
                f"全部 {len(values)} 份投标报价的最高与最低之差不超过最低报价的 0.5%。",
                tuple(b for b, _ in ordered),
                {"lowest_fen": values[0], "highest_fen": values[-1]},
            )
        )
    if ceiling_fen is not None:
        at = sorted(b for b, p in prices if p == ceiling_fen)
        if at:
            out.append(
                Finding(
                    "ceiling_price",
                    f"{len(at)} 份投标报价恰好等于最高投标限价（{_yuan(ceiling_fen)}）。",
                    tuple(at),
                    {"ceiling_fen": ceiling_fen},
                )
            )
    return out


def analyse(subs: Sequence[Submission], *, ceiling_fen: int | None = None) -> list[Finding]:
    """Every comparison over the opened submissions, in a stable order."""
    prices = [(s.bid, s.price_fen) for s in subs if s.price_fen is not None]
    return [
        *identical_files(subs),
        *identical_metadata(subs),
        *same_origin(subs),
        *price_patterns(prices, ceiling_fen=ceiling_fen),
    ]


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d} 元"


# --- document metadata ---------------------------------------------------------------------------------

_OOXML_FIELDS = {
    "docProps/core.xml": {"author": "dc:creator", "last_modified_by": "cp:lastModifiedBy"},
    "docProps/app.xml": {"application": "Application", "company": "Company"},
}
_PDF_FIELDS = {"author": b"Author", "creator": b"Creator", "producer": b"Producer"}
_XMP_FIELDS = {"author": "dc:creator", "creator": "xmp:CreatorTool", "producer": "pdf:Producer"}


def _xml_text(xml: str, tag: str) -> str | None:
    m = re.search(rf"<{re.escape(tag)}(?:\s[^>]*)?>(.*?)</{re.escape(tag)}>", xml, re.S)
    if not m:
        return None
    text = re.sub(r"<[^>]+>", " ", m.group(1))
    text = " ".join(text.split())
    return _unescape(text) or None


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def ooxml_metadata(data: bytes) -> dict[str, str]:
    """Author, last editor, application and company of a .docx/.xlsx/.pptx (read with a size limit)."""
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for part, fields in _OOXML_FIELDS.items():
                try:
                    info = zf.getinfo(part)
                except KeyError:
                    continue
                if info.file_size > MAX_META_BYTES:
                    continue
                with zf.open(info) as fh:
                    xml = fh.read(MAX_META_BYTES + 1)[:MAX_META_BYTES].decode("utf-8", "replace")
                for name, tag in fields.items():
                    value = _xml_text(xml, tag)
                    if value:
                        out[name] = value
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
        return {}
    return out


def _pdf_string(raw: bytes) -> str:
    """A PDF literal or hex string (UTF-16BE with BOM or PDFDocEncoding ≈ Latin-1)."""
    if raw.startswith(b"<"):
        try:
            raw = bytes.fromhex(raw[1:-1].decode("ascii"))
        except ValueError:
            return ""
    else:
        raw = re.sub(rb"\\([()\\])", rb"\1", raw[1:-1])
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace").strip()
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()


def pdf_metadata(data: bytes) -> dict[str, str]:
    """/Author /Creator /Producer of the document information dictionary, or the XMP packet's equivalents."""
    window = data[:PDF_WINDOW] + b"\n" + data[-PDF_WINDOW:] if len(data) > 2 * PDF_WINDOW else data
    out: dict[str, str] = {}
    for name, key in _PDF_FIELDS.items():
        m = re.search(rb"/" + key + rb"\s*(\((?:\\.|[^\\)]){0,1000}\)|<[0-9A-Fa-f\s]{0,2000}>)", window)
        if m:
            value = _pdf_string(m.group(1))
            if value:
                out[name] = value
    start = window.find(b"<x:xmpmeta")
    if start < 0:
        return out
    end = window.find(b"</x:xmpmeta>", start)
    xmp = window[start : end if end > 0 else start + MAX_META_BYTES].decode("utf-8", "replace")
    for name, tag in _XMP_FIELDS.items():
        if name not in out:
            value = _xml_text(xmp, tag)
            if value:
                out[name] = value
    return out


def document_metadata(name: str, data: bytes) -> dict[str, str]:
    """The metadata of one bid file, by its kind; unknown kinds have none."""
    lower = name.lower()
    if lower.endswith((".docx", ".xlsx", ".pptx", ".docm", ".xlsm")):
        return ooxml_metadata(data)
    if lower.endswith(".pdf") or data.startswith(b"%PDF-"):
        return pdf_metadata(data)
    return {}


def file_metadata(path) -> dict[str, str]:
    """``document_metadata`` of a file on disk, reading only what it needs (the ZIP directory, the PDF ends)."""
    from pathlib import Path

    p = Path(path)
    lower = p.name.lower()
    if lower.endswith((".docx", ".xlsx", ".pptx", ".docm", ".xlsm")):
        try:
            with zipfile.ZipFile(p) as zf:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w") as small:
                    for part in _OOXML_FIELDS:
                        try:
                            info = zf.getinfo(part)
                        except KeyError:
                            continue
                        if info.file_size <= MAX_META_BYTES:
                            with zf.open(info) as fh:
                                small.writestr(part, fh.read(MAX_META_BYTES + 1)[:MAX_META_BYTES])
            return ooxml_metadata(buf.getvalue())
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            return {}
    size = p.stat().st_size
    with p.open("rb") as fh:
        head = fh.read(PDF_WINDOW)
        if not (lower.endswith(".pdf") or head.startswith(b"%PDF-")):
            return {}
        if size > 2 * PDF_WINDOW:
            fh.seek(size - PDF_WINDOW)
            head += b"\n" + fh.read(PDF_WINDOW)
    return pdf_metadata(head)
