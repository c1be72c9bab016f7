"""The bidder's and the custodian's sides of the opening through ggzy-client: sign in, decrypt online with
the bidder's own key, and a custodian's share handed over from its sealed copy."""

from __future__ import annotations

from sqlalchemy import select

from ggzy.auth.models import Account
from ggzy.bidding.models import CustodianShare, OpeningKey
from ggzy.client.api import Identity
from ggzy.demo import demo_custodian_key
from ggzy.opening.models import Opening, OpeningBid
from ggzy.pki.certs import certificate_from_der
from ggzy.pki.models import CertificateBinding

from .conftest import bid_with_client, client_for, to_deadline, wrap_private_key


def test_bidders_sign_in_and_decrypt_online_and_a_custodian_hands_over_its_share(
    client, session, hall, platform, clock, tmp_path
):
    for name in hall.bidders:
        bid_with_client(client, hall, name, tmp_path)
    to_deadline(platform, clock)
    for name in hall.bidders:
        with client_for(client, name) as c:
            c.opening_sign_in(hall.code)
    for name in ("bidder.gy", "bidder.zy"):
        b = hall.bidders[name]
        with client_for(client, name) as c:
            c.load_identity(b.key, b.cert)
            assert c.opening_hand_over_key(hall.code, b.number, b.envelope)["status"] == "decrypted"
    clock.advance(minutes=31)
    platform.chronograph.tick()
    session.expire_all()
    assert session.execute(select(Opening.status).where(Opening.section_id == hall.section_id)).scalar_one() == (
        "custodians"
    )
    key_row = session.execute(select(OpeningKey).where(OpeningKey.section_id == hall.section_id)).scalar_one()
    for index in (1, 2):
        share = session.execute(
            select(CustodianShare).where(
                CustodianShare.opening_key_id == key_row.id, CustodianShare.share_index == index
            )
        ).scalar_one()
        username = session.get(Account, share.account_id).username
        der = session.execute(
            select(CertificateBinding.certificate_der).where(
                CertificateBinding.fingerprint == share.certificate_fingerprint
            )
        ).scalar_one()
        with client_for(client, username) as c:
            c.identity = Identity(wrap_private_key(demo_custodian_key(username)), certificate_from_der(der), [])
            assert c.opening_hand_over_share(hall.code)["index"] == index
    session.expire_all()
    lost = hall.bidders["bidder.three"].number
    assert session.execute(select(OpeningBid.status).where(OpeningBid.number == lost)).scalar_one() == (
        "opened_by_custodians"
    )
