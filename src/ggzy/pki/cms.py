"""Detached CMS SignedData (RFC 5652): verify what bidders and CAs send, sign what the platform issues.

Verification accepts ``openssl cms -sign -binary`` output (DER, PEM or S/MIME) for RSA and ECDSA,
and SM2/SM3 SignedData in both the RFC 5652 dress (sm2sign-with-sm3 ``1.2.156.10197.1.501``,
digest sm3 ``1.2.156.10197.1.401``) and the GM/T 0010 one (content types ``1.2.156.10197.6.1.4.2.*``,
signature ``1.2.156.10197.1.301.1``). The OpenSSL 3.0 CLI can neither make nor check SM2 CMS
(libraries.md §2), so both directions are ours.

Order of checks per signer: the signer certificate is present, the message digest matches the
content (``digest_mismatch``), the signature verifies, then the certificate is valid at ``now``
through ``validation.TrustList``.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import hmac
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509

from ggzy.pki import sm2
from ggzy.pki.certs import Certificate, certificate_from_der
from ggzy.pki.errors import MalformedSignature, UnsupportedAlgorithm
from ggzy.pki.keys import DIGEST_OIDS, DIGESTS, KeyAlgorithm, PrivateKey, digest
from ggzy.pki.pem import check_size, is_pem, pem_blocks
from ggzy.pki.validation import Purpose, TrustList, Verdict

GMT_DATA = "1.2.156.10197.6.1.4.2.1"
GMT_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
PKCS7_DATA = "1.2.840.113549.1.7.1"
PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
GMT_SM2_SIGN = "1.2.156.10197.1.301.1"
_SIGNATURE_OIDS = {
    KeyAlgorithm.RSA: "1.2.840.113549.1.1.1",
    KeyAlgorithm.ECDSA_P256: "1.2.840.10045.4.3.2",
}


def _register(oid_class: type[core.ObjectIdentifier], dotted: str, name: str) -> None:
    oid_class._map[dotted] = name
    if oid_class._reverse_map is not None:
        oid_class._reverse_map[name] = dotted


# GM/T 0010 wraps an ordinary SignedData in its own content-type OIDs.
_register(cms.ContentType, GMT_DATA, "gmt_data")
_register(cms.ContentType, GMT_SIGNED_DATA, "gmt_signed_data")
cms.ContentInfo._oid_specs["gmt_signed_data"] = cms.SignedData

MESSAGES = {
    "valid": "签名有效",
    "digest_mismatch": "签名所覆盖的内容与提供的文件不一致（文件被篡改）",
    "bad_signature": "签名值验证失败",
    "sm2_wrong_id": "SM2 签名使用了非约定的签名者标识（ID）",
    "signer_not_found": "签名中没有签名者的证书",
    "unsupported_algorithm": "签名使用了不支持的算法",
    "missing_content_type": "签名属性中缺少或不一致的 content-type",
}


@dataclass(frozen=True)
class SignerVerdict:
    code: str
    message: str
    certificate: Certificate | None = None
    certificate_verdict: Verdict | None = None
    digest_algorithm: str | None = None
    signing_time: dt.datetime | None = None

    @property
    def valid(self) -> bool:
        return self.code == "valid"


@dataclass(frozen=True)
class CmsVerdict:
    """Valid when every signer is valid; otherwise ``code`` is the first failing signer's code."""

    code: str
    message: str
    signers: tuple[SignerVerdict, ...]

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    def __bool__(self) -> bool:
        return self.valid


def verify_detached(
    signature: bytes,
    content: bytes,
    *,
    trust: TrustList,
    now: dt.datetime,
    extra_certificates: Sequence[Certificate] = (),
) -> CmsVerdict:
    """Verify a detached CMS signature over ``content``: malformed input raises, a bad one is a verdict."""
    signed_data = _signed_data(signature)
    certs = [*_certificates(signed_data), *extra_certificates]
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        raise MalformedSignature("CMS 签名中没有签名者（SignerInfo）", code="pki.malformed_signature.no_signer")
    encap_type = signed_data["encap_content_info"]["content_type"].dotted
    results = tuple(_verify_signer(si, content, encap_type, certs, trust=trust, now=now) for si in signer_infos)
    failing = next((r for r in results if not r.valid), None)
    head = failing or results[0]
    return CmsVerdict(head.code, head.message, results)


