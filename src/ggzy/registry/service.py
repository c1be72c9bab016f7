"""Use cases of the registry. Registration takes effect at once, everywhere (即时注册，即时生效): there is no
approval queue and no per-center copy. Every change records exactly one audit event; profile changes also
write a version row whose hash the event carries, so that corrections never erase history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.service import record
from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.authz.scope import CenterScope
from ggzy.centers.models import Center
from ggzy.centers.service import get_center
from ggzy.kit.actor import Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, Forbidden, ValidationFailed
from ggzy.registry import policies, repository
from ggzy.registry.models import CreditRecord, Entity, EntityVersion, Qualification
from ggzy.registry.visibility import public_code


def snapshot(entity: Entity) -> dict[str, Any]:
    """The profile as it stands, in the canonical form stored with each version."""
    snap: dict[str, Any] = {f: getattr(entity, f) for f in policies.PROFILE_FIELDS}
    snap["roles"] = policies.decode_roles(entity.roles)
    snap["license_end_date"] = entity.license_end_date.isoformat() if entity.license_end_date else None
    snap["status"] = entity.status
    snap["center_id"] = entity.center_id
    return snap


def _new_version(
    session: Session, *, entity: Entity, actor: Actor, now: dt.datetime, changed: list[str], reason: str, tag: str
) -> EntityVersion:
    text = canonical_json(snapshot(entity))
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = EntityVersion(
        entity_id=entity.id,
        version=entity.version,
        at=now,
        actor_id=actor.account_id,
        actor_name=actor.name,
        reason=reason,
        changed=canonical_json(changed),
        snapshot=text,
        snapshot_hash=digest,
    )
    session.add(row)
    session.flush()
    # Field names and the hash only: the audit log is read by auditors and regulators, not only by the
    # entity, so private values (ID numbers, phones) stay in the version row.
    record(
        session,
        tag=tag,
        actor=actor,
        now=now,
        subject_id=entity.id,
        center_id=entity.center_id if tag.endswith("registered") else None,
        payload={
            "name": entity.name,
            "code": public_code(entity),
            "version": entity.version,
            "changed": changed,
            "snapshot_hash": digest,
        },
    )
    return row


def _refuse_duplicates(session: Session, profile: dict[str, Any], *, exclude: int | None = None) -> None:
    for field, label in (("uscc", "统一社会信用代码"), ("organ_no", "组织机构代码"), ("license_no", "营业执照注册号")):
        value = profile.get(field)
        existing = repository.find_by_codes(session, **{field: value}) if value else None
        if existing is not None and existing.id != exclude:
            raise Conflict(
                f"{label} {value} 已由「{existing.name}」（主体编号 {existing.id}）登记：同一主体全省只登记一次，"
                "请使用该主体已有账户登录，或请其管理员为您开设账户。",
                code=f"registry.duplicate_{field}",
                detail={"entity_id": existing.id, "name": existing.name},
            )
    if profile.get("id_card") and repository.find_by_codes(session, id_card=profile["id_card"]):
        # The holder of an ID number is a natural person: the conflict does not say who.
        raise Conflict("该公民身份号码已登记为自然人主体：请使用已有账户登录。", code="registry.duplicate_id_card")


def register_entity(
    session: Session, *, actor: Actor, now: dt.datetime, center_code: str, kind: str, fields: dict[str, Any]
) -> Entity:
    """Register an entity at any center; it is in force province-wide from this transaction on."""
    center = get_center(session, center_code)
    if center.status != "active":
        raise ValidationFailed(
            f"交易中心 {center.code} 已整合，请在承接其业务的中心办理登记。", code="registry.center_merged"
        )
    profile = policies.check_profile(kind, fields, to_shanghai(now).date())
    _refuse_duplicates(session, profile)
    entity = Entity(
        **{k: v for k, v in profile.items() if k != "roles"},
        roles=policies.encode_roles(profile["roles"]),
        status="active",
        center_id=center.id,
        registered_at=now,
        updated_at=now,
        version=1,
    )
    session.add(entity)
    session.flush()
    _new_version(
        session,
        entity=entity,
        actor=actor,
        now=now,
        changed=sorted(profile),
        reason="登记",
        tag="registry:entity:registered",
    )
    return entity


def update_entity(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity: Entity,
    changes: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> Entity:
    """Change profile fields: a new version and one event; no change at all writes nothing."""
    if expected_version is not None and expected_version != entity.version:
        raise Conflict(
            f"该主体信息已被修改（当前版本 {entity.version}，您读取的是版本 {expected_version}）：请刷新后重新填写。",
            code="registry.stale_version",
        )
    touched = [k for k in changes if k in policies.IMMUTABLE]
    if touched:
        raise ValidationFailed(
            f"{'、'.join(touched)} 是主体的身份标识，登记后不能修改；确属登记错误的，请联系平台管理员核实。",
            code="registry.immutable",
        )
    current = snapshot(entity)
    merged = {**current, **{k: v for k, v in changes.items() if k in policies.EDITABLE}}
    if isinstance(merged.get("license_end_date"), str):
        merged["license_end_date"] = dt.date.fromisoformat(merged["license_end_date"])
    profile = policies.check_profile(entity.kind, merged, to_shanghai(now).date())
    new_snapshot = {**current, **profile, "roles": profile["roles"]}
    new_snapshot["license_end_date"] = profile["license_end_date"].isoformat() if profile["license_end_date"] else None
    changed = sorted(k for k in policies.EDITABLE if new_snapshot[k] != current[k])
    if not changed:
        return entity
    for k in changed:
        setattr(entity, k, policies.encode_roles(profile[k]) if k == "roles" else profile[k])
    entity.version += 1
    entity.updated_at = now
    session.flush()
    _new_version(
        session, entity=entity, actor=actor, now=now, changed=changed, reason=reason, tag="registry:entity:updated"
    )
    return entity


def link_account(session: Session, *, actor: Actor, now: dt.datetime, entity: Entity, account: Account) -> Account:
    """Make ``account`` act for ``entity``; an account acts for one entity only."""
    if account.kind != "entity":
        raise ValidationFailed("只有市场主体类账户可以关联市场主体。", code="registry.account_kind")
    if account.entity_id == entity.id:
        return account
    if account.entity_id is not None:
        raise Conflict(f"账户 {account.username} 已关联其他市场主体。", code="registry.account_linked")
    account.entity_id = entity.id
    session.flush()
    record(
        session,
        tag="registry:entity:account_linked",
        actor=actor,
        now=now,
        subject_id=entity.id,
        payload={"account_id": account.id, "username": account.username},
    )
    return account


def self_register(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    center_code: str,
    kind: str,
    fields: dict[str, Any],
    username: str,
    display_name: str,
    password: str,
) -> tuple[Entity, Account]:
    """Self-registration: the entity, and the registrant as its first account with the roles its parts need."""
    entity = register_entity(session, actor=actor, now=now, center_code=center_code, kind=kind, fields=fields)
    account = auth.create_account(
        session,
        actor=actor,
        now=now,
        username=username,
        display_name=display_name,
        kind="entity",
        password=password,
        home_center_code=center_code,
    )
    for account_role in dict.fromkeys(policies.ACCOUNT_ROLE_FOR[r] for r in policies.decode_roles(entity.roles)):
        auth.grant_role(session, actor=actor, now=now, account=account, role=account_role)
    link_account(session, actor=actor, now=now, entity=entity, account=account)
    return entity, account


# --- qualifications -------------------------------------------------------------------------------------


def add_qualification(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    entity: Entity,
    qual_type: str,
    qual_name: str,
    qual_level: str,
    qual_cert_no: str,
    issuer: str,
    valid_from: dt.date,
    qual_cert_end_date: dt.date,
) -> Qualification:
    """Attach a 资质 certificate (data sets 103/106)."""
    qual_type = qual_type.strip().upper()
    policies.check_qualification(
        qual_type=qual_type,
        qual_name=qual_name,
        qual_level=qual_level,
        qual_cert_no=qual_cert_no,
        issuer=issuer,
        valid_from=valid_from,
        end=qual_cert_end_date,
    )
    cert_no = qual_cert_no.strip()
    if any(q.qual_cert_no == cert_no for q in repository.qualifications_of(session, [entity.id])[entity.id]):
        raise Conflict(f"资质证书 {cert_no} 已登记在本主体名下。", code="registry.duplicate_qualification")
    q = Qualification(
        entity_id=entity.id,
        qual_type=qual_type,
        qual_name=qual_name.strip(),
        qual_level=qual_level.strip(),
        qual_cert_no=cert_no,
        issuer=issuer.strip(),
        valid_from=valid_from,
        qual_cert_end_date=qual_cert_end_date,
        created_at=now,
    )
    session.add(q)
    session.flush()
    record(
        session,
        tag="registry:qualification:added",
        actor=actor,
        now=now,
        subject_id=entity.id,
        payload={"qualification_id": q.id, "qual_type": qual_type, "qual_level": q.qual_level, "qual_cert_no": cert_no},
    )
    return q


def withdraw_qualification(
    session: Session, *, actor: Actor, now: dt.datetime, qualification: Qualification, reason: str
) -> Qualification:
    """Stop showing a qualification (revoked, downgraded, replaced); the row stays."""
    if qualification.withdrawn_at is not None:
        raise Conflict("该资质已注销，无需重复操作。", code="registry.qualification_withdrawn")
    if not reason.strip():
        raise ValidationFailed("请填写注销资质的原因。", code="registry.reason_required")
    qualification.withdrawn_at, qualification.withdrawn_reason = now, reason.strip()
    session.flush()
    record(
        session,
        tag="registry:qualification:withdrawn",
        actor=actor,
        now=now,
        subject_id=qualification.entity_id,
        payload={"qualification_id": qualification.id, "reason": qualification.withdrawn_reason},
    )
    return qualification


# --- credit records -------------------------------------------------------------------------------------


def add_credit_record(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    scope: CenterScope,
    center: Center,
    entity: Entity,
    kind: str,
    confined_start: dt.datetime,
    confined_end: dt.datetime | None,
    **fields: Any,
) -> CreditRecord:
    """Enter a violation (300) or blacklist (302) record at a center within the caller's checked scope."""
    if not scope.covers(center.id):
        raise Forbidden(f"交易中心 {center.code} 不在您的管理范围内。", code="registry.center_out_of_scope")
    if confined_start.tzinfo is None or (confined_end is not None and confined_end.tzinfo is None):
        raise ValidationFailed("限制期限的时间须带时区，如 2026-11-02T00:00:00+08:00。", code="registry.naive_time")
    policies.check_credit_period(kind, confined_start, confined_end)
    if fields.get("body_role") and fields["body_role"] not in policies.ENTITY_ROLES:
        raise ValidationFailed(f"主体角色须为：{'、'.join(policies.ENTITY_ROLES)}。", code="registry.credit.body_role")
    for key, label in (
        ("title", "违规事项名称"),
        ("reason", "说明"),
        ("government", "处罚部门"),
        ("document_code", "处理文件文号"),
    ):
        if not str(fields.get(key) or "").strip():
            raise ValidationFailed(f"请填写{label}。", code=f"registry.credit.{key}")
    r = CreditRecord(
        record_code=str(uuid.uuid4()),
        entity_id=entity.id,
        kind=kind,
        confined_start=confined_start,
        confined_end=confined_end,
        center_id=center.id,
        created_at=now,
        **fields,
    )
    session.add(r)
    session.flush()
    record(
        session,
        tag="registry:credit:recorded",
        actor=actor,
        now=now,
        subject_id=entity.id,
        center_id=center.id,
        payload={
            "record_code": r.record_code,
            "kind": kind,
            "document_code": r.document_code,
            "government": r.government,
            "published": r.published,
        },
    )
    return r


def revoke_credit_record(
    session: Session, *, actor: Actor, now: dt.datetime, scope: CenterScope, credit: CreditRecord, reason: str
) -> CreditRecord:
    """撤销 a record (REVOCATION_STATUS): it leaves the public directory but stays on file."""
    if not scope.covers(credit.center_id):
        raise Forbidden("该信用记录由其他交易中心录入，不在您的管理范围内。", code="registry.center_out_of_scope")
    if credit.revoked_at is not None:
        raise Conflict("该信用记录已撤销。", code="registry.credit_revoked")
    if not reason.strip():
        raise ValidationFailed("请填写撤销原因（如复议、诉讼结果的文号）。", code="registry.reason_required")
    credit.revoked_at, credit.revoked_reason = now, reason.strip()
    session.flush()
    record(
        session,
        tag="registry:credit:revoked",
        actor=actor,
        now=now,
        subject_id=credit.entity_id,
        center_id=credit.center_id,
        payload={"record_code": credit.record_code, "reason": credit.revoked_reason},
    )
    return credit
