"""Who does a thing, from where: recorded with every audit event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    account_id: int | None
    name: str
    role: str
    center_id: int | None = None
    ip: str | None = None


SYSTEM = Actor(account_id=None, name="系统", role="system")
CHRONOGRAPH = Actor(account_id=None, name="时序任务", role="chronograph")
CLI = Actor(account_id=None, name="命令行运维", role="operator")
