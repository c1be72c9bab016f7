"""PDF e-seals (PAdES): apply a visible seal with pyHanko, verify every seal of an uploaded PDF.

Signing goes through ``KeySigner``, a pyHanko ``Signer`` that keeps our already-loaded
``PrivateKey`` (libraries.md §3: ``SimpleSigner`` re-parses the key twice per signature) and so
signs with RSA, ECDSA and SM2/SM3 alike — the ``sign_raw`` override is also where a USB key or HSM
plugs in. The seal is a red round image plus a CJK stamp text (签章单位/时间) set with
``pyhanko[opentype]`` in a Noto CJK face split from its collection.

Verification uses pyHanko only to read the PDF: byte-range digest, coverage and the incremental-update
(modification) analysis. The CMS signature is checked with our ``PublicKey.verify`` and the signer
certificate with our ``TrustList.validate``, so a seal gets the same verdict codes as a login or a
CMS signature (``revoked`` with its date, ``unknown_ca`` …). Without a trusted timestamp the
certificate is judged at ``now``; the signing time in the PDF is reported but self-declared.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification
from pyhanko.sign.signers import PdfSigner
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ggzy.kit.clock import Clock, to_shanghai
from ggzy.pki import sm2
from ggzy.pki.certs import Certificate, certificate_from_der
from ggzy.pki.errors import MalformedSignature, PkiInputTooLarge
from ggzy.pki.keys import DIGESTS, KeyAlgorithm, PrivateKey
from ggzy.pki.validation import Purpose, TrustList, Verdict

MAX_PDF = 50 * 1024 * 1024
"""Uploaded PDFs above this are refused before parsing (bid documents are larger, but are not sealed PDFs)."""

SM3_OID = "1.2.156.10197.1.401"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
DEFAULT_STAMP_TEXT = "签章单位：%(signer)s\n签章时间：%(time)s"
SEAL_WIDTH, SEAL_HEIGHT, SEAL_MARGIN = 170, 150, 36


def _register_sm_oids() -> None:
    """Let asn1crypto (and so pyHanko) name SM3 and SM2-with-SM3 (libraries.md §2: two registrations)."""
    for cls, oid, name in (
        (algos.DigestAlgorithmId, SM3_OID, "sm3"),
        (algos.SignedDigestAlgorithmId, SM2_WITH_SM3, "sm2_sm3"),
    ):
        cls._map.setdefault(oid, name)
        if cls._reverse_map is not None:
            cls._reverse_map.setdefault(name, oid)


_register_sm_oids()

MESSAGES = {
    "valid": "签章有效",
    "not_signed": "文件中没有电子签章",
    "digest_mismatch": "签章后文件内容被改动（摘要不符）",
    "bad_signature": "签章的签名值验证失败",
    "modified": "签章后文件被以不允许的方式修改",
    "coverage": "签章没有覆盖其所在版本的全部内容",
    "signer_not_found": "签章中没有签章人的证书",
    "unsupported_algorithm": "签章使用了不支持的算法",
    "certificate": "签章人证书无效",
}


# --------------------------------------------------------------------------------------------- signing


def _signer_class():
    class KeySigner(Signer):
        """A pyHanko signer over a loaded ``PrivateKey`` (RSA PKCS#1 v1.5, ECDSA, SM2 with the GM/T 0009 ID)."""

        def __init__(self, key: PrivateKey, cert: Certificate, chain: Sequence[Certificate], sm2_id: bytes):
            asn1 = asn1_x509.Certificate.load(cert.der)
            mechanism = None
            if key.algorithm is KeyAlgorithm.SM2:
                mechanism = algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3})
            super().__init__(
                signing_cert=asn1,
                cert_registry=SimpleCertificateStore.from_certs(
                    [asn1, *(asn1_x509.Certificate.load(c.der) for c in chain)]
                ),
                signature_mechanism=mechanism,
            )
            self._key, self._sm2_id = key, sm2_id

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            return self._key.sign(data, digest_name=digest_algorithm, sm2_id=self._sm2_id)

    return KeySigner


