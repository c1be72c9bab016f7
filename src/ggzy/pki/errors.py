"""Errors raised by the PKI core. Each has a stable code and a message a person can act on."""

from __future__ import annotations

from ggzy.kit.errors import GgzyError, TooLarge, ValidationFailed


class PkiInputTooLarge(TooLarge):
    code = "pki.too_large"


class MalformedCertificate(ValidationFailed):
    code = "pki.malformed_certificate"


class MalformedKey(ValidationFailed):
    code = "pki.malformed_key"


class WrongPassword(ValidationFailed):
    code = "pki.wrong_password"


class UnsupportedAlgorithm(ValidationFailed):
    """An algorithm, curve or encoding the platform does not accept (e.g. an unknown EC curve)."""

    code = "pki.unsupported_algorithm"


class MalformedSignature(ValidationFailed):
    code = "pki.malformed_signature"


class CryptoFailure(GgzyError):
    """The crypto library refused an operation (decryption failed, library error)."""

    code = "pki.crypto_failed"
    status = 422


class LibcryptoUnavailable(GgzyError):
    code = "pki.libcrypto_unavailable"
    status = 500
