"""200 bidders completing in the last second, in parallel threads against the app on its own database: every
completion is either receipted before the deadline (and is a bid) or refused as late — none lost, none late."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ggzy.auth import service as auth
from ggzy.bidding.models import Bid
from ggzy.demo import seed_demo, seed_demo_certificates
from ggzy.kit.actor import SYSTEM
from ggzy.kit.clock import Clock
from ggzy.kit.settings import load_settings
from ggzy.pki import envelope
from ggzy.pki import service as pki
from ggzy.pki.certs import certificate_from_der, load_certificate
from ggzy.pki.cms import sign_detached
from ggzy.pki.keys import wrap_private_key
from ggzy.platform import Platform
from ggzy.web.app import create_app
from support import DEADLINE, entity_account, new_entity, publish_section

N = 200
START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)


class TickingClock(Clock):
    """Frozen until ``tick`` is set; then every reading moves time on by ``tick`` (a busy last second)."""

    def __init__(self, start: dt.datetime):
        self._now, self.tick, self._lock = start, dt.timedelta(0), threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            self._now += self.tick
            return self._now

    def set(self, when: dt.datetime, tick: dt.timedelta) -> None:
        with self._lock:
            self._now, self.tick = when, tick


def _leaf(ca_key, ca_cert, i: int):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"race bidder {i}")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START - dt.timedelta(days=1))
        .not_valid_after(START + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return wrap_private_key(key), certificate_from_der(cert.public_bytes(serialization.Encoding.DER))


def _bidders(platform, section, tmp_path):
    with platform.db.session(write=True) as s:
        seed_demo_certificates(s, actor=SYSTEM, now=START, directory=tmp_path / "certs")
    ca_dir = tmp_path / "certs" / "ca"
    ca_key = serialization.load_pem_private_key((ca_dir / "demo-ec-ca.key").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((ca_dir / "demo-ec-ca.pem").read_bytes())
    out = []
    with platform.db.session(write=True) as s:
        trust = pki.current_trust_list(s)
        gy = section.center_id
        for i in range(N):
            e = new_entity(s, START, f"竞速投标人{i}", gy, legal_represent="张三")
            account = entity_account(
                s, START, e, f"race{i:03d}", display_name=f"竞速{i}", password=None, home_center_code=None
            )
            key, cert = _leaf(ca_key, ca_cert, i)
            pki.bind_certificate(s, actor=SYSTEM, now=START, account=account, certificate=cert, trust=trust)
            issued = auth.open_session(s, now=START, account=account, kind="api", ip=None, hours=24 * 30)
            out.append((issued.token, key, cert))
    return out


def test_200_bidders_in_the_last_second_none_lost_none_accepted_late(tmp_path):
    clock = TickingClock(START)
    platform = Platform(load_settings({"GGZY_DATA_DIR": str(tmp_path / "data")}), clock=clock)
    platform.upgrade()
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=START)
    with platform.db.session(write=True) as s:
        section = publish_section(s, clock, platform, name="竞速工程")
    bidders = _bidders(platform, section, tmp_path)
    with TestClient(create_app(platform, run_chronograph=False)) as client:
        opening = load_certificate(client.get(f"/api/v1/sections/{section.code}/opening-key.pem").content)
        ready = []
        clock.set(DEADLINE - dt.timedelta(minutes=10), dt.timedelta(0))
        for i, (tok, key, cert) in enumerate(bidders):
            data = envelope.encrypt(f"bid {i}".encode(), [opening, cert])
            digest = hashlib.sha256(data).hexdigest()
            h = {"authorization": f"Bearer {tok}"}
            up = client.post(
                f"/api/v1/sections/{section.code}/uploads", headers=h, json={"size": len(data), "sha256": digest}
            ).json()["upload"]
            r = client.put(
                f"/api/v1/sections/{section.code}/uploads/{up}",
                headers={**h, "content-range": f"bytes 0-{len(data) - 1}/{len(data)}"},
                content=data,
            )
            assert r.status_code == 200, r.text
            sig = base64.b64encode(sign_detached(digest.encode(), cert, key)).decode()
            ready.append((h, up, sig))
        # the last second: every reading of the clock moves it on 5 ms, so the deadline falls among them
        clock.set(DEADLINE - dt.timedelta(seconds=1), dt.timedelta(milliseconds=5))

        def finish(item):
            h, up, sig = item
            return client.post(
                f"/api/v1/sections/{section.code}/uploads/{up}/complete", headers=h, json={"signature": sig}
            )

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(finish, ready))
    accepted = [r for r in results if r.status_code == 201]
    late = [r for r in results if r.status_code == 422 and r.json()["code"] == "bidding.late"]
    assert len(accepted) + len(late) == N, {r.status_code: r.text for r in results if r not in accepted + late}
    assert accepted and late  # the deadline fell inside the burst
    deadline = DEADLINE.astimezone(dt.UTC)
    for r in accepted:
        assert dt.datetime.fromisoformat(r.json()["receipts"][0]["receipt"]["time"]) < deadline
    with platform.db.session() as s:
        stored = set(s.execute(select(Bid.number)).scalars())
        assert s.execute(select(func.count(Bid.id))).scalar_one() == len(accepted)
        assert max(s.execute(select(Bid.submitted_at)).scalars()) < deadline
    assert stored == {r.json()["number"] for r in accepted}
    platform.db.dispose()
