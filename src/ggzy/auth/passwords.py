"""Password hashing with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ggzy.kit.errors import ValidationFailed

_hasher = PasswordHasher()
MIN_LENGTH = 10


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"密码至少需要 {MIN_LENGTH} 个字符。", code="auth.weak_password")
    kinds = sum(any(f(c) for c in password) for f in (str.isdigit, str.islower, str.isupper))
    kinds += any(not c.isalnum() for c in password)
    if kinds < 2:
        raise ValidationFailed("密码须至少包含数字、小写字母、大写字母、符号中的两类。", code="auth.weak_password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
