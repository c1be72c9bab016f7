"""The verifiable committee draw — pure: no session, no clock, no randomness of its own.

Algorithm (version 1, published on every draw-proof page):

1. Commit. Before anything else the platform takes a fresh random 32-byte ``seed`` and publishes
   ``commitment = SHA-256(seed)`` (hex) together with the request (section, date, size, specialties,
   venues, recusal parameters), recorded in the audit chain.
2. Snapshot. At the draw the eligible pool is fixed per specialty requirement as the list of
   ``[expert_id, home_center]`` sorted by ``expert_id``, after recusal and availability (see
   ``build_snapshot``), with the free evaluation seats per venue center. ``snapshot_hash`` =
   SHA-256 of the snapshot's canonical JSON (UTF-8, sorted keys, no spaces).
3. Draw. One counter ``k`` runs from 0 across the whole draw. Requirements are filled in their listed
   order. For each pick: ``pool`` = the requirement's eligible list minus every expert already drawn,
   refused or skipped, in list order; ``r`` = HMAC-SHA256(key=seed, msg=snapshot_hash + ":" + str(k))
   read as a big-endian integer; the candidate is ``pool[r mod len(pool)]`` (the 256-bit value makes
   the modulo bias below 2^-200); ``k`` += 1. A candidate whose home center has no free seat left is
   skipped (recorded) and the next ``k`` is used. Sampling is without replacement.
4. Refusal. A refusal frees the expert's seat and draws one replacement for the same requirement by
   continuing the same counter. Replaying the refusals in their recorded order reproduces every pick.
5. Reveal. After the result the seed is published; anyone checks ``SHA-256(seed) == commitment`` and
   reruns steps 3–4 on the published snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALGORITHM = "ggzy-draw/1 HMAC-SHA256(seed, snapshot_hash:counter) mod |pool|, sorted ids, without replacement"

REMEDIES = ("扩大抽取地区范围（调整地区回避参数）", "增加副场（其他中心当日有空闲评标席位）", "变更评标日期")

# Exclusion reasons in the order they are tested; each candidate counts once, under the first that applies.
REASONS = {
    "status": "专家状态非在库可用",
    "region": "所在地区按规则回避",
    "venue": "所在中心不在本次主场/副场",
    "unavailable": "评标当日不可出席",
    "employee": "现任职于招标人、代理机构或投标人",
    "recent_employee": "回避年限内曾任职于上述单位",
    "relation": "申报的亲属或利害关系",
    "frequency": "近期为同一招标人评标次数过多",
    "seat": "所在中心评标席位已满",
}
RECUSAL = ("employee", "recent_employee", "relation", "frequency")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commitment_of(seed: bytes) -> str:
    return sha256_hex(seed)


@dataclass(frozen=True)
class Requirement:
    specialty: str
    count: int


@dataclass(frozen=True)
class RecusalPolicy:
    """Recusal parameters; defaults follow X-6 (3 years) and common provincial practice [R]."""

    recent_employment_years: int = 3
    max_engagements: int = 3  # more than this many evaluations for the same tenderee …
    engagement_months: int = 12  # … within this many months excludes the expert
    excluded_regions: tuple[str, ...] = ()  # GB/T 2260 codes or prefixes (e.g. the project's own county)


@dataclass(frozen=True)
class DrawRequest:
    section_code: str
    evaluation_date: dt.date
    rule_set: str
    committee_size: int
    representatives: int
    requirements: tuple[Requirement, ...]
    main_center: str
    secondary_centers: tuple[str, ...]
    tenderee_id: int
    agency_id: int | None
    bidder_ids: tuple[int, ...]
    policy: RecusalPolicy = field(default_factory=RecusalPolicy)
    # main and secondary venues each draw their own share of the committee; empty = one pool for all venues
    venue_quotas: tuple[tuple[str, int], ...] = ()

    @property
    def venue_centers(self) -> tuple[str, ...]:
        return (self.main_center, *self.secondary_centers)

    @property
    def conflict_ids(self) -> frozenset[int]:
        ids = {self.tenderee_id, *self.bidder_ids}
        if self.agency_id is not None:
            ids.add(self.agency_id)
        return frozenset(ids)

    def to_dict(self) -> dict[str, Any]:
        p = self.policy
        quotas = {"venue_quotas": [[c, n] for c, n in self.venue_quotas]} if self.venue_quotas else {}
        return {
            "section": self.section_code,
            "evaluation_date": self.evaluation_date.isoformat(),
            "rule_set": self.rule_set,
            "committee_size": self.committee_size,
            "representatives": self.representatives,
            "requirements": [[r.specialty, r.count] for r in self.requirements],
            "main_center": self.main_center,
            "secondary_centers": list(self.secondary_centers),
            "tenderee_id": self.tenderee_id,
            "agency_id": self.agency_id,
            "bidder_ids": sorted(self.bidder_ids),
            "policy": {
                "recent_employment_years": p.recent_employment_years,
                "max_engagements": p.max_engagements,
                "engagement_months": p.engagement_months,
                "excluded_regions": list(p.excluded_regions),
            },
            **quotas,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DrawRequest:
        p = d["policy"]
        return cls(
            section_code=d["section"],
            evaluation_date=dt.date.fromisoformat(d["evaluation_date"]),
            rule_set=d["rule_set"],
            committee_size=d["committee_size"],
            representatives=d["representatives"],
            requirements=tuple(Requirement(s, n) for s, n in d["requirements"]),
            main_center=d["main_center"],
            secondary_centers=tuple(d["secondary_centers"]),
            tenderee_id=d["tenderee_id"],
            agency_id=d["agency_id"],
            bidder_ids=tuple(d["bidder_ids"]),
            policy=RecusalPolicy(
                p["recent_employment_years"], p["max_engagements"], p["engagement_months"], tuple(p["excluded_regions"])
            ),
            venue_quotas=tuple((c, n) for c, n in d.get("venue_quotas", ())),
        )


@dataclass(frozen=True)
class Candidate:
    """One expert as the draw sees it."""

    expert_id: int
    center: str
    region_code: str
    active: bool
    specialties: frozenset[str]
    employer_entity_id: int | None = None
    employer_name: str = ""


@dataclass(frozen=True)
class Relation:
    """A declared relation to an entity: ``past_employer`` (with ``until``) or ``relative_employer``/``other``."""

    kind: str
    entity_id: int | None
    entity_name: str
    until: dt.date | None = None


@dataclass
class Facts:
    """What the repository found about the candidates for this request."""

    conflict_names: frozenset[str] = frozenset()  # names of the tenderee, agency and bidders
    relations: Mapping[int, list[Relation]] = field(default_factory=dict)
    unavailable: frozenset[int] = frozenset()
    engagements: Mapping[int, int] = field(default_factory=dict)  # with this tenderee, within the window
    capacity: Mapping[str, int] = field(default_factory=dict)  # free evaluation seats per venue center


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def exclusion(c: Candidate, req: DrawRequest, facts: Facts) -> str | None:
    """The first reason ``c`` may not sit on this committee, or None."""
    if not c.active:
        return "status"
    if any(c.region_code.startswith(r) for r in req.policy.excluded_regions):
        return "region"
    if c.center not in req.venue_centers:
        return "venue"
    if c.expert_id in facts.unavailable:
        return "unavailable"
    conflicts = req.conflict_ids
    if c.employer_entity_id in conflicts or (c.employer_name and c.employer_name in facts.conflict_names):
        return "employee"
    since = _years_before(req.evaluation_date, req.policy.recent_employment_years)
    for rel in facts.relations.get(c.expert_id, ()):
        touches = rel.entity_id in conflicts or (rel.entity_name and rel.entity_name in facts.conflict_names)
        if not touches:
            continue
        if rel.kind != "past_employer":
            return "relation"
        if rel.until is None or rel.until >= since:
            return "recent_employee"
    if facts.engagements.get(c.expert_id, 0) > req.policy.max_engagements:
        return "frequency"
    return None


@dataclass(frozen=True)
class Shortfall:
    constraint: str  # "specialty:A010" or "seats"
    available: int
    needed: int
    excluded: Mapping[str, int]

    def message(self, names: Mapping[str, str] | None = None) -> str:
        if self.constraint == "seats":
            head = f"主场与副场当日空闲评标席位 {self.available} 个，需要 {self.needed} 个"
        elif self.constraint.startswith("seats:"):
            head = f"{self.constraint[6:]} 场当日空闲评标席位 {self.available} 个，该场需抽取 {self.needed} 名"
        elif self.constraint.startswith("venue:"):
            head = f"{self.constraint[6:]} 场本地可用专家 {self.available} 名，该场需抽取 {self.needed} 名"
        else:
            code = self.constraint.split(":", 1)[1]
            label = f"{code}（{names[code]}）" if names and code in names else f"{code} "
            head = f"专业 {label}可用专家 {self.available} 名，需要 {self.needed} 名"
        recused = sum(self.excluded.get(k, 0) for k in RECUSAL)
        parts = [f"回避排除 {recused} 名"] if recused else []
        parts += [f"{REASONS[k]} {n} 名" for k, n in self.excluded.items() if n and k not in RECUSAL]
        return "；".join([head, *parts])


def build_snapshot(req: DrawRequest, candidates: Iterable[Candidate], facts: Facts) -> tuple[dict, list[Shortfall]]:
    """The pool snapshot of this draw and the requirements it cannot fill."""
    excluded_of = [dict.fromkeys(REASONS, 0) for _ in req.requirements]
    eligible: list[list[list]] = [[] for _ in req.requirements]
    capacity = {c: max(0, facts.capacity.get(c, 0)) for c in req.venue_centers}
    quotas = dict(req.venue_quotas)
    free_seats = dict(capacity)
    if quotas:  # a venue seats no more than its share, so every venue's share comes from its own library
        capacity = {c: min(n, quotas.get(c, 0)) for c, n in capacity.items()}
    for c in sorted(candidates, key=lambda c: c.expert_id):
        groups = [i for i, r in enumerate(req.requirements) if r.specialty in c.specialties]
        if not groups:
            continue
        reason = exclusion(c, req, facts)
        if reason is None and capacity.get(c.center, 0) <= 0:
            reason = "seat"
        for i in groups:
            if reason is None:
                eligible[i].append([c.expert_id, c.center])
            else:
                excluded_of[i][reason] += 1
    snapshot = {
        "algorithm": ALGORITHM,
        "request_hash": sha256_hex(canonical(req.to_dict())),
        "capacity": capacity,
        "groups": [
            {"specialty": r.specialty, "count": r.count, "eligible": eligible[i], "excluded": excluded_of[i]}
            for i, r in enumerate(req.requirements)
        ],
    }
    shortfalls = [
        Shortfall(f"specialty:{r.specialty}", len(eligible[i]), r.count, excluded_of[i])
        for i, r in enumerate(req.requirements)
        if len(eligible[i]) < r.count
    ]
    if not shortfalls:
        shortfalls += _overlap_shortfalls(req, eligible)
    for c, n in quotas.items() if not shortfalls else ():
        if free_seats.get(c, 0) < n:
            shortfalls.append(Shortfall(f"seats:{c}", free_seats.get(c, 0), n, {}))
            continue
        at_venue = len({e[0] for g in eligible for e in g if e[1] == c})
        if at_venue < n:
            shortfalls.append(Shortfall(f"venue:{c}", at_venue, n, {}))
    needed = sum(r.count for r in req.requirements)
    if not shortfalls and sum(capacity.values()) < needed:
        shortfalls.append(Shortfall("seats", sum(capacity.values()), needed, {}))
    return snapshot, shortfalls


def _overlap_shortfalls(req: DrawRequest, eligible: list[list[list]]) -> list[Shortfall]:
    """Hall's condition: every set of requirements needs at least as many distinct experts as it asks for
    (one expert holding two required specialties sits once)."""
    out = []
    k = len(req.requirements)
    for mask in range(1, 1 << k):
        chosen = [i for i in range(k) if mask >> i & 1]
        if len(chosen) < 2:
            continue
        distinct = len({e[0] for i in chosen for e in eligible[i]})
        needed = sum(req.requirements[i].count for i in chosen)
        if distinct < needed:
            codes = "+".join(req.requirements[i].specialty for i in chosen)
            out.append(Shortfall(f"specialty:{codes}", distinct, needed, {}))
            break
    return out


def snapshot_hash(snapshot: Mapping[str, Any]) -> str:
    return sha256_hex(canonical(snapshot))


@dataclass(frozen=True)
class Pick:
    seq: int
    group: int
    expert_id: int
    center: str
    counter: int
    replaces: int | None = None


@dataclass
class Outcome:
    picks: list[Pick]
    skipped: list[tuple[int, int]]  # (counter, expert_id) skipped for a full venue
    refused: list[int]  # seqs, in order
    shortfalls: list[Shortfall]
    next_counter: int

    @property
    def seated(self) -> list[Pick]:
        gone = set(self.refused)
        return [p for p in self.picks if p.seq not in gone]


def draw_index(seed: bytes, snap_hash: str, counter: int, n: int) -> int:
    digest = hmac.new(seed, f"{snap_hash}:{counter}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % n


class _Run:
    def __init__(self, seed: bytes, snapshot: Mapping[str, Any]):
        self.seed, self.hash = seed, snapshot_hash(snapshot)
        self.groups = snapshot["groups"]
        self.free = dict(snapshot["capacity"])
        self.gone: set[int] = set()
        self.counter = 0
        self.out = Outcome([], [], [], [], 0)

    def pick(self, g: int, replaces: int | None = None) -> bool:
        pool = [e for e in self.groups[g]["eligible"] if e[0] not in self.gone]
        while pool:
            i = draw_index(self.seed, self.hash, self.counter, len(pool))
            expert_id, center = pool.pop(i)
            self.gone.add(expert_id)
            k, self.counter = self.counter, self.counter + 1
            if self.free.get(center, 0) <= 0:
                self.out.skipped.append((k, expert_id))
                continue
            self.free[center] -= 1
            self.out.picks.append(Pick(len(self.out.picks), g, expert_id, center, k, replaces))
            return True
        spec = self.groups[g]
        self.out.shortfalls.append(Shortfall(f"specialty:{spec['specialty']}", 0, 1, {"seat": len(self.out.skipped)}))
        return False


def run_draw(seed: bytes, snapshot: Mapping[str, Any], refusals: Iterable[int] = ()) -> Outcome:
    """Replay the whole draw: the initial committee, then one replacement per refusal in order."""
    run = _Run(seed, snapshot)
    for g, spec in enumerate(run.groups):
        for _ in range(spec["count"]):
            if not run.pick(g):
                break
    for seq in refusals:
        if seq >= len(run.out.picks) or seq in run.out.refused:
            raise ValueError(f"refusal of seq {seq} does not match a seated pick")
        p = run.out.picks[seq]
        run.out.refused.append(seq)
        run.free[p.center] += 1
        run.pick(p.group, replaces=seq)
    run.out.next_counter = run.counter
    return run.out
