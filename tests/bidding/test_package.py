"""The bid package: built and read back; path traversal, links, unexpected entries, zip bombs and files that do not
match the signed manifest are refused (pure, no database)."""

from __future__ import annotations

import io
import zipfile

import pytest

from ggzy.bidding.package import PackageRefused, build_package, check_name, read_package

FORM = {"section": "S1", "price_fen": 100, "duration_days": 30, "quality": "合格"}


def _package(tmp_path, files=()):
    out = io.BytesIO()
    paths = []
    for name, data in files:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    build_package(FORM, paths, lambda m: b"SIG", out)
    return out.getvalue()


def _rewrite(data: bytes, extra: dict[str, bytes], *, drop=(), compress=zipfile.ZIP_DEFLATED) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compress) as zf:
        for info in src.infolist():
            if info.filename not in drop:
                zf.writestr(info.filename, src.read(info))
        for name, content in extra.items():
            zf.writestr(name, content)
    return out.getvalue()


def test_a_package_reads_back_with_its_form_files_and_signature(tmp_path):
    pkg = read_package(_package(tmp_path, [("商务标.pdf", b"x" * 5000)]), extract_to=tmp_path / "out")
    assert pkg.form["price_fen"] == 100 and pkg.signature == b"SIG"
    assert [f.name for f in pkg.files] == ["商务标.pdf"] and (
        tmp_path / "out" / "商务标.pdf"
    ).read_bytes() == b"x" * 5000


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "C:x", "a\\b", "\x01x", " lead", ""])
def test_it_refuses_traversal_and_odd_names(name):
    with pytest.raises(PackageRefused):
        check_name(name)


def test_it_refuses_a_traversal_entry_and_an_unexpected_one(tmp_path):
    base = _package(tmp_path)
    for extra in ({"files/../../etc/passwd": b"x"}, {"../x": b"x"}, {"other.txt": b"x"}):
        with pytest.raises(PackageRefused):
            read_package(_rewrite(base, extra))


def test_it_refuses_a_zip_bomb(tmp_path):
    base = _package(tmp_path, [("big.bin", b"a")])
    bomb = _rewrite(base, {"files/big.bin": b"\0" * (50 << 20)}, drop=("files/big.bin",))
    with pytest.raises(PackageRefused, match="压缩炸弹|不一致|不符"):
        read_package(bomb)


def test_it_refuses_a_file_that_differs_from_the_signed_manifest(tmp_path):
    base = _package(tmp_path, [("a.pdf", b"original")])
    with pytest.raises(PackageRefused, match="不符"):
        read_package(_rewrite(base, {"files/a.pdf": b"changed!"}, drop=("files/a.pdf",)))
    with pytest.raises(PackageRefused, match="不一致"):
        read_package(_rewrite(base, {}, drop=("files/a.pdf",)))


def test_it_refuses_what_is_not_a_package():
    with pytest.raises(PackageRefused):
        read_package(b"not a zip")
