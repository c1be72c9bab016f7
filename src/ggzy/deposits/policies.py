"""Pure decisions on deposits: account numbers, notification checks, matching, guarantees, refund terms."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ggzy.centers.calendar import PeriodRule
from ggzy.deposits.workflow import PaymentStatus
from ggzy.evaluation.fees import ACCOUNT_DIGITS
from ggzy.kit.errors import Forbidden, NotAuthenticated, ValidationFailed
from ggzy.projects.rulesets import DepositForm, Limit, RuleSet

# A notification is accepted only if it was sent within this window of the platform's clock.
CLOCK_SKEW = dt.timedelta(minutes=10)
# A bank's signed fetch of its transfer orders is accepted only within this window (a captured request goes stale).
FETCH_SKEW = dt.timedelta(minutes=5)
FETCH_PATH = "/api/v1/bank/transfer-orders"
RANDOM_DIGITS = 16


def luhn_digit(digits: str) -> str:
    """The Luhn check digit (ISO/IEC 7812) so that a mistyped account number is caught at the bank counter."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def new_account_number(prefix: str) -> str:
    """Bank prefix + 16 random digits + check digit. Random, so it reveals nothing of the bidder (法 第二十二条)."""
    body = prefix + "".join(secrets.choice("0123456789") for _ in range(RANDOM_DIGITS))
    return body + luhn_digit(body)


