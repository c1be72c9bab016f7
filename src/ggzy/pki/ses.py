"""GB/T 38540-2020 electronic seal structures (SESeal v4, SES_Signature) and their verification.

Structures as in cn-standards §7.5 (from GB/T 38540 v4; GM/T 0031 v1 predecessor). Dates are
GeneralizedTime in v4; the UTCTime of v1 is accepted in the same fields. The v1 *layout* (SES_SignInfo,
TBS_Sign carrying the certificate) is not parsed: such a seal is refused as ``ses.unsupported_version``.

What is signed: the seal maker (制章人) signs the DER of ``SES_SealInfo`` (GB/T 38540 §7; some makers
sign ``SEQUENCE{eSealInfo, cert, signAlgID}`` — both are accepted); the signer (签章人) signs the DER
of ``TBS_Sign``, whose ``dataHash`` is the SM3 (SM2 seals) or SHA-256 (RSA/ECDSA) digest of the
signed content. SM2 uses the GM/T 0009 ID ``1234567812345678``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core

from ggzy.pki import sm2
from ggzy.pki.certs import Certificate, certificate_from_der
from ggzy.pki.errors import MalformedCertificate, MalformedSignature, UnsupportedAlgorithm
from ggzy.pki.keys import SIGNATURE_ALGORITHMS, digest
from ggzy.pki.pem import check_size
from ggzy.pki.validation import Purpose, TrustList, Verdict

SES_VERSION = 4


class SesTime(core.Choice):
    """GeneralizedTime (GB/T 38540 v4) or UTCTime (GM/T 0031 v1)."""

    _alternatives = [("generalized_time", core.GeneralizedTime), ("utc_time", core.UTCTime)]


class ExtData(core.Sequence):
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SES_Header(core.Sequence):  # noqa: N801 — the standard's names
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class CertDigestObj(core.Sequence):
    _fields = [("type", core.PrintableString), ("value", core.OctetString)]


class CertDigestList(core.SequenceOf):
    _child_spec = CertDigestObj


class SES_ESPropertyInfo(core.Sequence):  # noqa: N801
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),  # 1 = certificates, 2 = certificate digests
        ("cert_list", core.Any),  # CertInfoList or CertDigestList, chosen by cert_list_type
        ("create_date", SesTime),
        ("valid_start", SesTime),
        ("valid_end", SesTime),
    ]


class SES_ESPictrueInfo(core.Sequence):  # noqa: N801 — "Pictrue" is the standard's spelling
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SES_SealInfo(core.Sequence):  # noqa: N801
    _fields = [
        ("header", SES_Header),
        ("es_id", core.IA5String),
        ("property", SES_ESPropertyInfo),
        ("picture", SES_ESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):
    _fields = [
        ("e_seal_info", SES_SealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TBS_Sign(core.Sequence):  # noqa: N801
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", SesTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SES_Signature(core.Sequence):  # noqa: N801
    _fields = [
        ("to_sign", TBS_Sign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"optional": True}),
    ]


MESSAGES = {
    "valid": "电子签章有效",
    "seal_bad_signature": "电子印章的制章人签名验证失败（印章数据被改动或不是该制章人所制）",
    "seal_not_yet_valid": "签章时电子印章尚未生效",
    "seal_expired": "签章时电子印章已过有效期",
    "bad_signature": "签章人签名验证失败（签章数据被改动）",
    "signer_not_in_seal": "签章人证书不在电子印章授权的签章人列表中",
    "digest_mismatch": "签章所覆盖的内容与提供的文件不一致（文件被篡改）",
    "unsupported_algorithm": "电子签章使用了不支持的算法",
}
_PART_LABELS = {"seal_maker": "制章人证书", "signer": "签章人证书"}


@dataclass(frozen=True)
class SesVerdict:
    """Valid, or the first failing check: ``part`` says whether the seal, the signature or a certificate failed."""

    code: str
    message: str
    part: str | None = None
    seal_name: str | None = None
    es_id: str | None = None
    signing_time: dt.datetime | None = None
    valid_start: dt.datetime | None = None
    valid_end: dt.datetime | None = None
    signer: str | None = None
    seal_maker: str | None = None
    certificate_verdict: Verdict | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    def __bool__(self) -> bool:
        return self.valid

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"valid": self.valid, "code": self.code, "message": self.message, "part": self.part}
        for name in ("seal_name", "es_id", "signer", "seal_maker"):
            body[name] = getattr(self, name)
        for name in ("signing_time", "valid_start", "valid_end"):
            value = getattr(self, name)
            body[name] = value.isoformat() if value else None
        if self.certificate_verdict is not None:
            body["certificate"] = self.certificate_verdict.to_dict()
        return body


def load_ses_signature(der: bytes) -> SES_Signature:
    """Parse a v4 SES_Signature strictly; anything else raises ``MalformedSignature`` with what is wrong."""
    check_size(der, "电子签章数据")
    try:
        parsed = SES_Signature.load(bytes(der), strict=True)
        parsed.native  # noqa: B018 — force a full parse so a broken inner field fails here
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedSignature(
            f"无法解析电子签章数据（GB/T 38540 SES_Signature）：{exc}", code="ses.malformed"
        ) from exc
    header = parsed["to_sign"]["eseal"]["e_seal_info"]["header"]
    if header["id"].native != "ES" or header["version"].native != SES_VERSION:
        raise MalformedSignature(
            f"不支持的电子印章版本（标识 {header['id'].native!r}，版本 {header['version'].native}；"
            f"仅支持 GB/T 38540 第 {SES_VERSION} 版）",
            code="ses.unsupported_version",
        )
    return parsed


def verify_ses_signature(
    der: bytes, *, content: bytes, trust: TrustList, now: dt.datetime, sm2_id: bytes = sm2.DEFAULT_ID
) -> SesVerdict:
    """Check a GB/T 38540 e-seal over ``content``: seal, signature, hash, windows, then both certificates."""
    ses = load_ses_signature(der)
    tbs, seal = ses["to_sign"], ses["to_sign"]["eseal"]
    info = seal["e_seal_info"]
    prop = info["property"]
    maker, signer = _cert(seal["cert"], "制章人"), _cert(ses["cert"], "签章人")
    facts: dict[str, Any] = dict(
        seal_name=prop["name"].native,
        es_id=info["es_id"].native,
        signing_time=_time(tbs["time_info"]),
        valid_start=_time(prop["valid_start"]),
        valid_end=_time(prop["valid_end"]),
        signer=signer.subject_text,
        seal_maker=maker.subject_text,
    )
    alternatives = (info.dump(), _maker_tbs(seal))
    outcome = _verify_any(maker, seal["sign_alg_id"].dotted, bytes(seal["signed_value"]), alternatives, sm2_id)
    if outcome != "ok":
        return _fail(outcome if outcome != "bad" else "seal_bad_signature", "seal", facts)
    if facts["signing_time"] < facts["valid_start"]:
        return _fail("seal_not_yet_valid", "seal", facts)
    if facts["signing_time"] > facts["valid_end"]:
        return _fail("seal_expired", "seal", facts)
    outcome = _verify_any(signer, ses["signature_alg_id"].dotted, bytes(ses["signature"]), (tbs.dump(),), sm2_id)
    if outcome != "ok":
        return _fail(outcome if outcome != "bad" else "bad_signature", "signature", facts)
    if not _signer_listed(prop, signer):
        return _fail("signer_not_in_seal", "seal", facts)
    if bytes(tbs["data_hash"]) != digest(_content_digest(ses["signature_alg_id"].dotted), content):
        return _fail("digest_mismatch", "content", facts)
    for part, cert in (("seal_maker", maker), ("signer", signer)):
        verdict = trust.validate(cert, now=now, purpose=Purpose.SIGNING)
        if not verdict.valid:
            message = f"{_PART_LABELS[part]}无效：{verdict.message}"
            return SesVerdict(verdict.code, message, part=part, certificate_verdict=verdict, **facts)
    return SesVerdict("valid", MESSAGES["valid"], **facts)


def _fail(code: str, part: str, facts: dict[str, Any]) -> SesVerdict:
    return SesVerdict(code, MESSAGES[code], part=part, **facts)


def _maker_tbs(seal: SESeal) -> bytes:
    """The alternative seal-maker input: SEQUENCE { eSealInfo, cert, signAlgID }."""
    body = seal["e_seal_info"].dump() + seal["cert"].dump() + seal["sign_alg_id"].dump()
    return core.Sequence(contents=body).dump()


def _verify_any(cert: Certificate, oid: str, signature: bytes, inputs: tuple[bytes, ...], sm2_id: bytes) -> str:
    if oid not in SIGNATURE_ALGORITHMS or SIGNATURE_ALGORITHMS[oid][1] is None:
        return "unsupported_algorithm"
    try:
        for data in inputs:
            if cert.public_key.verify(signature, data, algorithm_oid=oid, sm2_id=sm2_id):
                return "ok"
    except UnsupportedAlgorithm:
        return "unsupported_algorithm"
    return "bad"


def _content_digest(signature_oid: str) -> str:
    return SIGNATURE_ALGORITHMS[signature_oid][1] or "sm3"


def _signer_listed(prop: SES_ESPropertyInfo, signer: Certificate) -> bool:
    kind = prop["cert_list_type"].native
    raw = prop["cert_list"].dump()
    try:
        if kind == 1:
            return any(bytes(c) == signer.der for c in CertInfoList.load(raw, strict=True).native)
        if kind == 2:
            for obj in CertDigestList.load(raw, strict=True):
                name = obj["type"].native.lower().replace("-", "")
                if name in ("sm3", "sha1", "sha256", "sha384", "sha512") and obj["value"].native == _hash(
                    name, signer.der
                ):
                    return True
            return False
    except (ValueError, TypeError) as exc:
        raise MalformedSignature(f"电子印章的签章人证书列表无法解析：{exc}", code="ses.malformed") from exc
    raise MalformedSignature(f"未知的证书列表类型 certListType={kind}（应为 1 或 2）", code="ses.malformed")


def _hash(name: str, data: bytes) -> bytes:
    return digest(name, data) if name in ("sm3", "sha256", "sha384", "sha512") else hashlib.sha1(data).digest()


def _cert(octets: core.OctetString, who: str) -> Certificate:
    try:
        return certificate_from_der(bytes(octets))
    except MalformedCertificate as exc:
        raise MalformedSignature(f"{who}证书无法解析：{exc.message}", code="ses.malformed") from exc


def _time(value: SesTime) -> dt.datetime:
    native = value.native
    return native if native.tzinfo else native.replace(tzinfo=dt.UTC)
