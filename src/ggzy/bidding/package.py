"""The signed bid package: the plaintext inside a sealed-bid envelope.

A ZIP archive (stored or deflated) holding exactly:

* ``bid.json`` — the structured bid form (UTF-8 JSON): the fields the opening record needs;
* ``files/<name>`` — the bid files (技术标、商务标、资格文件…), flat names;
* ``manifest.json`` — ``{"format": "ggzy.bid-package/1", "bid_json": {"sha256", "size"},
  "files": [{"name", "sha256", "size"}, …]}``: binds the form and every file by hash;
* ``manifest.p7s`` — the bidder's detached CMS signature (DER) over the exact bytes of ``manifest.json``.

``read_package`` is what the opening unpacks with: it refuses path traversal and odd names, links,
duplicate or unexpected entries, zip bombs (entry count, declared and actual sizes, compression ratio —
sizes are counted while decompressing, never trusted from headers), and any file whose hash differs
from the manifest. It checks structure only; the caller verifies ``signature`` over ``manifest``.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ggzy.kit.errors import ValidationFailed

FORMAT = "ggzy.bid-package/1"
MAX_ENTRIES = 1000
MAX_FILE = 1 << 30  # 1 GiB per file
MAX_TOTAL = 4 << 30  # 4 GiB unpacked
MAX_FORM = 1 << 20  # bid.json and manifest.json: 1 MiB each
MAX_RATIO = 200  # a bid file compresses well, but not 200:1 — beyond that it is a bomb
CHUNK = 1 << 20
REQUIRED_FORM_FIELDS = {"section": str, "price_fen": int, "duration_days": int, "quality": str}


class PackageRefused(ValidationFailed):
    code = "bidding.package_refused"


@dataclass(frozen=True)
class PackageFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class BidPackage:
    form: dict[str, Any]
    manifest: bytes
    signature: bytes
    files: list[PackageFile] = field(default_factory=list)


def check_form(form: Any) -> dict[str, Any]:
    """The bid form: a JSON object with at least section, price_fen (integer fen), duration_days, quality."""
    if not isinstance(form, dict):
        raise PackageRefused("bid.json 必须是 JSON 对象。")
    for name, kind in REQUIRED_FORM_FIELDS.items():
        value = form.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PackageRefused(f"bid.json 缺少字段 {name} 或类型不对（应为{'整数' if kind is int else '文本'}）。")
    if form["price_fen"] < 0 or form["duration_days"] <= 0:
        raise PackageRefused("bid.json 中投标报价（分）不能为负，工期（日历天）须为正数。")
    if not isinstance(form.get("key_terms", {}), dict):
        raise PackageRefused("bid.json 的 key_terms 必须是对象（条款名 → 承诺）。")
    return form


def check_name(name: str) -> str:
    """A bid file name: one flat, printable name — no directories, no traversal, no drive or control chars."""
    clean = unicodedata.normalize("NFC", name)
    if (
        not clean
        or len(clean.encode()) > 200
        or clean in (".", "..")
        or any(c in clean for c in "/\\:\x00")
        or any(unicodedata.category(c).startswith("C") for c in clean)
        or clean != clean.strip()
    ):
        raise PackageRefused(f"投标文件名不合规：{name!r}（不得含目录、“..”、盘符或控制字符，且不超过 200 字节）。")
    return clean


def build_package(
    form: dict[str, Any], files: Iterable[str | Path], sign: Callable[[bytes], bytes], out: str | Path | IO[bytes]
) -> bytes:
    """Write a signed bid package to ``out`` (files streamed in); return the manifest bytes that were signed."""
    form_bytes = json.dumps(check_form(form), ensure_ascii=False, sort_keys=True, indent=1).encode()
    paths = [Path(p) for p in files]
    names = [check_name(p.name) for p in paths]
    if len(set(names)) != len(names):
        raise PackageRefused("投标文件名重复：同一包中文件名须唯一。")
    entries = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.writestr("bid.json", form_bytes)
        for path, name in zip(paths, names, strict=True):
            digest, size = hashlib.sha256(), 0
            with path.open("rb") as src, zf.open(f"files/{name}", "w", force_zip64=True) as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
            entries.append({"name": name, "sha256": digest.hexdigest(), "size": size})
        manifest = json.dumps(
            {
                "format": FORMAT,
                "bid_json": {"sha256": hashlib.sha256(form_bytes).hexdigest(), "size": len(form_bytes)},
                "files": entries,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        zf.writestr("manifest.json", manifest)
        zf.writestr("manifest.p7s", sign(manifest))
    return manifest


def _small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    data = _copy(zf, info, limit=MAX_FORM)[2]
    assert data is not None
    return data


def _copy(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int, into: Path | None = None, keep: bool = True
) -> tuple[str, int, bytes | None]:
    """Decompress one entry, counting real bytes against ``limit`` and the compression ratio."""
    digest, size, kept = hashlib.sha256(), 0, io.BytesIO() if keep else None
    allowed = min(limit, max(info.compress_size, 1) * MAX_RATIO + CHUNK)
    sink = into.open("wb") if into is not None else None
    try:
        with zf.open(info) as src:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > allowed:
                    raise PackageRefused(f"投标包中的 {info.filename} 解压后过大或压缩比异常（疑似压缩炸弹），已拒绝。")
                digest.update(chunk)
                if kept is not None:
                    kept.write(chunk)
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PackageRefused(f"投标包中的 {info.filename} 已损坏（{exc}）。") from None
    finally:
        if sink is not None:
            sink.close()
    return digest.hexdigest(), size, kept.getvalue() if kept is not None else None


def _entries(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageRefused(f"投标包条目过多（{len(infos)} > {MAX_ENTRIES}）。")
    by_name: dict[str, zipfile.ZipInfo] = {}
    declared = 0
    for info in infos:
        name = info.filename
        if name.startswith("files/"):
            check_name(name[len("files/") :])
        elif name not in ("bid.json", "manifest.json", "manifest.p7s"):
            raise PackageRefused(
                f"投标包中有不允许的条目 {name!r}（只允许 bid.json、manifest.json、manifest.p7s、files/）。"
            )
        mode = info.external_attr >> 16
        if info.is_dir() or stat.S_ISLNK(mode) or info.flag_bits & 0x1:
            raise PackageRefused(f"投标包条目 {name!r} 是目录、链接或加密条目，已拒绝。")
        if name in by_name or unicodedata.normalize("NFC", name) in by_name:
            raise PackageRefused(f"投标包中条目 {name!r} 重复。")
        declared += info.file_size
        if info.file_size > MAX_FILE or declared > MAX_TOTAL:
            raise PackageRefused("投标包解压后总大小超过上限，已拒绝。")
        by_name[unicodedata.normalize("NFC", name)] = info
    for required in ("bid.json", "manifest.json", "manifest.p7s"):
        if required not in by_name:
            raise PackageRefused(f"投标包缺少 {required}。")
    return by_name


def read_package(source: bytes | str | Path | IO[bytes], *, extract_to: Path | None = None) -> BidPackage:
    """Check and read a bid package; with ``extract_to``, write its files there (names already checked)."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageRefused(f"解密后的内容不是投标包（ZIP）：{exc}。") from None
    with zf:
        entries = _entries(zf)
        manifest_bytes = _small(zf, entries["manifest.json"])
        try:
            manifest = json.loads(manifest_bytes)
            form_bytes = _small(zf, entries["bid.json"])
            form = check_form(json.loads(form_bytes))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PackageRefused(f"manifest.json 或 bid.json 不是合法的 JSON（{exc}）。") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise PackageRefused(f"manifest.json 的格式不是 {FORMAT}。")
        if manifest.get("bid_json", {}).get("sha256") != hashlib.sha256(form_bytes).hexdigest():
            raise PackageRefused("bid.json 与签名清单中的摘要不符。")
        listed = {f.get("name"): f for f in manifest.get("files", []) if isinstance(f, dict)}
        present = {n[len("files/") :]: info for n, info in entries.items() if n.startswith("files/")}
        if set(listed) != set(present):
            raise PackageRefused("投标包中的文件与签名清单不一致（多出或缺少文件）。")
        if extract_to is not None:
            extract_to.mkdir(parents=True, exist_ok=True)
        files = []
        for name, info in sorted(present.items()):
            target = extract_to / name if extract_to is not None else None
            digest, size, _ = _copy(zf, info, limit=MAX_FILE, into=target, keep=False)
            if digest != listed[name].get("sha256") or size != listed[name].get("size"):
                raise PackageRefused(f"文件 {name} 与签名清单中的摘要或大小不符。")
            files.append(PackageFile(name, digest, size))
        signature = _small(zf, entries["manifest.p7s"])
    return BidPackage(form=form, manifest=manifest_bytes, signature=signature, files=files)
