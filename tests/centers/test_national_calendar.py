"""The platform admin imports a year of the State Council's holiday schedule as data, audited, without a release.

The 2027 document used here (``data/calendar_2027_TEST_DATA.json``) is TEST DATA made up for these tests: the
official 2027 notice is not published yet, and nothing of it goes into ``holidays_cn.json``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.centers import national
from ggzy.centers import service as centers
from ggzy.centers.calendar import MAX_ENTRIES_PER_YEAR, YearNotCovered, parse_year_document
from ggzy.centers.models import NationalCalendarYear
from ggzy.demo import DEMO_PASSWORD
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import Conflict, ValidationFailed

D = dt.date
TEST_FILE = Path(__file__).parent / "data" / "calendar_2027_TEST_DATA.json"
TEST_2027 = json.loads(TEST_FILE.read_text(encoding="utf-8"))


def doc(**group_changes) -> dict:
    """The TEST DATA 2027 document with its one group changed."""
    d = copy.deepcopy(TEST_2027)
    d["years"][0].update(group_changes)
    return d


def entries(*extra: dict) -> list[dict]:
    return TEST_2027["years"][0]["entries"] + list(extra)


def _import(session, clock, document=None, *, now=None):
    return national.import_year(session, actor=SYSTEM, now=now or clock.now(), document=document or TEST_2027)


def token(client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/tokens", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


# --- checking the document (pure) ---------------------------------------------------------------------


def test_the_test_document_is_one_checked_year():
    schedule = parse_year_document(TEST_2027)
    assert (schedule.year, schedule.holidays, schedule.workdays) == (2027, 29, 5)
    assert schedule.source.startswith("TEST DATA")


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (doc(source=""), "calendar.import_source", "缺少 source"),
        ({k: v for k, v in TEST_2027.items() if k != "schema"}, "calendar.import_schema", "ggzy.calendar/1"),
        (["not", "an", "object"], "calendar.import_schema", "JSON 对象"),
        (
            doc(entries=entries({"date": "2028-01-01", "kind": "holiday", "name": "元旦"})),
            "calendar.data",
            "2028-01-01（元旦）不属于 2027 年",
        ),
        (
            doc(entries=entries({"date": "2026-11-30", "kind": "holiday", "name": "元旦"})),
            "calendar.data",
            "2026-11-30（元旦）不属于 2027 年",
        ),
        (
            doc(entries=entries({"date": "2027-03-03", "kind": "workday", "name": "植树节"})),
            "calendar.data",
            "2027-03-03 是周一至周五，不能标为调休上班日",
        ),
        (
            {**TEST_2027, "years": TEST_2027["years"] + [{**TEST_2027["years"][0], "year": 2028}]},
            "calendar.import_one_year",
            "实际为 2 组",
        ),
        ({**TEST_2027, "years": []}, "calendar.import_one_year", "实际为 0 组"),
        (doc(entries=[]), "calendar.import_empty", "没有一条放假日"),
        (doc(entries=[e for e in entries() if e["kind"] == "workday"]), "calendar.import_empty", "没有一条放假日"),
        (
            doc(
                entries=[
                    {"date": (D(2027, 1, 1) + dt.timedelta(days=i)).isoformat(), "kind": "holiday", "name": "假"}
                    for i in range(MAX_ENTRIES_PER_YEAR + 1)
                ]
            ),
            "calendar.import_too_many",
            "超过一年的合理上限 60 条",
        ),
        (
            doc(entries=entries({"date": "2027-01-01", "kind": "holiday", "name": "元旦"})),
            "calendar.data.duplicate",
            "2027-01-01 出现了两次",
        ),
        (doc(entries=entries({"date": "2027-07-01", "kind": "holiday", "name": " "})), "calendar.data", "缺少名称"),
        (
            doc(entries=entries({"date": "2027-07-01", "kind": "rest", "name": "建党节"})),
            "calendar.data",
            "kind=holiday/workday",
        ),
    ],
)
def test_a_malformed_document_is_refused_saying_what_is_wrong(document, code, words):
    with pytest.raises(ValidationFailed) as caught:
        parse_year_document(document)
    assert caught.value.code == code and words in caught.value.message


def test_a_new_year_holiday_may_begin_in_the_last_days_of_december():
    schedule = parse_year_document(doc(entries=entries({"date": "2026-12-31", "kind": "holiday", "name": "元旦"})))
    assert schedule.entries[0].date == D(2026, 12, 31)


# --- importing a year ----------------------------------------------------------------------------------


def test_a_time_limit_reaching_into_2027_works_once_the_year_is_imported(session, clock):
    gy = centers.get_center(session, "GY")
    with pytest.raises(YearNotCovered) as caught:
        centers.working_calendar(session, gy).add_working_days(D(2026, 12, 28), 5)
    assert "ggzy calendar import" in caught.value.message and "holidays_cn.json" not in caught.value.message

    _import(session, clock)

    cal = centers.working_calendar(session, gy)
    assert cal.add_working_days(D(2026, 12, 28), 5) == D(2027, 1, 5)  # 1–3 January are off in the test data
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.is_working_day(D(2027, 2, 14))  # a Sunday made a working day in the test data
    assert cal.is_working_day(D(2026, 10, 2)) is False  # the bundled years are still there


def test_the_stored_year_is_its_canonical_group_with_its_hash(session, clock):
    row = _import(session, clock)
    assert row.year == 2027 and row.source.startswith("TEST DATA") and row.imported_by is None
    assert row.sha256 == hashlib.sha256(row.document.encode("utf-8")).hexdigest()
    group = json.loads(row.document)
    assert set(group) == {"year", "source", "entries"} and len(group["entries"]) == 34
    assert [e["date"] for e in group["entries"]] == sorted(e["date"] for e in group["entries"])


def test_the_import_is_recorded_in_the_audit_chain(session, clock):
    row = _import(session, clock)
    event = session.execute(select(AuditEvent).where(AuditEvent.tag == "centers:calendar:year_imported")).scalar_one()
    assert event.subject_id == "2027"
    assert json.loads(event.payload) == {
        "year": 2027,
        "source": row.source,
        "sha256": row.sha256,
        "entries": 34,
        "holidays": 29,
        "workdays": 5,
    }


def test_a_year_imported_twice_is_refused(session, clock):
    _import(session, clock)
    with pytest.raises(Conflict) as caught:
        _import(session, clock)
    assert caught.value.code == "centers.calendar_year_exists" and "已由平台管理员补录" in caught.value.message


def test_a_year_bundled_with_the_release_is_refused(session, clock):
    with pytest.raises(Conflict) as caught:
        _import(session, clock, doc(year=2026, entries=[{"date": "2026-01-01", "kind": "holiday", "name": "元旦"}]))
    assert caught.value.code == "centers.calendar_year_exists" and "holidays_cn.json" in caught.value.message


def test_a_year_further_ahead_than_next_year_is_refused(session, clock):
    with pytest.raises(ValidationFailed) as caught:
        _import(session, clock, doc(year=2028, entries=[{"date": "2028-01-03", "kind": "holiday", "name": "元旦"}]))
    assert caught.value.code == "centers.calendar_year_ahead"


def test_a_december_day_already_listed_by_its_own_year_is_refused(session, clock):
    _import(session, clock, doc(entries=entries({"date": "2027-12-31", "kind": "holiday", "name": "元旦"})))
    later = doc(year=2028, entries=[{"date": "2027-12-31", "kind": "holiday", "name": "元旦"}])
    with pytest.raises(Conflict) as caught:
        _import(session, clock, later, now=dt.datetime(2027, 12, 1, tzinfo=dt.UTC))
    assert caught.value.code == "centers.calendar_date_clash" and "2027-12-31" in caught.value.message


def test_a_year_imported_by_another_process_is_seen_at_once(session, clock):
    assert 2027 not in national.national_calendar(session).years  # built and kept for the rows seen now
    group = parse_year_document(TEST_2027).group()
    text = json.dumps(group, ensure_ascii=False)
    session.add(
        NationalCalendarYear(
            year=2027,
            source=group["source"],
            document=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            imported_at=clock.now(),
        )
    )
    session.flush()
    assert 2027 in national.national_calendar(session).years


def test_a_year_a_later_release_bundles_is_taken_from_the_release_and_does_not_stop_the_calendar(session, clock):
    # As if 2026 had been imported, then bundled by a release (with a made-up difference: TEST DATA).
    group = {"year": 2026, "source": "TEST DATA", "entries": [{"date": "2026-10-02", "kind": "workday", "name": "x"}]}
    text = json.dumps(group, ensure_ascii=False)
    sha = hashlib.sha256(text.encode()).hexdigest()
    session.add(NationalCalendarYear(year=2026, source="TEST DATA", document=text, sha256=sha, imported_at=clock.now()))
    session.flush()
    assert national.national_calendar(session).is_working_day(D(2026, 10, 2)) is False
    assert [c.origin for c in national.covered_years(session) if c.year == 2026] == ["bundled"]


def test_the_covered_years_say_where_each_comes_from(session, clock):
    _import(session, clock)
    years = {c.year: c for c in national.covered_years(session)}
    assert sorted(years) == list(range(2020, 2028))
    assert years[2026].origin == "bundled" and "2025年11月4日" in years[2026].source
    assert years[2027].origin == "imported" and years[2027].holidays == 29 and years[2027].sha256


# --- the API -------------------------------------------------------------------------------------------


def test_anyone_lists_the_covered_years(client):
    years = client.get("/api/v1/calendar/years").json()
    assert [y["year"] for y in years] == list(range(2020, 2027))
    assert all(y["origin"] == "bundled" and y["source"] for y in years)


def test_the_platform_admin_imports_a_year_and_the_center_calendar_reaches_into_it(client):
    url = "/api/v1/centers/GY/calendar?start=2027-01-01&end=2027-01-10"
    assert client.get(url).json()["code"] == "calendar.year_not_covered"
    r = client.post("/api/v1/calendar/years", json=TEST_2027, headers=token(client, "admin"))
    assert r.status_code == 201, r.text
    assert r.json()["year"] == 2027 and r.json()["origin"] == "imported" and r.json()["holidays"] == 29
    assert [d["date"] for d in client.get(url).json()] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert client.get("/api/v1/calendar/years").json()[-1]["year"] == 2027
    again = client.post("/api/v1/calendar/years", json=TEST_2027, headers=token(client, "admin"))
    assert again.status_code == 409 and again.json()["code"] == "centers.calendar_year_exists"


def test_a_malformed_document_gets_a_422_with_its_code(client):
    r = client.post("/api/v1/calendar/years", json=doc(source=""), headers=token(client, "admin"))
    assert r.status_code == 422 and r.json()["code"] == "calendar.import_source"


@pytest.mark.parametrize("username", ["gz.admin", "gy.staff", "reg.housing", "tenderee.gy", "bidder.gy", "expert.one"])
def test_only_the_platform_admin_may_import_a_year(client, username):
    r = client.post("/api/v1/calendar/years", json=TEST_2027, headers=token(client, username))
    assert r.status_code == 403 and "province:calendar:manage" in r.json()["message"]


def test_the_public_must_log_in_to_import(client):
    assert client.post("/api/v1/calendar/years", json=TEST_2027).status_code == 401


# --- the command line ----------------------------------------------------------------------------------

GGZY = [sys.executable, "-c", "from ggzy.cli import main; main()"]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env["GGZY_DATA_DIR"] = str(data_dir)
    return subprocess.run(GGZY + args, capture_output=True, text=True, env=env, timeout=120)


def test_the_operator_imports_and_lists_years_from_the_command_line(tmp_path):
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    r = _run(["calendar", "import", str(TEST_FILE)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "已补录 2027 年：TEST DATA" in r.stdout and "放假日 29 条，调休上班日 5 条" in r.stdout
    listed = _run(["calendar", "list"], tmp_path).stdout.splitlines()
    assert [line.split()[0] for line in listed] == [str(y) for y in range(2020, 2028)]
    assert "补录" in listed[-1] and "随版本" in listed[0]
    again = _run(["calendar", "import", str(TEST_FILE)], tmp_path)
    assert again.returncode == 2 and "[centers.calendar_year_exists]" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_json_is_one_line_on_stderr(tmp_path):
    assert _run(["db", "upgrade"], tmp_path).returncode == 0
    bad = tmp_path / "2027.json"
    bad.write_text("{not json", encoding="utf-8")
    r = _run(["calendar", "import", str(bad)], tmp_path)
    assert r.returncode == 2 and "不是有效的 UTF-8 JSON" in r.stderr and "Traceback" not in r.stderr