def seal_pdf(
    pdf_bytes: bytes,
    *,
    signer_key: PrivateKey,
    signer_cert: Certificate,
    chain: Sequence[Certificate] = (),
    seal_image: bytes | None = None,
    stamp_text: str = DEFAULT_STAMP_TEXT,
    field_name: str | None = None,
    signer_name: str | None = None,
    signing_time: dt.datetime | None = None,
    reason: str | None = None,
    sm2_id: bytes = sm2.DEFAULT_ID,
) -> bytes:
    """Append a visible PAdES seal on the last page; earlier seals stay valid (incremental update).

    ``stamp_text`` may use ``%(signer)s`` and ``%(time)s`` (Beijing time). ``seal_image`` is a PNG; by
    default a red round seal with ``signer_name`` (the certificate's O or CN) is drawn.
    """
    if signer_key.public_key().spki != signer_cert.public_key.spki:
        raise MalformedSignature("私钥与证书不匹配", code="pki.key_certificate_mismatch")
    writer = _open_writer(pdf_bytes, IncrementalPdfFileWriter)
    existing = [name for name, _, _ in fields.enumerate_sig_fields(writer)]
    name = field_name or _free_field_name(existing)
    if name in existing:
        raise MalformedSignature(f"签章域 {name} 已存在", code="pki.seal_field_exists")
    holder = signer_name or _holder_name(signer_cert)
    when = signing_time or Clock().now()
    box = _seal_box(writer, len(existing))
    is_sm2 = signer_key.algorithm is KeyAlgorithm.SM2
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sm3" if is_sm2 else "sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=holder,
    )
    pdf_signer = _clocked_pdf_signer()(
        meta,
        _signer_class()(signer_key, signer_cert, chain, sm2_id),
        stamp_style=_stamp_style(seal_image or _default_seal(holder), stamp_text),
        new_field_spec=fields.SigFieldSpec(sig_field_name=name, on_page=-1, box=box),
        system_time=when,
    )
    out = io.BytesIO()
    text_params = {"signer": holder, "time": to_shanghai(when).strftime("%Y-%m-%d %H:%M:%S") + " 北京时间"}
    pdf_signer.sign_pdf(writer, output=out, appearance_text_params=text_params)
    return out.getvalue()


def _clocked_pdf_signer():
    class ClockedPdfSigner(PdfSigner):
        """pyHanko takes the signing time from the wall clock; the platform takes it from its own clock."""

        def __init__(self, *args: Any, system_time: dt.datetime, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._system_time = system_time

        def init_signing_session(self, *args: Any, **kwargs: Any):
            session = super().init_signing_session(*args, **kwargs)
            session.system_time = self._system_time
            return session

    return ClockedPdfSigner


def _open_writer(pdf_bytes: bytes, writer_cls):
    _check_pdf(pdf_bytes)
    try:
        writer = writer_cls(io.BytesIO(pdf_bytes), strict=False)
        writer.root["/Pages"]  # noqa: B018 — touch the page tree so a broken file fails here
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise MalformedSignature(f"无法解析 PDF 文件（文件损坏或被截断）：{exc}", code="pki.malformed_pdf") from exc
    return writer


def _free_field_name(existing: list[str]) -> str:
    n = 1
    while f"Seal{n}" in existing:
        n += 1
    return f"Seal{n}"


def _holder_name(cert: Certificate) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        attrs = cert.subject.get_attributes_for_oid(oid)
        if attrs:
            return str(attrs[0].value)
    return cert.subject_text


def _seal_box(writer, index: int) -> tuple[int, int, int, int]:
    """Bottom right of the last page; each further seal sits to the left of the previous one."""
    page = writer.find_page_for_modification(-1)[0].get_object()
    media = _inherited(page, "/MediaBox") or [0, 0, 595, 842]
    right = float(media[2]) - SEAL_MARGIN - index * (SEAL_WIDTH + 10)
    right = max(right, SEAL_WIDTH + SEAL_MARGIN)
    bottom = float(media[1]) + SEAL_MARGIN
    return int(right - SEAL_WIDTH), int(bottom), int(right), int(bottom + SEAL_HEIGHT)


def _inherited(page, key: str):
    node = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return None


def _default_seal(holder: str) -> bytes:
    from ggzy.pki.seal_art import seal_png

    return seal_png(holder)


def _stamp_style(image_png: bytes, stamp_text: str):
    from PIL import Image
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    from ggzy.pki.seal_art import cjk_font_file

    try:
        image = Image.open(io.BytesIO(image_png))
        image.load()
    except Exception as exc:  # Pillow raises many types for a bad image
        raise MalformedSignature(f"印章图片无法读取（须为 PNG）：{exc}", code="pki.bad_seal_image") from exc
    return TextStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(cjk_font_file()), font_size=7)),
        background=PdfImage(image),
        background_opacity=0.85,
        # The round seal on top, the two lines of text centred beneath it.
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MAX, margins=Margins(bottom=30, top=0.5)
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MIN, margins=Margins(bottom=1)
        ),
        border_width=0,
    )


