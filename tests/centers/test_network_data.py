"""The Guizhou network as data: what the bundled file holds, and what the loader refuses."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from ggzy.centers.network import CenterLevel, VenueKind, load_network, parse_network
from ggzy.kit.errors import ValidationFailed

CITIES = {
    "GY": "520100",
    "LPS": "520200",
    "ZY": "520300",
    "AS": "520400",
    "BJ": "520500",
    "TR": "520600",
    "QXN": "522300",
    "QDN": "522600",
    "QN": "522700",
}


@pytest.fixture(scope="module")
def network():
    return {c.code: c for c in load_network()}


@pytest.fixture
def document():
    text = resources.files("ggzy.centers").joinpath("data", "guizhou.json").read_text(encoding="utf-8")
    return json.loads(text)


def _center(document, code):
    return next(c for c in document["centers"] if c["code"] == code)


def _refusal(document) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse_network(document)
    return caught.value


# --- the bundled network --------------------------------------------------------------------------


def test_the_network_is_one_province_nine_cities_gui_an_and_at_least_twenty_counties(network):
    levels = [c.level for c in network.values()]
    assert levels.count(CenterLevel.PROVINCE) == 1
    assert levels.count(CenterLevel.CITY) == 9
    assert levels.count(CenterLevel.NEW_AREA) == 1
    assert levels.count(CenterLevel.COUNTY) >= 20
    assert 30 <= len(network) <= 40


def test_the_provincial_center_is_the_root_with_region_520000(network):
    gz = network["GZ"]
    assert (gz.name, gz.region_code, gz.parent) == ("贵州省公共资源交易中心", "520000", None)


@pytest.mark.parametrize(("code", "region"), sorted(CITIES.items()))
def test_every_city_and_prefecture_center_hangs_off_the_province_with_its_gbt2260_code(network, code, region):
    assert (network[code].level, network[code].region_code, network[code].parent) == (
        CenterLevel.CITY,
        region,
        "GZ",
    )


@pytest.mark.parametrize(
    ("code", "region", "parent"),
    [
        ("GY-QZ", "520181", "GY"),
        ("GY-XW", "520123", "GY"),
        ("ZY-RH", "520382", "ZY"),
        ("ZY-CS", "520381", "ZY"),
        ("LPS-PZ", "520281", "LPS"),
        ("BJ-WN", "520526", "BJ"),
        ("BJ-QX", "520581", "BJ"),
        ("QXN-XR", "522302", "QXN"),
        ("QDN-KL", "522601", "QDN"),
        ("QN-DY", "522701", "QN"),
        ("QXN-XY", "522301", "QXN"),
    ],
)
def test_county_centers_carry_their_current_gbt2260_code_and_parent(network, code, region, parent):
    assert (network[code].region_code, network[code].parent) == (region, parent)


def test_every_county_code_lies_inside_its_parent_citys_code(network):
    for center in network.values():
        if center.level is CenterLevel.COUNTY:
            assert center.region_code[:4] == network[center.parent].region_code[:4], center.code


def test_gui_an_has_no_gbt2260_code_and_says_why_and_what_to_report(network):
    ga = network["GA"]
    assert ga.level is CenterLevel.NEW_AREA and ga.parent == "GZ"
    assert ga.region_code is None
    assert ga.reporting_region_code == "520000"
    assert ga.internal_region_code == "52GA00" and not ga.internal_region_code.isdigit()
    assert "GB/T 2260" in ga.note


def test_every_center_has_a_six_digit_reporting_code_in_guizhou(network):
    assert all(c.reporting_region_code.startswith("52") and len(c.reporting_region_code) == 6 for c in network.values())


def test_every_center_has_at_least_one_opening_and_one_evaluation_room(network):
    for center in network.values():
        assert center.venues_of(VenueKind.OPENING), center.code
        assert center.venues_of(VenueKind.EVALUATION), center.code


def test_bigger_centers_have_more_evaluation_rooms(network):
    rooms = {code: len(c.venues_of(VenueKind.EVALUATION)) for code, c in network.items()}
    county_max = max(n for code, n in rooms.items() if network[code].level is CenterLevel.COUNTY)
    assert rooms["GZ"] > max(rooms[c] for c in CITIES)
    assert min(rooms[c] for c in CITIES) >= county_max


def test_seats_are_numbered_with_the_rooms_letter(network):
    room = network["GZ"].venues_of(VenueKind.EVALUATION)[2]
    assert room.name == "评标室3"
    assert room.seats == tuple(f"C{n:02d}" for n in range(1, 10))
    assert room.capacity == 9


def test_a_seat_label_identifies_its_room_within_a_center(network):
    for center in network.values():
        labels = [seat for venue in center.venues for seat in venue.seats]
        assert len(labels) == len(set(labels)), center.code


def test_parents_come_before_their_children_whatever_the_file_order(document):
    document["centers"].reverse()
    seen: set[str] = set()
    for center in parse_network(document):
        assert center.parent is None or center.parent in seen, center.code
        seen.add(center.code)


# --- what the loader refuses ----------------------------------------------------------------------


def test_a_duplicate_center_code_is_refused_naming_the_code(document):
    document["centers"].append(copy.deepcopy(_center(document, "GY-QZ")))
    error = _refusal(document)
    assert error.code == "network.center.duplicate" and "GY-QZ" in error.message


def test_a_center_whose_parent_does_not_exist_is_refused(document):
    _center(document, "GY-QZ")["parent"] = "XX"
    error = _refusal(document)
    assert error.code == "network.center.parent" and "GY-QZ" in error.message and "XX" in error.message


def test_a_county_whose_parent_is_another_county_is_refused(document):
    county = _center(document, "GY-XW")
    county["parent"], county["code"] = "GY-QZ", "GY-QZ-XW"
    assert _refusal(document).code == "network.center.code"


def test_a_city_whose_parent_is_a_county_is_refused_as_a_level_error(document):
    _center(document, "ZY")["parent"] = "GY-QZ"
    error = _refusal(document)
    assert error.code == "network.center.parent_level" and "ZY" in error.message


def test_a_five_digit_region_code_is_refused(document):
    _center(document, "ZY-RH")["region_code"] = "52038"
    error = _refusal(document)
    assert error.code == "network.center.region" and "ZY-RH" in error.message and "6位" in error.message


def test_a_region_code_from_another_province_is_refused(document):
    _center(document, "ZY-RH")["region_code"] = "510381"
    error = _refusal(document)
    assert error.code == "network.center.region" and "不在本省" in error.message


def test_a_county_coded_under_another_city_is_refused(document):
    _center(document, "ZY-RH")["region_code"] = "520181"
    error = _refusal(document)
    assert error.code == "network.center.region" and "520300" in error.message


def test_a_city_center_with_a_county_code_is_refused(document):
    _center(document, "ZY")["region_code"] = "520382"
    assert _refusal(document).code == "network.center.region"


def test_only_a_new_area_may_go_without_a_region_code(document):
    _center(document, "ZY")["region_code"] = None
    assert _refusal(document).code == "network.center.region"


def test_a_new_area_without_a_note_on_its_missing_code_is_refused(document):
    del _center(document, "GA")["note"]
    assert _refusal(document).code == "network.center.region"


def test_an_unknown_level_is_refused(document):
    _center(document, "GY")["level"] = "prefecture"
    error = _refusal(document)
    assert error.code == "network.center.level" and "GY" in error.message


def test_two_provincial_centers_are_refused(document):
    extra = copy.deepcopy(_center(document, "GZ"))
    extra["code"] = "GZB"
    document["centers"].append(extra)
    assert _refusal(document).code == "network.province"


def test_a_venue_with_no_seats_is_refused_naming_the_center_and_room(document):
    _center(document, "GY")["venues"][0]["seats"] = 0
    error = _refusal(document)
    assert error.code == "network.venue.seats" and "GY" in error.message and "评标室1" in error.message


def test_two_rooms_with_the_same_seat_letter_are_refused(document):
    venues = _center(document, "GY")["venues"]
    venues[1]["seat_prefix"] = venues[0]["seat_prefix"]
    assert _refusal(document).code == "network.venue.seat_prefix"


def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"centers": [\n  oops\n]}', encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_network(path)
    assert caught.value.code == "network.json" and "第2行" in caught.value.message
