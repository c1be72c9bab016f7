"""Opaque cursors of the audit read API: unreadable, unforgeable, and never equal twice."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.audit import cursor as cursors
from ggzy.kit.paging import encode_cursor

SECRET = bytes(range(32))


def _flip(cursor: str, at: int) -> str:
    return cursor[:at] + ("A" if cursor[at] != "A" else "B") + cursor[at + 1 :]


def test_a_cursor_reads_back_as_the_position_it_was_made_for():
    for seq in (1, 2, 999_999, 2**40):
        assert cursors.unseal(cursors.seal(seq, SECRET), SECRET) == seq


def test_two_cursors_for_the_same_position_differ_and_all_cursors_have_one_length():
    a, b = cursors.seal(7, SECRET), cursors.seal(7, SECRET)
    assert a != b
    assert len({len(cursors.seal(seq, SECRET)) for seq in (1, 7, 12_345, 2**40)} | {len(a)}) == 1


def test_a_cursor_does_not_show_its_position():
    raw = base64.urlsafe_b64decode(cursors.seal(1234, SECRET) + "==")
    assert b"1234" not in raw and (1234).to_bytes(8, "big") not in raw and b"seq" not in raw


@pytest.mark.parametrize("at", [0, 11, 12, 20, 47])
def test_a_cursor_changed_in_any_place_is_refused(at):
    with pytest.raises(cursors.BadCursor) as err:
        cursors.unseal(_flip(cursors.seal(5, SECRET), at), SECRET)
    assert err.value.code == "audit.bad_cursor" and err.value.status == 422 and "next_cursor" in err.value.message


FORGERIES = {
    "not base64": lambda: "@@@",
    "empty": lambda: "",
    "chinese": lambda: "游标",
    "former plain cursor": lambda: encode_cursor({"seq": 5}),
    "another key": lambda: cursors.seal(5, bytes(32)),
    "truncated": lambda: cursors.seal(5, SECRET)[:-4],
    "extended": lambda: cursors.seal(5, SECRET) + "AAAA",
}


# Cursors are random: they are made inside the test, so every xdist worker collects the same test ids.
@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_anything_but_a_cursor_the_platform_made_is_refused(forgery):
    with pytest.raises(cursors.BadCursor):
        cursors.unseal(FORGERIES[forgery](), SECRET)


def test_the_cursor_key_is_derived_from_the_platform_key_and_nothing_else(platform_key):
    other = dataclasses.replace(platform_key, key=ec.generate_private_key(ec.SECP256R1()))
    assert cursors.cursor_key(platform_key) == cursors.cursor_key(platform_key)
    assert cursors.cursor_key(other) != cursors.cursor_key(platform_key)
    assert len(cursors.cursor_key(platform_key)) == 32