# ------------------------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class SignatureReport:
    """One seal of a PDF: integrity first, then the signer's certificate."""

    field_name: str
    code: str
    message: str
    intact: bool
    coverage: str
    modification: str | None
    signer: str | None = None
    signer_name: str | None = None
    signing_time: dt.datetime | None = None
    digest_algorithm: str | None = None
    certificate: Certificate | None = None
    certificate_verdict: Verdict | None = None

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    def to_dict(self) -> dict[str, Any]:
        body = {
            "field": self.field_name,
            "valid": self.valid,
            "code": self.code,
            "message": self.message,
            "intact": self.intact,
            "coverage": self.coverage,
            "modification": self.modification,
            "signer": self.signer,
            "signer_name": self.signer_name,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "digest_algorithm": self.digest_algorithm,
        }
        if self.certificate_verdict is not None:
            body["certificate"] = self.certificate_verdict.to_dict()
        return body


@dataclass(frozen=True)
class SealVerdict:
    """Valid when the PDF carries at least one seal and every seal is valid."""

    code: str
    message: str
    signatures: tuple[SignatureReport, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    def __bool__(self) -> bool:
        return self.valid

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "code": self.code,
            "message": self.message,
            "signatures": [s.to_dict() for s in self.signatures],
        }


def verify_pdf(pdf_bytes: bytes, *, trust: TrustList, now: dt.datetime, sm2_id: bytes = sm2.DEFAULT_ID) -> SealVerdict:
    """Every seal in ``pdf_bytes``: intact, covering its revision, no disallowed change after it, signer trusted.

    A file that is not a readable PDF raises ``MalformedSignature`` (HTTP 422); a bad seal is a verdict.
    """
    reader = _open_writer(pdf_bytes, PdfFileReader)
    try:
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises assorted errors for a broken signature dictionary
        raise MalformedSignature(f"PDF 中的签章结构损坏：{exc}", code="pki.malformed_pdf") from exc
    if not embedded:
        return SealVerdict("not_signed", MESSAGES["not_signed"])
    reports = tuple(_verify_one(sig, trust=trust, now=now, sm2_id=sm2_id) for sig in embedded)
    failing = next((r for r in reports if not r.valid), None)
    if failing is None:
        return SealVerdict("valid", MESSAGES["valid"], reports)
    return SealVerdict(failing.code, f"签章域 {failing.field_name}：{failing.message}", reports)


