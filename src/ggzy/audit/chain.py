"""Pure hashing rules of the chain: what bytes an event's hash covers. No database here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64


# One encoder for the whole process: json.dumps with non-default options builds a new one per call, which
# cost verification more than the hashing itself (bench/bench_audit.py).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical_json(value: Any) -> str:
    """The one serialisation hashed and stored: sorted keys, no spaces, UTF-8 kept as text."""
    return _ENCODER.encode(value)


def time_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(alg: str, data: bytes) -> str:
    if alg == "sha256":
        return hashlib.sha256(data).hexdigest()
    if alg == "sm3":
        return hashlib.new("sm3", data).hexdigest()
    raise ValueError(f"unknown audit hash algorithm {alg!r}")


def event_bytes(
    *,
    seq: int,
    at: dt.datetime,
    tag: str,
    actor_id: int | None,
    actor_name: str,
    role: str,
    center_id: int | None,
    ip: str | None,
    subject_id: str | None,
    payload: str,
    hash_alg: str,
    prev_hash: str,
) -> bytes:
    head = canonical_json(
        [seq, time_text(at), tag, actor_id, actor_name, role, center_id, ip, subject_id, hash_alg, prev_hash]
    )
    return (head + "\n" + payload).encode("utf-8")


def event_hash(**fields: Any) -> str:
    return digest(fields["hash_alg"], event_bytes(**fields))


def checkpoint_statement(*, seq: int, hash_: str, hash_alg: str, at: dt.datetime) -> bytes:
    """What the platform signs for a checkpoint."""
    return f"ggzy-audit-checkpoint\nseq={seq}\nhash={hash_alg}:{hash_}\nat={time_text(at)}\n".encode()


def split_tag(tag: str) -> tuple[str, str, str]:
    parts = tag.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"audit tag {tag!r} must be source:subject:action")
    return parts[0], parts[1], parts[2]