def _verify_signer(
    si: cms.SignerInfo,
    content: bytes,
    encap_type: str,
    certs: list[Certificate],
    *,
    trust: TrustList,
    now: dt.datetime,
) -> SignerVerdict:
    cert = _find_signer(si["sid"], certs)
    if cert is None:
        return _signer("signer_not_found")
    digest_oid = si["digest_algorithm"]["algorithm"].dotted
    if digest_oid not in DIGESTS:
        return _signer("unsupported_algorithm", cert)
    digest_name = DIGESTS[digest_oid]
    actual = digest(digest_name, content)
    attrs = si["signed_attrs"]
    signing_time = None
    if attrs.native is None or len(attrs) == 0:
        signed_bytes = content
    else:
        values = {a["type"].dotted: a["values"] for a in attrs}
        claimed = values.get("1.2.840.113549.1.9.4")
        if claimed is None or len(claimed) != 1 or not hmac.compare_digest(claimed[0].native, actual):
            return _signer("digest_mismatch", cert, digest_algorithm=digest_name)
        content_type = values.get("1.2.840.113549.1.9.3")
        if content_type is None or content_type[0].dotted != encap_type:
            return _signer("missing_content_type", cert, digest_algorithm=digest_name)
        if "1.2.840.113549.1.9.5" in values:
            signing_time = values["1.2.840.113549.1.9.5"][0].native
        # The signature covers the attributes DER-encoded as a SET, not as the [0] IMPLICIT field.
        signed_bytes = b"\x31" + attrs.dump()[1:]
    outcome = _check_signature(si, cert, signed_bytes, digest_oid, trust.sm2_id)
    if outcome != "valid":
        return _signer(outcome, cert, digest_algorithm=digest_name, signing_time=signing_time)
    others = [c for c in certs if c is not cert]
    cert_verdict = trust.validate(cert, now=now, purpose=Purpose.SIGNING, intermediates=others)
    if not cert_verdict.valid:
        return SignerVerdict(cert_verdict.code, cert_verdict.message, cert, cert_verdict, digest_name, signing_time)
    return SignerVerdict("valid", MESSAGES["valid"], cert, cert_verdict, digest_name, signing_time)


def _check_signature(si: cms.SignerInfo, cert: Certificate, data: bytes, digest_oid: str, sm2_id: bytes) -> str:
    algorithm = si["signature_algorithm"]
    oid = algorithm["algorithm"].dotted
    params = algorithm["parameters"]
    params_der = None if params.native is None else params.dump()
    signature = si["signature"].native

    def verify(with_id: bytes) -> bool:
        return cert.public_key.verify(
            signature, data, algorithm_oid=oid, digest_oid=digest_oid, params=params_der, sm2_id=with_id
        )

    try:
        if verify(sm2_id):
            return "valid"
        if cert.algorithm is KeyAlgorithm.SM2 and verify(sm2.EMPTY_ID if sm2_id else sm2.DEFAULT_ID):
            return "sm2_wrong_id"
    except UnsupportedAlgorithm:
        return "unsupported_algorithm"
    return "bad_signature"


def _signer(code: str, cert: Certificate | None = None, **facts) -> SignerVerdict:
    return SignerVerdict(code, MESSAGES[code], cert, **facts)


def _find_signer(sid: cms.SignerIdentifier, certs: list[Certificate]) -> Certificate | None:
    for cert in certs:
        tbs = asn1_x509.Certificate.load(cert.der)["tbs_certificate"]
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if tbs["serial_number"].native == wanted["serial_number"].native and tbs["issuer"] == wanted["issuer"]:
                return cert
        elif sid.name == "subject_key_identifier" and cert.subject_key_id == sid.chosen.native:
            return cert
    return None


def _certificates(signed_data: cms.SignedData) -> list[Certificate]:
    out = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            out.append(certificate_from_der(choice.chosen.dump()))
    return out