def _verify_one(sig, *, trust: TrustList, now: dt.datetime, sm2_id: bytes) -> SignatureReport:
    base: dict[str, Any] = {"field_name": sig.field_name, "intact": False, "coverage": "unclear", "modification": None}
    si = sig.signer_info
    certs = _certificates(sig.signed_data)
    cert = _find_signer(si["sid"], certs)
    digest_name = DIGESTS.get(si["digest_algorithm"]["algorithm"].dotted)
    base.update(signing_time=_signing_time(sig), digest_algorithm=digest_name)
    if cert is not None:
        base.update(certificate=cert, signer=cert.subject_text, signer_name=_holder_name(cert))
    if cert is None:
        return _report("signer_not_found", **base)
    if digest_name is None:
        return _report("unsupported_algorithm", **base)
    try:
        actual = sig.compute_digest(digest_name)
    except Exception as exc:  # a ByteRange that points outside the file
        return _report("digest_mismatch", detail=str(exc), **base)
    signed_attrs = si["signed_attrs"]
    claimed = _attr(signed_attrs, "message_digest")
    if claimed is None or claimed != actual:
        return _report("digest_mismatch", **base)
    verified = _check_signature(si, cert, digest_name, sm2_id)
    if verified != "ok":
        return _report(verified, **base)
    base["intact"] = True
    coverage = sig.evaluate_signature_coverage()
    base["coverage"] = coverage.name.lower()
    if coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return _report("coverage", **base)
    sig.coverage = coverage
    diff = sig.evaluate_modifications(DEFAULT_DIFF_POLICY)
    if isinstance(diff, SuspiciousModification):
        base["modification"] = "suspicious"
        return _report("modified", detail=str(diff), **base)
    base["modification"] = diff.modification_level.name.lower()
    if diff.modification_level > ModificationLevel.FORM_FILLING:
        return _report("modified", **base)
    verdict = trust.validate(cert, now=now, purpose=Purpose.SIGNING, intermediates=certs)
    base["certificate_verdict"] = verdict
    if not verdict.valid:
        message = f"{MESSAGES['certificate']}：{verdict.message}"
        if verdict.revocation_date is not None:
            message += f"（吊销时间 {to_shanghai(verdict.revocation_date):%Y-%m-%d %H:%M} 北京时间）"
        return SignatureReport(code=verdict.code, message=message, **base)
    return _report("valid", **base)


def _report(code: str, *, detail: str | None = None, **facts: Any) -> SignatureReport:
    message = MESSAGES[code] + (f"（{detail}）" if detail else "")
    return SignatureReport(code=code, message=message, **facts)


def _check_signature(si: cms.SignerInfo, cert: Certificate, digest_name: str, sm2_id: bytes) -> str:
    from ggzy.pki.errors import UnsupportedAlgorithm

    algorithm = si["signature_algorithm"]
    params = algorithm["parameters"]
    try:
        ok = cert.public_key.verify(
            bytes(si["signature"]),
            si["signed_attrs"].untag().dump(),
            algorithm_oid=algorithm["algorithm"].dotted,
            digest_oid=si["digest_algorithm"]["algorithm"].dotted,
            params=params.dump() if algorithm["algorithm"].dotted == "1.2.840.113549.1.1.10" else None,
            sm2_id=sm2_id,
        )
    except UnsupportedAlgorithm:
        return "unsupported_algorithm"
    return "ok" if ok else "bad_signature"


def _attr(attrs: cms.CMSAttributes, name: str):
    for attr in attrs or ():
        if attr["type"].native == name:
            return attr["values"][0].native
    return None


def _signing_time(sig) -> dt.datetime | None:
    try:
        return sig.self_reported_timestamp
    except Exception:  # /M in a form pyHanko cannot parse: report no time rather than fail the seal
        return None


def _certificates(signed_data: cms.SignedData) -> list[Certificate]:
    out = []
    for choice in signed_data["certificates"] or ():
        if choice.name == "certificate":
            out.append(certificate_from_der(choice.chosen.dump()))
    return out


def _find_signer(sid: cms.SignerIdentifier, certs: list[Certificate]) -> Certificate | None:
    for cert in certs:
        asn1 = asn1_x509.Certificate.load(cert.der)
        if sid.name == "issuer_and_serial_number":
            if asn1.issuer == sid.chosen["issuer"] and asn1.serial_number == sid.chosen["serial_number"].native:
                return cert
        elif asn1.key_identifier == sid.chosen.native:
            return cert
    return None


def _check_pdf(data: bytes) -> None:
    if len(data) > MAX_PDF:
        raise PkiInputTooLarge(f"PDF 文件过大（{len(data)} 字节，上限 {MAX_PDF} 字节）")
    head = bytes(data[:1024])
    if b"%PDF-" not in head:
        raise MalformedSignature("不是 PDF 文件（缺少 %PDF- 文件头）", code="pki.not_a_pdf")
    if b"%%EOF" not in bytes(data[-2048:]):
        raise MalformedSignature("PDF 文件不完整（缺少 %%EOF 结尾，可能被截断）", code="pki.malformed_pdf")
