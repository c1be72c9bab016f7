"""Settings come from environment variables (``GGZY_*``); a bad value is refused with what to fix."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ggzy.kit.errors import ConfigError

HASH_ALGORITHMS = ("sha256", "sm3")
OPENING_KEY_ALGORITHMS = ("p256", "sm2")
"""Per-section opening keys: ECDSA P-256 (ECDH), or SM2 for platforms that must offer 国密 end to end."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None = None
    audit_hash: str = "sha256"
    checkpoint_every: int = 1000
    checkpoint_minutes: int = 10
    chronograph_interval: float = 5.0
    chronograph_in_process: bool = True
    session_hours: int = 12
    platform_name: str = "贵州省公共资源交易平台"
    opening_key_algorithm: str = "p256"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name}={raw!r} 不是整数：请设为不小于 {minimum} 的整数。") from None
    if value < minimum:
        raise ConfigError(f"环境变量 {name}={raw!r} 太小：请设为不小于 {minimum} 的整数。")
    return value


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name}={raw!r} 不是数字：请设为正数（秒）。") from None
    if value <= 0:
        raise ConfigError(f"环境变量 {name}={raw!r} 必须大于 0（秒）。")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"环境变量 {name}={raw!r} 不是开关值：请设为 true 或 false。")


def opening_key_algorithm(environ: dict[str, str] | None = None) -> str:
    """``GGZY_OPENING_KEY_ALGORITHM``: the kind of opening key the key ceremony makes (``p256`` or ``sm2``)."""
    env = os.environ if environ is None else environ
    value = (env.get("GGZY_OPENING_KEY_ALGORITHM") or "p256").lower()
    if value not in OPENING_KEY_ALGORITHMS:
        raise ConfigError(
            f"GGZY_OPENING_KEY_ALGORITHM={value!r} 不受支持：请设为 p256（ECDSA P-256，默认）或 sm2（国密 SM2）。"
        )
    return value


def check_database_url(url: str) -> str:
    """Accept SQLite and PostgreSQL URLs only; normalise ``postgresql://`` to the psycopg 3 driver."""
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg" + url[len(scheme) :]
    if scheme in ("sqlite", "postgresql+psycopg"):
        return url
    raise ConfigError(
        f"GGZY_DATABASE_URL={url!r} 不受支持：请使用 sqlite:///路径 或 postgresql://用户@主机:端口/库名。"
    )


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read ``GGZY_*`` variables; raise ConfigError naming the variable when one is malformed."""
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("GGZY_DATA_DIR") or "var").expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"GGZY_DATA_DIR={str(data_dir)!r} 不是目录：请指向一个目录（不存在会自动创建）。")
    url = env.get("GGZY_DATABASE_URL") or f"sqlite:///{data_dir / 'ggzy.db'}"
    audit_hash = (env.get("GGZY_AUDIT_HASH") or "sha256").lower()
    if audit_hash not in HASH_ALGORITHMS:
        raise ConfigError(f"GGZY_AUDIT_HASH={audit_hash!r} 不受支持：请设为 sha256 或 sm3。")
    redis_url = env.get("GGZY_REDIS_URL") or None
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"GGZY_REDIS_URL={redis_url!r} 不是 Redis 地址：请写成 redis://主机:端口/库号。")
    return Settings(
        data_dir=data_dir,
        database_url=check_database_url(url),
        redis_url=redis_url,
        audit_hash=audit_hash,
        checkpoint_every=_int(env, "GGZY_CHECKPOINT_EVERY", 1000),
        checkpoint_minutes=_int(env, "GGZY_CHECKPOINT_MINUTES", 10),
        chronograph_interval=_float(env, "GGZY_CHRONOGRAPH_INTERVAL", 5.0),
        chronograph_in_process=_bool(env, "GGZY_CHRONOGRAPH_IN_PROCESS", True),
        session_hours=_int(env, "GGZY_SESSION_HOURS", 12),
        platform_name=env.get("GGZY_PLATFORM_NAME") or "贵州省公共资源交易平台",
        opening_key_algorithm=opening_key_algorithm(env),
    )


def ensure_dirs(settings: Settings) -> None:
    for path in (settings.data_dir, settings.blob_dir, settings.key_dir):
        path.mkdir(parents=True, exist_ok=True)
