"""The trust list in the database: precise refusals, removal that keeps the row, CRL refresh, cache, audit."""

from __future__ import annotations

import pytest
from material import CRL_STALE, Material
from sqlalchemy import func, select
from trustdb import load_trust

from ggzy.audit.models import AuditEvent
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import GgzyError
from ggzy.pki import service as pki
from ggzy.pki.models import TrustedCa
from ggzy.pki.tasks import crl_refresh_job


def events(session, prefix: str = "pki:trust:") -> list[str]:
    stmt = select(AuditEvent.tag).where(AuditEvent.tag.like(f"{prefix}%")).order_by(AuditEvent.seq)
    return list(session.execute(stmt).scalars())


def add(session, m: Material, now, name: str, **kw):
    return pki.add_ca(session, actor=SYSTEM, now=now, certificate=m.read(f"{name}.pem"), name=name, **kw)


def test_adding_a_ca_records_its_facts_and_one_event(session, material, clock):
    row = add(session, material, clock.now(), "sm2-ca", provider="数安时代", crl=material.read("sm2-ca.crl"))
    assert (row.kind, row.algorithm, row.crl_source, row.status) == ("root", "sm2", "file", "active")
    assert row.crl_next_update.year == 2027 and row.subject == "CN=sm2-ca,O=GGZY Test"
    assert events(session) == ["pki:trust:added"]
    issuing = add(session, material, clock.now(), "rsa-ca")
    assert issuing.kind == "issuing" and issuing.crl_source == "none"


