"""Validating certificates against the trust list at a given time: one verdict, one stable code per reason."""

from __future__ import annotations

import datetime as dt

import pytest
from material import NOW, trusted

from ggzy.pki import sm2
from ggzy.pki.validation import Purpose, RevocationResult, TrustList, Verdict, clear_caches


@pytest.mark.parametrize("name", ["rsa-leaf", "ec-leaf", "sm2-leaf"])
def test_a_good_leaf_of_each_family_is_valid_with_its_whole_chain(trust, cert, name):
    verdict = trust.validate(cert(name), now=NOW)
    assert verdict.valid, verdict
    assert verdict.code == "valid"
    assert verdict.chain[0].fingerprint == cert(name).fingerprint
    assert verdict.chain[-1].is_self_issued


def test_the_rsa_chain_runs_leaf_issuing_ca_root(trust, cert):
    chain = trust.validate(cert("rsa-leaf"), now=NOW).chain
    assert [c.subject_text for c in chain] == [
        "CN=张三,O=某某建设有限公司",
        "CN=rsa-ca,O=GGZY Test",
        "CN=rsa-root,O=GGZY Test",
    ]


def test_a_revoked_certificate_is_refused_with_its_revocation_date(trust, cert):
    verdict = trust.validate(cert("rsa-revoked"), now=NOW)
    assert verdict.code == "revoked"
    assert verdict.revocation_date == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert verdict.detail["reason"] == "keyCompromise"
    assert not verdict


def test_a_revoked_sm2_certificate_is_refused_through_an_sm2_signed_crl(trust, cert):
    verdict = trust.validate(cert("sm2-revoked"), now=NOW)
    assert (verdict.code, verdict.revocation_date.date()) == ("revoked", dt.date(2026, 3, 1))


def test_an_expired_certificate_is_refused_with_its_not_after(trust, cert):
    verdict = trust.validate(cert("rsa-expired"), now=NOW)
    assert verdict.code == "expired"
    assert verdict.not_after == dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_a_certificate_is_not_valid_one_second_before_its_not_before(trust, cert):
    future = cert("rsa-future")
    assert trust.validate(future, now=future.not_before - dt.timedelta(seconds=1)).code == "not_yet_valid"
    assert trust.validate(future, now=dt.datetime(2030, 6, 1, tzinfo=dt.UTC)).code == "crl_stale"


def test_the_same_certificate_expires_at_its_not_after(trust, cert):
    leaf = cert("rsa-leaf")
    assert trust.validate(leaf, now=NOW).valid
    late = TrustList(trust.cas, require_revocation=False)
    assert late.validate(leaf, now=leaf.not_after + dt.timedelta(seconds=1)).code == "expired"


def test_an_encryption_only_certificate_cannot_sign_but_can_encrypt(trust, cert):
    verdict = trust.validate(cert("rsa-enc"), now=NOW, purpose=Purpose.SIGNING)
    assert verdict.code == "bad_key_usage"
    assert verdict.detail["purpose"] == "signing"
    assert trust.validate(cert("rsa-enc"), now=NOW, purpose=Purpose.ENCRYPTION).valid


def test_a_signing_certificate_cannot_be_used_for_encryption(trust, cert):
    assert trust.validate(cert("sm2-leaf"), now=NOW, purpose=Purpose.ENCRYPTION).code == "bad_key_usage"
    assert trust.validate(cert("sm2-enc"), now=NOW, purpose=Purpose.ENCRYPTION).valid


def test_a_certificate_from_a_ca_outside_the_trust_list_is_unknown_ca(material, cert):
    only_rsa = TrustList([trusted(material, "rsa-root"), trusted(material, "rsa-ca")])
    assert only_rsa.validate(cert("ec-leaf"), now=NOW).code == "unknown_ca"


def test_a_self_signed_certificate_not_on_the_list_is_unknown_ca(trust, cert):
    assert trust.validate(cert("rsa-rogue"), now=NOW).code == "unknown_ca"


def test_an_issuing_ca_without_its_root_still_anchors_the_chain(material, cert):
    issuing_only = TrustList([trusted(material, "rsa-ca")])
    verdict = issuing_only.validate(cert("rsa-leaf"), now=NOW)
    assert verdict.valid and len(verdict.chain) == 2


def test_a_ca_with_the_right_name_but_another_key_identifier_is_not_the_issuer(material, cert):
    impostor = TrustList([trusted(material, "rsa-rogue", crl=None)], require_revocation=False)
    assert impostor.validate(cert("rsa-leaf"), now=NOW).code == "unknown_ca"


@pytest.mark.parametrize("name", ["rsa-leaf", "ec-leaf", "sm2-leaf"])
def test_a_certificate_with_a_tampered_signature_has_a_bad_signature(trust, material, name):
    from ggzy.pki.certs import certificate_from_der
    from ggzy.pki.pem import pem_blocks

    der = bytearray(pem_blocks(material.read(f"{name}.pem"))[0][1])
    der[-2] ^= 0x01
    assert trust.validate(certificate_from_der(bytes(der)), now=NOW).code == "bad_signature"


def test_an_sm2_certificate_signed_with_the_empty_id_is_reported_as_wrong_id(trust, cert):
    verdict = trust.validate(cert("sm2-empty-id"), now=NOW)
    assert verdict.code == "sm2_wrong_id"
    assert verdict.detail == {"expected_id": "1234567812345678", "verifies_with_id": ""}


def test_a_trust_list_configured_for_the_empty_id_reports_standard_id_certificates_the_other_way(material, cert):
    empty = TrustList([trusted(material, "sm2-ca")], sm2_id=sm2.EMPTY_ID)
    verdict = empty.validate(cert("sm2-leaf"), now=NOW)
    assert verdict.code == "sm2_wrong_id"
    assert verdict.detail["verifies_with_id"] == "1234567812345678"


