"""The project's electronic archive as one signed zip, checkable offline by a court or an auditor (E-17, E-19).

Layout: every artefact the platform holds for the section, a ``manifest.json`` listing each file with its
SHA-256 and size, ``manifest.json.p7s`` — a detached CMS signature of the manifest by the platform key — and
``platform-cert.pem``. Verification needs nothing but the zip (and, to be sure of the signer, the platform
certificate published elsewhere):

    openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json \\
        -CAfile platform-cert.pem -purpose any
    sha256sum each file and compare with manifest.json

Tables of other modules (bids and receipts, the opening, the expert draw) are read defensively, by name, if
they exist in the database; a missing module is noted in the manifest instead of failing the export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from sqlalchemy import Table, inspect, or_, select
from sqlalchemy.orm import Session

from ggzy.audit.chain import canonical_json
from ggzy.audit.models import AuditEvent
from ggzy.award import repository
from ggzy.award.models import AwardResult
from ggzy.kit.blobs import BlobStore
from ggzy.kit.errors import GgzyError
from ggzy.kit.signing import PlatformKey, verify_platform_signature
from ggzy.pki.certs import certificate_from_der
from ggzy.pki.cms import verify_detached
from ggzy.pki.documents import platform_trust, sign_document
from ggzy.projects.models import Announcement, Document, Project, Section, TenderProject
from ggzy.projects.service import announcement_text

FORMAT = "ggzy-archive/1"
MANIFEST, SIGNATURE, CERT = "manifest.json", "manifest.json.p7s", "platform-cert.pem"
# Other modules' tables, read if present: (archive folder, table, column, parent table the column points to —
# None when the column is the section id itself).
FOREIGN_TABLES = (
    ("bidding", "bidding_opening_keys", "section_id", None),
    ("bidding", "bidding_bids", "section_id", None),
    ("bidding", "bidding_receipts", "bid_id", "bidding_bids"),
    ("opening", "openings", "section_id", None),
    ("opening", "opening_bids", "opening_id", "openings"),
    ("opening", "opening_roll_calls", "opening_id", "openings"),
    ("opening", "opening_objections", "opening_id", "openings"),
    ("opening", "opening_findings", "opening_id", "openings"),
    ("evaluation", "draws", "section_id", None),
    ("evaluation", "draw_members", "draw_id", "draws"),
)
# Never archived: key material; a draw's seed only once revealed (the commitment is archived either way).
SECRET_COLUMNS = {"share", "private_key", "secret", "password_hash", "encrypted_share"}
README = """本压缩包是公共资源交易平台出具的项目电子档案。
manifest.json 列出每个文件及其 SHA-256；manifest.json.p7s 是平台对 manifest.json 的 CMS 分离签名（DER）；
platform-cert.pem 是平台签名证书（请与平台公布的证书指纹核对）。离线核验：
  openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json \\
      -CAfile platform-cert.pem -purpose any
  再逐一计算各文件 SHA-256 与 manifest.json 比对；或运行 ggzy archive verify 本文件。
