"""SM3 and SM4 (GB/T 32905, GB/T 32907) through ``cryptography`` (libraries.md §1).

SM4-GCM exists in ``cryptography``'s bundled OpenSSL but not in the system OpenSSL 3.0, so the
platform uses CBC (PKCS#7 padding) and CTR here; both interoperate with ``openssl enc``.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy.pki.errors import CryptoFailure, ValidationFailed

SM4_KEY_SIZE = 16
SM4_BLOCK_SIZE = 16


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3_hmac(key: bytes, data: bytes) -> bytes:
    h = chmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def sm4_encrypt_block(key: bytes, block: bytes) -> bytes:
    """One raw SM4 block (ECB); for test vectors and key wrapping, never for messages."""
    _check(key, block, SM4_BLOCK_SIZE)
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def sm4_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    _check(key, iv, SM4_BLOCK_SIZE)
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    return enc.update(padder.update(plaintext) + padder.finalize()) + enc.finalize()


def sm4_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    _check(key, iv, SM4_BLOCK_SIZE)
    if not ciphertext or len(ciphertext) % SM4_BLOCK_SIZE:
        raise CryptoFailure("SM4-CBC 密文长度不是 16 字节的整数倍")
    dec = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise CryptoFailure("SM4-CBC 解密失败（密钥错误或密文损坏）") from exc


def sm4_ctr(key: bytes, nonce: bytes, data: bytes) -> bytes:
    """CTR mode is its own inverse: the same call encrypts and decrypts."""
    _check(key, nonce, SM4_BLOCK_SIZE)
    c = Cipher(algorithms.SM4(key), modes.CTR(nonce)).encryptor()
    return c.update(data) + c.finalize()


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def _check(key: bytes, iv: bytes, iv_size: int) -> None:
    if len(key) != SM4_KEY_SIZE:
        raise ValidationFailed(f"SM4 密钥应为 {SM4_KEY_SIZE} 字节，实际 {len(key)} 字节", code="pki.bad_key_size")
    if len(iv) != iv_size:
        raise ValidationFailed(f"SM4 IV/分组应为 {iv_size} 字节，实际 {len(iv)} 字节", code="pki.bad_iv_size")
