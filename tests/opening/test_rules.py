"""Pure rules: the session and bid tables, whose fault a failure is (E-12), and the collusion comparisons."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from ggzy.kit.errors import IllegalTransition
from ggzy.opening import forensics
from ggzy.opening.forensics import Submission
from ggzy.opening.workflow import BID, OPENING, BidOpeningStatus, Failure, OpeningStatus, consequence, deemed

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
CTX = {"now": NOW, "deadline": NOW, "min_bidders": 3, "min_bidders_source": "条例 第四十四条"}


def test_it_refuses_to_open_with_two_bids_and_says_which_rule():
    with pytest.raises(IllegalTransition) as exc:
        OPENING.decide(None, OpeningStatus.SCHEDULED, "start", {**CTX, "bids": 2})
    assert "少于 3 个" in exc.value.message and "第四十四条" in exc.value.message
    assert OPENING.decide(None, OpeningStatus.SCHEDULED, "fail_insufficient", {**CTX, "bids": 2}).target is (
        OpeningStatus.FAILED_INSUFFICIENT
    )


def test_it_does_not_open_one_millisecond_before_the_deadline():
    early = {**CTX, "bids": 3, "now": NOW - dt.timedelta(milliseconds=1)}
    with pytest.raises(IllegalTransition):
        OPENING.decide(None, OpeningStatus.SCHEDULED, "start", early)


def test_decryption_ends_only_when_every_bid_has_a_result():
    with pytest.raises(IllegalTransition):
        OPENING.decide(None, OpeningStatus.DECRYPTING, "end_decryption", {"now": NOW, "unresolved": 1})
    assert OPENING.decide(None, OpeningStatus.CUSTODIANS, "end_decryption", {"now": NOW, "unresolved": 0})


def test_an_unanswered_objection_holds_the_record():
    ctx = {"now": NOW, "objections_end": NOW, "unanswered": 1}
    with pytest.raises(IllegalTransition) as exc:
        OPENING.decide(None, OpeningStatus.OBJECTIONS, "record", ctx)
    assert "当场答复" in exc.value.message


def test_a_bid_moves_out_of_pending_once_and_never_back():
    for name in ("decrypt", "open_by_custodians", "fail_bidder", "fail_other"):
        end = BID.decide(None, BidOpeningStatus.PENDING, name).target
        for again in ("decrypt", "open_by_custodians", "fail_bidder", "fail_other"):
            with pytest.raises(IllegalTransition):
                BID.decide(None, end, again)


@pytest.mark.parametrize(
    ("failure", "remedy", "end"),
    [
        (Failure.KEY, True, None),  # the custodians may still open it
        (Failure.KEY, False, BidOpeningStatus.FAILED_BIDDER),
        (Failure.ENVELOPE, True, BidOpeningStatus.FAILED_BIDDER),
        (Failure.PACKAGE, True, BidOpeningStatus.FAILED_BIDDER),
        (Failure.STORAGE, True, BidOpeningStatus.FAILED_OTHER),
        (Failure.REMEDY, True, BidOpeningStatus.FAILED_OTHER),
    ],
)
def test_whose_fault_a_failed_decryption_is(failure, remedy, end):
    assert consequence(failure, remedy=remedy) is end


def test_a_bidders_fault_is_deemed_revocation_and_others_fault_withdrawal():
    assert deemed(BidOpeningStatus.FAILED_BIDDER) == "撤销" and deemed(BidOpeningStatus.FAILED_OTHER) == "撤回"
    assert deemed(BidOpeningStatus.DECRYPTED) is None


def _sub(bid, entity, **kw):
    return Submission(bid=bid, entity_id=entity, entity_name=f"单位{entity}", **kw)


def test_identical_files_across_two_bidders_are_found_and_within_one_bidder_are_not():
    subs = [
        _sub("A", 1, files=(("技术标.pdf", "aa"), ("副本.pdf", "aa"))),
        _sub("B", 2, files=(("商务标.pdf", "bb"),)),
        _sub("C", 3, files=(("方案.pdf", "bb"),)),
    ]
    found = forensics.identical_files(subs)
    assert [(f.kind, f.bids) for f in found] == [("identical_file", ("B", "C"))]
    assert "单位2、单位3" in found[0].statement and "串通" not in found[0].statement


def test_identical_document_metadata_ip_device_certificate_and_deposit_account():
    subs = [
        _sub(
            "A",
            1,
            metadata=(("a.docx", "author", "张三"),),
            ip="10.1.1.1",
            user_agent="UA-1",
            certificate="f1",
            deposit_accounts=("6222",),
        ),
        _sub(
            "B",
            2,
            metadata=(("b.docx", "author", "张三 "),),
            ip="10.1.1.1",
            user_agent="UA-1",
            certificate="f1",
            deposit_accounts=("6222",),
        ),
        _sub("C", 3, metadata=(("c.docx", "author", "李四"),), ip="10.1.1.2", user_agent="UA-2", certificate="f3"),
    ]
    kinds = {f.kind: f.bids for f in forensics.analyse(subs)}
    assert kinds == {
        "identical_metadata": ("A", "B"),
        "same_ip": ("A", "B"),
        "same_device": ("A", "B"),
        "same_certificate": ("A", "B"),
        "same_deposit_account": ("A", "B"),
    }


@pytest.mark.parametrize(
    ("prices", "ceiling", "kinds"),
    [
        ([("A", 100_00), ("B", 100_00), ("C", 200_00)], None, {"equal_prices"}),
        ([("A", 100_00), ("B", 110_00), ("C", 120_00), ("D", 130_00)], None, {"arithmetic_prices"}),
        ([("A", 1_000_000_00), ("B", 1_004_000_00), ("C", 1_001_000_00)], None, {"near_prices"}),
        ([("A", 1_000_000_00), ("B", 1_006_000_00), ("C", 1_001_000_00)], None, set()),
        ([("A", 500_00), ("B", 700_00), ("C", 800_00)], 800_00, {"ceiling_price"}),
    ],
)
def test_price_patterns(prices, ceiling, kinds):
    assert {f.kind for f in forensics.price_patterns(prices, ceiling_fen=ceiling)} == kinds


def _docx(author: str, app: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "docProps/core.xml",
            f"<cp:coreProperties><dc:creator>{author}</dc:creator>"
            f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy></cp:coreProperties>",
        )
        zf.writestr(
            "docProps/app.xml", f"<Properties><Application>{app}</Application><Company>X&amp;Y</Company></Properties>"
        )
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_metadata_is_read_from_docx_core_xml_and_pdf_info():
    assert forensics.document_metadata("投标函.docx", _docx("王五", "WPS Office")) == {
        "author": "王五",
        "last_modified_by": "王五",
        "application": "WPS Office",
        "company": "X&Y",
    }
    pdf = b"%PDF-1.7\n1 0 obj << /Author (Wang) /Producer <FEFF8D355DDE> /Creator (Word) >> endobj\n"
    assert forensics.document_metadata("a.pdf", pdf) == {"author": "Wang", "producer": "贵州", "creator": "Word"}
    assert forensics.document_metadata("a.txt", b"hello") == {}
    assert forensics.document_metadata("bomb.docx", b"not a zip") == {}