@pytest.mark.parametrize(
    "data,code",
    [
        ("leaf", "pki.trust.not_a_ca"),
        (b"-----BEGIN CERTIFICATE-----\nMIIBIjANBg", "pki.malformed_certificate.truncated_pem"),
        (b"\x30\x82\x04\x00" + b"\x00" * 20, "pki.malformed_certificate.truncated_der"),
        (b"\x30" * (5 * 1024 * 1024), "pki.too_large"),
        ("p384", "pki.unknown_curve"),
    ],
)
def test_a_bad_ca_file_is_refused_precisely_and_nothing_is_written(session, material, clock, data, code):
    if data == "leaf":
        data = material.read("rsa-leaf.pem")
    elif data == "p384":
        data = material.read("p384.pem")
    before = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    with pytest.raises(GgzyError) as err:
        pki.add_ca(session, actor=SYSTEM, now=clock.now(), certificate=data, name="x")
    assert err.value.code == code and 400 <= err.value.status < 500
    assert session.execute(select(func.count()).select_from(TrustedCa)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before


def test_a_duplicate_ca_and_a_crl_by_the_wrong_issuer_are_refused(session, material, clock):
    add(session, material, clock.now(), "rsa-ca", crl=material.read("rsa-ca.crl"))
    with pytest.raises(GgzyError) as dup:
        pki.add_ca(session, actor=SYSTEM, now=clock.now(), certificate=material.read("rsa-ca.pem"), name="again")
    assert dup.value.code == "pki.trust.duplicate" and dup.value.status == 409
    for crl in ("rsa-ca-by-rogue.crl", "rsa-ca.crl"):
        with pytest.raises(GgzyError) as bad:
            add(session, material, clock.now(), "ec-ca", crl=material.read(crl))
        assert bad.value.code == "pki.crl_bad_issuer"
    assert [c.name for c in pki.list_cas(session)] == ["rsa-ca"]


def test_removal_keeps_the_row_with_who_and_when_and_the_ca_stops_being_trusted(session, material, clock, cert):
    load_trust(session, material, clock.now())
    assert pki.current_trust_list(session).validate(cert("ec-leaf"), now=clock.now()).valid
    removed = pki.remove_ca(session, actor=SYSTEM, now=clock.now(), ref="ec-ca")
    assert (removed.status, removed.removed_by) == ("removed", SYSTEM.name)
    assert pki.current_trust_list(session).validate(cert("ec-leaf"), now=clock.now()).code == "unknown_ca"
    assert "ec-ca" in [c.name for c in pki.list_cas(session, include_removed=True)]
    assert events(session).count("pki:trust:removed") == 1
    readded = add(session, material, clock.now(), "ec-ca", crl=material.read("ec-ca.crl"))
    assert readded.id == removed.id and readded.status == "active" and readded.removed_at is None


def test_remove_by_fingerprint_prefix_and_an_unknown_reference(session, material, clock):
    row = add(session, material, clock.now(), "ec-ca")
    assert pki.remove_ca(session, actor=SYSTEM, now=clock.now(), ref=row.fingerprint[:12]).status == "removed"
    with pytest.raises(GgzyError) as err:
        pki.remove_ca(session, actor=SYSTEM, now=clock.now(), ref="nope")
    assert err.value.code == "pki.trust.not_found"


def test_the_trust_list_is_rebuilt_only_when_it_changes(session, material, clock):
    load_trust(session, material, clock.now())
    first = pki.current_trust_list(session)
    assert pki.current_trust_list(session) is first
    pki.remove_ca(session, actor=SYSTEM, now=clock.now(), ref="sm2-ca")
    assert pki.current_trust_list(session) is not first


def test_a_newer_crl_replaces_the_old_one_and_an_older_one_is_refused(session, material, clock, cert, tmp_path):
    add(session, material, clock.now(), "rsa-root", crl=material.read("rsa-root.crl"))
    ca = add(session, material, clock.now(), "rsa-ca", crl=material.read("rsa-ca-stale.crl"))
    trust = pki.current_trust_list(session)
    assert trust.validate(cert("rsa-revoked"), now=clock.now()).code == "crl_stale"
    assert pki.refresh_crl(session, actor=SYSTEM, now=clock.now(), ca=ca, data=material.read("rsa-ca.crl"))
    assert pki.current_trust_list(session).validate(cert("rsa-revoked"), now=clock.now()).code == "revoked"
    assert not pki.refresh_crl(session, actor=SYSTEM, now=clock.now(), ca=ca, data=material.read("rsa-ca.crl"))
    with pytest.raises(GgzyError) as err:
        pki.refresh_crl(session, actor=SYSTEM, now=clock.now(), ca=ca, data=material.read("rsa-ca-stale.crl"))
    assert err.value.code == "pki.crl_older"
    assert events(session).count("pki:trust:crl_updated") == 1
    assert CRL_STALE[0].startswith("2025")


def test_the_chronograph_fetches_crls_by_their_next_update_and_backs_off_after_a_failure(session, material, clock):
    served = {"data": material.read("ec-ca.crl"), "calls": 0}

    def fetch(url: str) -> bytes:
        served["calls"] += 1
        if served["data"] is None:
            raise GgzyError("下载 CRL 失败：测试", code="pki.crl_fetch_failed")
        return served["data"]

    ca = add(session, material, clock.now(), "ec-ca", crl_url="http://crl.test/ec.crl", fetch=fetch)
    assert ca.crl_source == "url" and served["calls"] == 1
    job = crl_refresh_job(fetch)
    assert job.due(session, clock.now(), 10) == []  # fetched just now, next update in 2027
    clock.advance(hours=7)
    assert job.due(session, clock.now(), 10) == [ca.id]
    served["data"] = None
    assert job.run(session, ca.id, clock.now())
    assert ca.crl_error and ca.crl_der == material.read("ec-ca.crl")  # the last good CRL is kept
    assert job.due(session, clock.now(), 10) == []  # backing off
    clock.advance(minutes=11)
    served["data"] = material.read("rsa-ca.crl")  # a CRL of another CA is refused by the job too
    assert job.due(session, clock.now(), 10) == [ca.id]
    job.run(session, ca.id, clock.now())
    assert "CRL" in ca.crl_error and ca.crl_der == material.read("ec-ca.crl")
    assert "pki:trust:crl_failed" in events(session)


def test_a_crl_url_must_be_http_and_a_failed_download_adds_nothing(session, material, clock):
    with pytest.raises(GgzyError) as err:
        add(session, material, clock.now(), "ec-ca", crl_url="file:///etc/passwd")
    assert err.value.code == "pki.trust.bad_crl_url"
    with pytest.raises(GgzyError) as err:
        add(session, material, clock.now(), "ec-ca", crl_url="http://127.0.0.1:9/none.crl")
    assert err.value.code == "pki.crl_fetch_failed"
    assert pki.list_cas(session) == []


def test_one_certificate_binds_to_one_account_and_unbinding_keeps_the_row(session, material, clock, cert):
    from ggzy.auth import service as auth

    load_trust(session, material, clock.now())
    trust = pki.current_trust_list(session)
    a, b = auth.get_account(session, "bidder.gy"), auth.get_account(session, "bidder.zy")
    pki.bind_certificate(session, actor=SYSTEM, now=clock.now(), account=a, certificate=cert("rsa-leaf"), trust=trust)
    pki.bind_certificate(session, actor=SYSTEM, now=clock.now(), account=a, certificate=cert("sm2-leaf"), trust=trust)
    with pytest.raises(GgzyError) as taken:
        pki.bind_certificate(
            session, actor=SYSTEM, now=clock.now(), account=b, certificate=cert("rsa-leaf"), trust=trust
        )
    assert taken.value.code == "pki.binding.taken"
    with pytest.raises(GgzyError) as revoked:
        pki.bind_certificate(
            session, actor=SYSTEM, now=clock.now(), account=b, certificate=cert("rsa-revoked"), trust=trust
        )
    assert revoked.value.code == "auth.certificate.revoked" and revoked.value.status == 422
    assert len(pki.bindings_of(session, a.id)) == 2
    pki.unbind(session, actor=SYSTEM, now=clock.now(), account=a, fingerprint=cert("rsa-leaf").fingerprint)
    assert len(pki.bindings_of(session, a.id)) == 1 and len(pki.bindings_of(session, a.id, include_unbound=True)) == 2
    pki.bind_certificate(session, actor=SYSTEM, now=clock.now(), account=b, certificate=cert("rsa-leaf"), trust=trust)
    assert events(session, "pki:certificate:") == ["pki:certificate:bound"] * 2 + ["pki:certificate:unbound"] + [
        "pki:certificate:bound"
    ]
