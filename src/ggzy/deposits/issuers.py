"""The verification interface to guarantee issuers (保函出具机构).

Each issuer's own system is asked about a guarantee number and answers with its record (or nothing). In
production an adapter calls the issuer's endpoint; tests and the demo register a simulated insurer or bank
through the same interface. No adapter registered for an issuer means its guarantees cannot be verified.
"""

from __future__ import annotations

from typing import Protocol

from ggzy.deposits.policies import IssuerRecord
from ggzy.kit.errors import ValidationFailed


class IssuerVerifier(Protocol):
    def __call__(self, guarantee_no: str) -> IssuerRecord | None: ...


_VERIFIERS: dict[str, IssuerVerifier] = {}


def register_verifier(issuer_code: str, verifier: IssuerVerifier) -> None:
    _VERIFIERS[issuer_code] = verifier


def unregister_verifier(issuer_code: str) -> None:
    _VERIFIERS.pop(issuer_code, None)


def verify(issuer_code: str, guarantee_no: str) -> IssuerRecord | None:
    verifier = _VERIFIERS.get(issuer_code)
    if verifier is None:
        raise ValidationFailed(
            f"暂无法向出具机构 {issuer_code} 核验保函（未接通核验接口）：请改用其他出具机构或稍后重试。",
            code="deposits.issuer_unreachable",
        )
    return verifier(guarantee_no)