def valid_account_number(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


def check_prefix(prefix: str) -> None:
    if not (prefix.isdigit() and 4 <= len(prefix) <= 8):
        raise ValidationFailed("子账号前缀须为 4–8 位数字。", code="deposits.bad_prefix")


def load_certificate(pem: str) -> x509.Certificate:
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ValidationFailed("银行签名证书须为 PEM 格式的 X.509 证书。", code="deposits.bad_certificate") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValidationFailed("银行签名证书须为 RSA 或 ECDSA（P-256）密钥。", code="deposits.bad_certificate")
    return cert


def verify_signature(cert_pem: str, body: bytes, signature: bytes, now: dt.datetime, what: str = "到账通知") -> None:
    """The body must be signed (SHA-256, ECDSA or RSA PKCS#1 v1.5) by the bank's valid certificate."""
    cert = load_certificate(cert_pem)
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise Forbidden("银行签名证书不在有效期内：请银行更新证书后重发。", code="deposits.certificate_expired")
    key = cert.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
        else:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Forbidden(f"{what}签名无效：内容被改动或并非该银行签发。", code="deposits.bad_signature") from None


def require_signed(bank_code: str | None, signature: str | None, what: str = "到账通知") -> None:
    if not bank_code or not signature:
        raise NotAuthenticated(
            f"{what}缺少签名：须携带 X-Bank-Id 与 X-Bank-Signature（对请求体的 SHA-256 签名，Base64）。",
            code="deposits.unsigned",
        )


def fetch_message(timestamp: str) -> bytes:
    """What a bank signs to fetch its transfer orders: method, path and its X-Bank-Timestamp, one per line."""
    return f"GET\n{FETCH_PATH}\n{timestamp}".encode()


def check_fetch_time(timestamp: str | None, now: dt.datetime) -> None:
    """X-Bank-Timestamp must be ISO 8601 with a zone and within FETCH_SKEW of the platform clock."""
    minutes = int(FETCH_SKEW.total_seconds() // 60)
    try:
        at = dt.datetime.fromisoformat(timestamp or "")
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise NotAuthenticated(
            "取回转账指令须携带 X-Bank-Timestamp（ISO 8601，带时区），并对“GET\\n路径\\n该时间”签名。",
            code="deposits.unsigned",
        )
    if abs(now - at) > FETCH_SKEW:
        raise NotAuthenticated(
            f"X-Bank-Timestamp 与平台时钟相差超过 {minutes} 分钟：请校准时钟后重新签名取回。",
            code="deposits.stale_request",
        )


def check_sent_at(sent_at: dt.datetime, now: dt.datetime) -> None:
    if abs(now - sent_at) > CLOCK_SKEW:
        raise ValidationFailed(
            f"到账通知的发送时间与平台时钟相差超过 {int(CLOCK_SKEW.total_seconds() // 60)} 分钟：请校准时钟后重发。",
            code="deposits.stale_notification",
        )


def classify(
    *, known: bool, amount_fen: int, required_fen: int | None, booked_at: dt.datetime, deadline: dt.datetime | None
) -> PaymentStatus:
    """Match an arrival: unknown account → unmatched; after the deadline → late; wrong amount → mismatch."""
    if not known:
        return PaymentStatus.UNMATCHED
    if deadline is not None and booked_at >= deadline:
        return PaymentStatus.LATE
    if amount_fen != required_fen:
        return PaymentStatus.MISMATCH
    return PaymentStatus.RECEIVED


def same_name(a: str, b: str) -> bool:
    """Payer name against the registered name, ignoring spaces and full-width/half-width brackets."""

    def norm(s: str) -> str:
        return "".join(s.split()).replace("（", "(").replace("）", ")")

    return norm(a) == norm(b)


def forms_of(section_forms: str, rules: RuleSet) -> set[DepositForm]:
    """The forms a section accepts: those its announcement named, within what its rule set allows (G-6)."""
    allowed = rules.deposit.forms if rules.deposit else frozenset()
    return {DepositForm(f) for f in section_forms.split(",") if f} & set(allowed)


def require_cash(forms: set[DepositForm], rules: RuleSet) -> None:
    if DepositForm.CASH not in forms:
        source = f"（{rules.deposit.rule_id}，{rules.deposit.source}）" if rules.deposit else ""
        raise ValidationFailed(
            f"本标段不接受现金保证金{source}：请提交银行保函或保证保险。", code="deposits.cash_not_allowed"
        )


@dataclass(frozen=True)
class IssuerRecord:
    """What the issuer's own system says about a guarantee (the verification interface returns this)."""

    guarantee_no: str
    applicant_name: str
    beneficiary_section: str
    amount_fen: int
    valid_until: dt.datetime
    state: str  # valid / revoked / claimed


def check_guarantee(
    record: IssuerRecord | None,
    *,
    claimed_amount_fen: int,
    required_fen: int,
    entity_name: str,
    section_code: str,
    deadline: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """A guarantee counts only as the issuer records it: same applicant, section, amount, still valid."""

    def refuse(why: str, code: str) -> ValidationFailed:
        return ValidationFailed(f"保函未通过核验：{why}", code=f"deposits.guarantee_{code}")

    if record is None:
        raise refuse("出具机构查无此保函编号。", "unknown")
    if record.state != "valid":
        raise refuse(f"出具机构记录的状态为“{record.state}”，不是有效。", "not_valid")
    if not same_name(record.applicant_name, entity_name):
        raise refuse("保函申请人与投标人名称不一致。", "applicant")
    if record.beneficiary_section != section_code:
        raise refuse("保函所担保的标段与本标段不一致。", "section")
    if record.amount_fen != claimed_amount_fen:
        raise refuse("填写的金额与出具机构记录不一致。", "amount_differs")
    if record.amount_fen < required_fen:
        raise refuse("保函金额低于本标段要求的保证金。", "amount_low")
    if record.valid_until <= max(now, deadline or now):
        raise refuse("保函有效期须覆盖投标截止时间。", "expired")


# Which limit applies to a refund, and whether bank interest is owed, by what triggered it.
REFUND_REASONS = {
    "withdrawal": "投标人撤回投标文件",
    "termination": "终止招标",
    "award": "中标通知书发出（未中标人）",
    "contract": "合同签订（中标人）",
}


@dataclass(frozen=True)
class RefundTerms:
    rule_id: str
    source: str
    limit: Limit | None
    with_interest: bool


def refund_terms(rules: RuleSet, reason: str) -> RefundTerms:
    """T-10 withdrawal: 5 days; T-11 termination: with bank interest; award/contract: the rule set's limits."""
    five = Limit(
        "T-10", PeriodRule.days(5, rule_id="T-10"), "招标投标法实施条例 第三十五条（收到撤回通知之日起5日内退还）"
    )
    dep = rules.deposit
    if reason == "withdrawal":
        return RefundTerms("T-10", five.source, five, False)
    if reason == "termination":
        source = "招标投标法实施条例 第三十一条（终止招标的，应及时退还投标保证金及银行同期存款利息）"
        return RefundTerms("T-11", source, (dep.refund_losers if dep else None) or five, True)
    if reason == "award":
        limit = dep.refund_losers if dep else None
    elif reason == "contract":
        limit = dep.refund_winner if dep else None
    else:
        raise ValidationFailed(f"退还原因须为：{'、'.join(REFUND_REASONS)}。", code="deposits.bad_refund_reason")
    limit = limit or five
    return RefundTerms(limit.rule_id, limit.source, limit, limit.rule_id == "T-19")


def interest_fen(amount_fen: int, *, rate_bp: int, since: dt.datetime, until: dt.datetime) -> int:
    """Simple demand-deposit interest, actual days / 360, rounded down to the fen (0 when the rate is 0)."""
    days = max(0, (until.date() - since.date()).days)
    return amount_fen * rate_bp * days // (10_000 * 360)


# --- re-issuing a failed transfer order -----------------------------------------------------------------------

REISSUE_REASON_MAX = 500
_REISSUED_KEY = re.compile(r"(?P<base>.+):r(?P<n>[0-9]+)")


def reissued_key(key: str) -> str:
    """The idempotency key of the order that replaces ``key``: ``<key>:r1``, then ``:r2``… from the first key."""
    m = _REISSUED_KEY.fullmatch(key)
    return f"{m['base']}:r{int(m['n']) + 1}" if m else f"{key}:r1"


def corrected_account(raw: str | None) -> str | None:
    """A corrected payee account as stored (spaces dropped), None if none was given; or refuse with what to fix.
    Same rule as an expert's own payee account (``evaluation.fees.ACCOUNT_DIGITS``)."""
    number = "".join((raw or "").split())
    if not number:
        return None
    low, high = ACCOUNT_DIGITS
    if not (number.isdigit() and number.isascii() and low <= len(number) <= high):
        raise ValidationFailed(
            f"更正后的收款账号须为 {low}–{high} 位数字（可按四位一组加空格，不含字母和符号）：请按收款人提供的"
            "银行卡或存折账号填写；不更正账号的，请留空。",
            code="deposits.bad_payee_account",
        )
    return number


def reissue_reason(raw: str) -> str:
    """Why the order is re-issued, required: it stays in the audit trail."""
    reason = raw.strip()
    if not reason or len(reason) > REISSUE_REASON_MAX:
        raise ValidationFailed(
            f"请写明重新发出的原因（{REISSUE_REASON_MAX} 字以内），如：收款人提供了新的银行账号。",
            code="deposits.reissue_reason_required",
        )
    return reason