announcements/*.sig 为平台对公告正文（同名 .json）的 ECDSA P-256/SHA-256 签名（DER）。
"""


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, content: bytes | str) -> None:
        self.files[name] = content.encode() if isinstance(content, str) else content

    def add_json(self, name: str, value: Any) -> None:
        self.add(name, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def export(
    session: Session, *, section_code: str, key: PlatformKey, now: dt.datetime, blobs: BlobStore | None
) -> bytes:
    """Build the signed archive zip of a section."""
    section, tp, project = repository.section_by_code(session, section_code)
    b = Bundle()
    b.add("README.txt", README)
    b.add(CERT, key.cert_pem())
    b.add_json("project.json", _project(project, tp, section))
    _announcements(session, b, tp)
    _documents(session, b, tp, blobs)
    for folder, table, column, parent in FOREIGN_TABLES:
        _foreign(session, b, folder, table, column, parent, section.id)
    _award(session, b, section)
    _events(session, b, project)
    manifest = {
        "format": FORMAT,
        "section": section.code,
        "tender_project": tp.code,
        "project": project.code,
        "generated_at": now.isoformat(),
        "files": [
            {"name": n, "sha256": hashlib.sha256(c).hexdigest(), "size": len(c)} for n, c in sorted(b.files.items())
        ],
        "notes": b.notes,
    }
    manifest_bytes = canonical_json(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in sorted(b.files.items()):
            z.writestr(name, content)
        z.writestr(MANIFEST, manifest_bytes)
        z.writestr(SIGNATURE, sign_document(manifest_bytes, key, signing_time=now))
    return out.getvalue()


def _project(project: Project, tp: TenderProject, section: Section) -> dict[str, Any]:
    return {
        "project": {"code": project.code, "name": project.name, "type": project.transaction_type},
        "tender_project": {"code": tp.code, "name": tp.name, "rule_set": tp.rule_set, "estimate_fen": tp.estimate_fen},
        "section": {
            "code": section.code,
            "name": section.name,
            "status": section.status,
            "bid_deadline": section.bid_deadline.isoformat() if section.bid_deadline else None,
            "deposit_fen": section.deposit_fen,
        },
    }


def _announcements(session: Session, b: Bundle, tp: TenderProject) -> None:
    rows = session.execute(
        select(Announcement).where(Announcement.tender_project_id == tp.id).order_by(Announcement.version)
    ).scalars()
    docs = list(
        session.execute(select(Document).where(Document.tender_project_id == tp.id).order_by(Document.id)).scalars()
    )
    for a in rows:
        if a.signature is None:
            continue  # drafts and withdrawn versions were never published
        # The signed text binds the documents attached when it was published (see projects.service).
        attached = [d for d in docs if d.announcement_id is not None and d.announcement_id <= a.id]
        text = announcement_text(tp, a, attached)
        if a.content_hash and hashlib.sha256(text).hexdigest() != a.content_hash:
            b.notes.append(f"公告第 {a.version} 版正文无法按签名时的原样重建：仅附签名与摘要 {a.content_hash}。")
            b.add(f"announcements/v{a.version}.unmatched.sig", a.signature)
            continue
        b.add(f"announcements/v{a.version}.json", text)
        b.add(f"announcements/v{a.version}.sig", a.signature)


def _documents(session: Session, b: Bundle, tp: TenderProject, blobs: BlobStore | None) -> None:
    docs = list(
        session.execute(select(Document).where(Document.tender_project_id == tp.id).order_by(Document.id)).scalars()
    )
    b.add_json(
        "documents/index.json",
        [{"id": d.id, "name": d.name, "sha256": d.sha256, "sm3": d.sm3, "size": d.size} for d in docs],
    )
    for d in docs:
        try:
            content = b"".join(blobs.open(d.sha256)) if blobs is not None else None
        except GgzyError:
            content = None
        if content is None:
            b.notes.append(f"文件 {d.name}（{d.sha256}）未能从文件库读取，仅存摘要。")
        else:
            b.add(f"documents/{d.id}-{d.sha256[:12]}.bin", content)


def _foreign(
    session: Session, b: Bundle, folder: str, table: str, column: str, parent: str | None, section_id: int
) -> None:
    insp = inspect(session.connection())
    if not insp.has_table(table) or (parent is not None and not insp.has_table(parent)):
        b.notes.append(f"{table}：本平台尚无该模块的数据表，档案未含此项。")
        return
    md = _metadata()
    t = Table(table, md, autoload_with=session.connection())
    if column not in t.c:
        b.notes.append(f"{table}：无 {column} 列，无法按标段筛选，档案未含此项。")
        return
    where = t.c[column] == section_id
    if parent is not None:
        p = Table(parent, md, autoload_with=session.connection())
        where = t.c[column].in_(select(p.c.id).where(p.c.section_id == section_id))
    rows = session.execute(select(t).where(where).order_by(*t.primary_key.columns)).mappings().all()
    b.add_json(f"{folder}/{table}.json", [_row(r) for r in rows])


def _metadata():
    from sqlalchemy import MetaData

    return MetaData()


def _row(r) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in r.items():
        if k in SECRET_COLUMNS or (k == "seed" and r.get("revealed_at") is None):
            out[k] = "(不归档)"
        elif isinstance(v, bytes | bytearray | memoryview):
            raw = bytes(v)
            out[k] = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
        elif isinstance(v, dt.datetime | dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


def _award(session: Session, b: Bundle, section: Section) -> None:
    result = repository.result_of(session, section.id)
    if result is None:
        b.notes.append("该标段尚无评标结果：档案未含评标报告、公示、通知书与合同。")
        return
    b.add("award/evaluation_report.json", result.report)
    b.add_json("award/result.json", _row({c.key: getattr(result, c.key) for c in AwardResult.__table__.c}))
    b.add_json("award/candidates.json", [_orm(c) for c in repository.candidates(session, result.id)])
    b.add_json("award/objections.json", [_orm(o) for o in repository.objections(session, result.id)])
    for n in repository.notices(session, result.id):
        b.add(f"award/notices/{n.number}-{n.kind}.pdf", n.pdf)
    contract = repository.contract(session, result.id)
    if contract is not None:
        b.add_json("award/contract.json", _orm(contract))
    b.add_json("award/expert_fees.json", [_orm(f) for f in repository.fees(session, section.id)])


def _orm(obj: Any) -> dict[str, Any]:
    return _row({c.key: getattr(obj, c.key) for c in obj.__table__.c})


def _events(session: Session, b: Bundle, project: Project) -> None:
    """Every audit event naming the project, its tender projects or sections (their codes share its prefix)."""
    like = f"%{project.code}%"
    rows = session.execute(
        select(AuditEvent)
        .where(or_(AuditEvent.subject_id.like(like), AuditEvent.payload.like(like)))
        .order_by(AuditEvent.seq)
    ).scalars()
    lines = [
        canonical_json(
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "tag": e.tag,
                "actor_id": e.actor_id,
                "actor_name": e.actor_name,
                "role": e.role,
                "center_id": e.center_id,
                "ip": e.ip,
                "subject_id": e.subject_id,
                "payload": e.payload,
                "hash_alg": e.hash_alg,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
        )
        for e in rows
    ]
    b.add("audit/events.jsonl", "\n".join(lines) + ("\n" if lines else ""))


# --- verification -----------------------------------------------------------------------------------------------


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    signer: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(data: bytes, *, cert: x509.Certificate | None = None, now: dt.datetime) -> Report:
    """Check the manifest's signature against the platform certificate (given, else the one inside) and every hash."""
    report = Report()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = {i.filename: z.read(i) for i in z.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        report.problems.append(f"不是可读取的 zip 文件（{exc}）")
        return report
    for required in (MANIFEST, SIGNATURE, CERT):
        if required not in members:
            report.problems.append(f"缺少 {required}")
    if report.problems:
        return report
    try:
        cert = cert or x509.load_pem_x509_certificate(members[CERT])
        verdict = verify_detached(
            members[SIGNATURE],
            members[MANIFEST],
            trust=platform_trust(certificate_from_der(cert.public_bytes(_der()))),
            now=now,
        )
        manifest = json.loads(members[MANIFEST])
    except (ValueError, GgzyError) as exc:
        report.problems.append(f"签名或清单无法解析（{getattr(exc, 'message', exc)}）")
        return report
    if not verdict.valid:
        report.problems.append(f"清单签名无效：{verdict.message}")
    report.signer = cert.subject.rfc4514_string()
    _check_files(report, manifest, members)
    _check_announcements(report, members, cert)
    return report


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def _check_files(report: Report, manifest: dict[str, Any], members: dict[str, bytes]) -> None:
    listed = {f["name"]: f for f in manifest.get("files", [])}
    for name, f in sorted(listed.items()):
        content = members.get(name)
        if content is None:
            report.problems.append(f"{name}：清单中有而档案中缺失")
        elif hashlib.sha256(content).hexdigest() != f["sha256"] or len(content) != f["size"]:
            report.problems.append(f"{name}：SHA-256 与清单不符（文件被改动）")
        else:
            report.checked += 1
    extra = sorted(set(members) - set(listed) - {MANIFEST, SIGNATURE})
    for name in extra:
        report.problems.append(f"{name}：档案中有而清单未列（被添加）")
    if manifest.get("format") != FORMAT:
        report.problems.append(f"清单格式 {manifest.get('format')!r} 无法识别（应为 {FORMAT}）")


def _check_announcements(report: Report, members: dict[str, bytes], cert: x509.Certificate) -> None:
    for name in sorted(n for n in members if n.startswith("announcements/") and n.endswith(".json")):
        sig = members.get(name[:-5] + ".sig")
        if sig is not None and not verify_platform_signature(cert, sig, members[name]):
            report.problems.append(f"{name}：公告签名无效")
