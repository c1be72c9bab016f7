"""Documents the platform issues (receipts, records, notices), signed with the platform's own key.

Two forms, both checkable offline by anyone holding ``platform-cert.pem``:

* ``sign_document`` — a detached CMS SignedData (DER) over the exact bytes, verifiable with
  ``openssl cms -verify -binary -inform DER -in SIG -content FILE -CAfile platform-cert.pem -purpose any``;
* ``seal_platform_pdf`` — a visible PAdES seal (red round seal + 签章单位/时间) on a PDF.

``render_record_pdf`` draws the PDF itself (fpdf2 with the Noto CJK face): a title, the fields of
the record as a two-column table, and the issuing platform's name and time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography.hazmat.primitives.serialization import Encoding

from ggzy.kit.clock import Clock, to_shanghai
from ggzy.kit.signing import PlatformKey
from ggzy.pki.certs import Certificate, certificate_from_der
from ggzy.pki.cms import CmsVerdict, sign_detached, verify_detached
from ggzy.pki.keys import PrivateKey, wrap_private_key
from ggzy.pki.seals import SealVerdict, seal_pdf, verify_pdf
from ggzy.pki.validation import TrustedCA, TrustList

MAX_FIELDS = 200


def platform_signer(key: PlatformKey) -> tuple[PrivateKey, Certificate]:
    """The platform key and certificate in the PKI core's types."""
    return wrap_private_key(key.key), certificate_from_der(key.certificate.public_bytes(Encoding.DER))


def platform_trust(key_or_cert: PlatformKey | Certificate) -> TrustList:
    """A trust list holding only the platform certificate (self-signed, so no CRL): for checking our own output."""
    cert = platform_signer(key_or_cert)[1] if isinstance(key_or_cert, PlatformKey) else key_or_cert
    return TrustList([TrustedCA(cert)], require_revocation=False)


def sign_document(content: bytes, key: PlatformKey, *, signing_time: dt.datetime | None = None) -> bytes:
    """A detached CMS signature (DER) of ``content`` by the platform key (ECDSA P-256, SHA-256)."""
    private, cert = platform_signer(key)
    return sign_detached(content, cert, private, signing_time=signing_time)


def verify_document(content: bytes, signature: bytes, key: PlatformKey, *, now: dt.datetime) -> CmsVerdict:
    """Check a platform signature the way a third party would, trusting only the platform certificate."""
    return verify_detached(signature, content, trust=platform_trust(key), now=now)


def seal_platform_pdf(pdf_bytes: bytes, key: PlatformKey, *, signing_time: dt.datetime | None = None) -> bytes:
    """The platform's visible PAdES seal on ``pdf_bytes`` (its name around a red round seal)."""
    private, cert = platform_signer(key)
    return seal_pdf(
        pdf_bytes,
        signer_key=private,
        signer_cert=cert,
        signing_time=signing_time,
        reason="平台出具文件",
    )


def verify_platform_pdf(pdf_bytes: bytes, key: PlatformKey, *, now: dt.datetime) -> SealVerdict:
    return verify_pdf(pdf_bytes, trust=platform_trust(key), now=now)


def render_record_pdf(
    title: str,
    fields: Sequence[tuple[str, str]],
    *,
    issuer: str = "公共资源交易平台",
    number: str | None = None,
    issued_at: dt.datetime | None = None,
    note: str | None = None,
) -> bytes:
    """An A4 PDF of a record: title, number, a label/value table, a note and the issuer line."""
    from fpdf import FPDF

    from ggzy.pki.seal_art import cjk_font_file

    if len(fields) > MAX_FIELDS:
        raise ValueError(f"too many fields for one record ({len(fields)} > {MAX_FIELDS})")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=60)  # leave the bottom of each page free for seals
    when = issued_at or Clock().now()
    pdf.set_creation_date(when)
    pdf.set_title(title)
    pdf.set_creator(issuer)
    pdf.add_font("cjk", "", str(cjk_font_file()))
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    if number:
        pdf.cell(0, 8, f"编号：{number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(35, 95), text_align=("LEFT", "LEFT"), first_row_as_headings=False) as table:
        for label, value in fields:
            row = table.row()
            row.cell(str(label))
            row.cell(str(value))
    if note:
        pdf.ln(6)
        pdf.multi_cell(0, 6, note)
    pdf.ln(10)
    pdf.cell(0, 7, f"出具单位：{issuer}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"出具时间：{to_shanghai(when):%Y-%m-%d %H:%M} 北京时间", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
