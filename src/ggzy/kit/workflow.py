"""Declared transition tables with guards.

A workflow is data: a table of ``Transition`` rows, each with the states it leaves from, the state it
goes to and guards. A guard takes the aggregate and a context (including ``now``) and returns ``None``
when the move is allowed or a reason (in Chinese, citing its legal source) when it is not. Nothing
here touches a database or a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from ggzy.kit.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
Guard = Callable[[Any, dict[str, Any]], str | None]


@dataclass(frozen=True)
class Transition(Generic[S]):
    name: str
    sources: frozenset[S]
    target: S
    guards: tuple[Guard, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Decision(Generic[S]):
    transition: Transition[S]
    source: S
    target: S


@dataclass
class Workflow(Generic[S]):
    """A named transition table over one status enum."""

    name: str
    states: type[S]
    transitions: list[Transition[S]] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"workflow {self.name}: duplicate transition names")

    def transition(self, name: str) -> Transition[S]:
        for t in self.transitions:
            if t.name == name:
                return t
        raise IllegalTransition(f"流程 {self.name} 没有“{name}”这一步。", code="workflow.unknown_transition")

    def available(self, source: S) -> list[Transition[S]]:
        return [t for t in self.transitions if source in t.sources]

    def decide(self, aggregate: Any, source: S, name: str, context: dict[str, Any] | None = None) -> Decision[S]:
        """Return the decision to move ``aggregate`` by transition ``name``, or raise with the reason."""
        t = self.transition(name)
        if source not in t.sources:
            allowed = "、".join(x.name for x in self.available(source)) or "无"
            raise IllegalTransition(
                f"当前状态“{source.value}”不能执行“{t.label or t.name}”；此状态下可执行：{allowed}。",
                detail={"workflow": self.name, "state": source.value, "transition": name},
            )
        ctx = context or {}
        for guard in t.guards:
            reason = guard(aggregate, ctx)
            if reason:
                raise IllegalTransition(
                    reason,
                    code="workflow.guard_failed",
                    detail={"workflow": self.name, "state": source.value, "transition": name},
                )
        return Decision(transition=t, source=source, target=t.target)

    def reachable(self, start: S) -> set[S]:
        seen, todo = {start}, [start]
        while todo:
            s = todo.pop()
            for t in self.available(s):
                if t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        return seen


def table(*rows: tuple[str, Iterable[S], S] | tuple[str, Iterable[S], S, tuple[Guard, ...]]) -> list[Transition[S]]:
    """Build transition rows compactly: ``("publish", {DRAFT}, PUBLISHED, (guard,))``."""
    out: list[Transition[S]] = []
    for row in rows:
        name, sources, target = row[0], row[1], row[2]
        guards = row[3] if len(row) > 3 else ()  # type: ignore[misc]
        out.append(Transition(name=name, sources=frozenset(sources), target=target, guards=tuple(guards)))
    return out