def test_two_cross_signed_cas_without_a_root_are_a_chain_loop(material, cert):
    loop = TrustList([trusted(material, "loop-a", "loop-a.crl"), trusted(material, "loop-b", "loop-b.crl")])
    assert loop.validate(cert("loop-leaf"), now=NOW).code == "chain_loop"


def test_a_crl_signed_by_a_ca_with_the_same_name_but_another_key_is_refused(material, cert):
    wrong = TrustList([trusted(material, "rsa-root"), trusted(material, "rsa-ca", "rsa-ca-by-rogue.crl")])
    verdict = wrong.validate(cert("rsa-leaf"), now=NOW)
    assert verdict.code == "crl_bad_issuer"
    assert verdict.detail == {"reason": "signature"}


def test_a_crl_from_another_ca_altogether_is_refused(material, cert):
    wrong = TrustList([trusted(material, "rsa-root"), trusted(material, "rsa-ca", "ec-ca.crl")])
    assert wrong.validate(cert("rsa-leaf"), now=NOW).code == "crl_bad_issuer"


def test_a_crl_past_its_next_update_is_stale(material, cert):
    stale = TrustList([trusted(material, "rsa-root"), trusted(material, "rsa-ca", "rsa-ca-stale.crl")])
    verdict = stale.validate(cert("rsa-leaf"), now=NOW)
    assert verdict.code == "crl_stale"
    assert verdict.detail["next_update"].startswith("2025-02-01")


def test_the_fresh_crl_goes_stale_the_second_after_its_next_update(trust, cert):
    assert trust.validate(cert("rsa-leaf"), now=dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)).valid
    assert trust.validate(cert("rsa-leaf"), now=dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=dt.UTC)).code == "crl_stale"


def test_without_a_crl_the_status_is_unknown_unless_revocation_is_soft(material, cert):
    no_crl = [trusted(material, "rsa-root", None), trusted(material, "rsa-ca", None)]
    assert TrustList(no_crl).validate(cert("rsa-leaf"), now=NOW).code == "revocation_unknown"
    assert TrustList(no_crl, require_revocation=False).validate(cert("rsa-leaf"), now=NOW).valid


def test_intermediates_supplied_with_a_signature_complete_the_chain(material, cert):
    roots_only = TrustList([trusted(material, "rsa-root")], crls=[material.read("rsa-ca.crl")])
    assert roots_only.validate(cert("rsa-leaf"), now=NOW).code == "unknown_ca"
    verdict = roots_only.validate(cert("rsa-leaf"), now=NOW, intermediates=[cert("rsa-ca")])
    assert verdict.code == "revocation_unknown"  # the CRL for rsa-ca only attaches to a *trusted* rsa-ca


def test_an_ocsp_like_checker_plugs_in_after_the_crls(material, cert):
    class Ocsp:
        def __init__(self):
            self.asked = []

        def check(self, c, issuer, *, now):
            self.asked.append(c.subject_text)
            return RevocationResult("revoked", revocation_date=now, reason="ocsp says so")

    no_crl = [trusted(material, "ec-ca", None)]
    ocsp = Ocsp()
    verdict = TrustList(no_crl, checkers=[ocsp]).validate(cert("ec-leaf"), now=NOW)
    assert (verdict.code, verdict.revocation_date, ocsp.asked) == (
        "revoked",
        NOW,
        ["CN=李四,O=某某咨询有限公司"],
    )


def test_a_leaf_used_as_a_ca_is_refused(material, cert):
    trust = TrustList([trusted(material, "rsa-ca", None)], require_revocation=False, crls=())
    from ggzy.pki.validation import _usage_problem

    problem = _usage_problem([cert("rsa-revoked"), cert("rsa-leaf")], Purpose.SIGNING)
    assert problem.code == "not_a_ca"
    assert trust.validate(cert("rsa-leaf"), now=NOW).valid


def test_verdicts_are_cached_but_still_honour_the_time_they_are_asked_for(trust, cert):
    clear_caches()
    leaf = cert("sm2-leaf")
    first = trust.validate(leaf, now=NOW)
    assert trust.validate(leaf, now=NOW) is first
    assert trust.validate(leaf, now=dt.datetime(2027, 2, 1, tzinfo=dt.UTC)).code == "crl_stale"
    assert trust.validate(leaf, now=NOW - dt.timedelta(days=300)).code == "crl_stale"


def test_a_new_crl_version_is_a_new_cache_entry(material, cert):
    clear_caches()
    leaf = cert("rsa-revoked")
    old_crl = [trusted(material, "rsa-root", None), trusted(material, "rsa-ca", "rsa-ca-stale.crl")]
    without = TrustList(old_crl, require_revocation=False)
    with_crl = TrustList([trusted(material, "rsa-root"), trusted(material, "rsa-ca")])
    assert without.validate(leaf, now=dt.datetime(2025, 1, 15, tzinfo=dt.UTC)).valid
    assert with_crl.validate(leaf, now=NOW).code == "revoked"


def test_a_naive_now_is_a_programming_error(trust, cert):
    with pytest.raises(ValueError):
        trust.validate(cert("rsa-leaf"), now=dt.datetime(2026, 6, 1))


def test_verdicts_serialise_with_their_facts(trust, cert):
    body = trust.validate(cert("rsa-expired"), now=NOW).to_dict()
    assert body["valid"] is False and body["code"] == "expired" and body["not_after"].startswith("2025-01-01")
    assert isinstance(trust.validate(cert("rsa-leaf"), now=NOW), Verdict)