def _signed_data(signature: bytes) -> cms.SignedData:
    check_size(signature, "签名")
    der = _unwrap(bytes(signature))
    try:
        info = cms.ContentInfo.load(der, strict=True)
        outer = info["content_type"].dotted
        if outer not in (PKCS7_SIGNED_DATA, GMT_SIGNED_DATA):
            raise MalformedSignature(
                f"不是 CMS SignedData（内容类型 {outer}）", code="pki.malformed_signature.not_signed_data"
            )
        signed_data = info["content"]
        if not isinstance(signed_data, cms.SignedData):
            raise MalformedSignature("CMS 签名缺少 SignedData 内容", code="pki.malformed_signature.bad_der")
        signed_data.native  # noqa: B018 - parse everything now, so later access cannot fail half-way
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedSignature(f"CMS 签名结构损坏：{exc}", code="pki.malformed_signature.bad_der") from exc
    return signed_data


def _unwrap(data: bytes) -> bytes:
    """DER from DER, PEM (``CMS``/``PKCS7``) or an S/MIME ``multipart/signed`` message."""
    head = data[:2048].lower()
    if b"mime-version" in head or b"content-type:" in head:
        message = email.message_from_bytes(data)
        for part in message.walk():
            if part.get_content_type() in ("application/pkcs7-signature", "application/x-pkcs7-signature"):
                payload = part.get_payload(decode=True)
                if payload:
                    return payload
        raise MalformedSignature("S/MIME 消息中没有 pkcs7-signature 部分", code="pki.malformed_signature.smime")
    if is_pem(data):
        blocks = pem_blocks(data, "CMS", "PKCS7", error=MalformedSignature)
        if len(blocks) != 1:
            raise MalformedSignature("PEM 中应当恰好有一个 CMS/PKCS7 块", code="pki.malformed_signature.pem")
        return blocks[0][1]
    return data


def sign_detached(
    content: bytes,
    certificate: Certificate,
    key: PrivateKey,
    *,
    chain: Sequence[Certificate] = (),
    signing_time: dt.datetime | None = None,
    sm2_id: bytes = sm2.DEFAULT_ID,
    gmt0010: bool = False,
    pem: bool = False,
) -> bytes:
    """A detached CMS SignedData over ``content`` (SHA-256 for RSA/ECDSA, SM3 for SM2); DER unless ``pem``.

    RSA/ECDSA output verifies offline with ``openssl cms -verify -binary -content FILE``. SM2 output
    uses the standard ID and RFC 5652 OIDs, or GM/T 0010 OIDs when ``gmt0010`` is set.
    """
    if key.public_key().spki != certificate.public_key.spki:
        raise MalformedSignature("私钥与证书不匹配", code="pki.key_certificate_mismatch")
    is_sm2 = key.algorithm is KeyAlgorithm.SM2
    digest_name = "sm3" if is_sm2 else "sha256"
    data_type = GMT_DATA if gmt0010 else PKCS7_DATA
    attrs = [
        {"type": "content_type", "values": [data_type]},
        *([{"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]}] if signing_time else []),
        {"type": "message_digest", "values": [digest(digest_name, content)]},
    ]
    signed_attrs = cms.CMSAttributes(attrs)
    signature = key.sign(signed_attrs.dump(), digest_name=digest_name, sm2_id=sm2_id)
    sig_oid = (GMT_SM2_SIGN if gmt0010 else SM2_WITH_SM3) if is_sm2 else _SIGNATURE_OIDS[key.algorithm]
    tbs = _asn1_cert(certificate)["tbs_certificate"]
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": tbs["issuer"], "serial_number": tbs["serial_number"]}}
        ),
        "digest_algorithm": {"algorithm": DIGEST_OIDS[digest_name]},
        "signed_attrs": signed_attrs,
        "signature_algorithm": {"algorithm": sig_oid},
        "signature": signature,
    }
    if key.algorithm is KeyAlgorithm.RSA:
        signer_info["signature_algorithm"]["parameters"] = core.Null()
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": DIGEST_OIDS[digest_name]}],
            "encap_content_info": {"content_type": data_type},
            "certificates": [_asn1_cert(c) for c in (certificate, *chain)],
            "signer_infos": [signer_info],
        }
    )
    der = cms.ContentInfo(
        {"content_type": GMT_SIGNED_DATA if gmt0010 else PKCS7_SIGNED_DATA, "content": signed_data}
    ).dump()
    if not pem:
        return der
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n".encode()


def _asn1_cert(cert: Certificate):
    return asn1_x509.Certificate.load(cert.der)
