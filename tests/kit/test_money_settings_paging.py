"""Money in fen, settings from the environment, cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ggzy.kit.errors import ConfigError, ValidationFailed
from ggzy.kit.money import format_yuan, percent_of, yuan_to_fen
from ggzy.kit.paging import decode_cursor, encode_cursor
from ggzy.kit.settings import load_settings


@pytest.mark.parametrize("text,fen", [("12345.67", 1234567), ("0.01", 1), ("1,000", 100000), ("7", 700)])
def test_yuan_text_becomes_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["1.234", "abc", "1e5", "", "0.1.1"])
def test_malformed_or_sub_fen_amounts_are_refused(bad):
    with pytest.raises(ValidationFailed):
        yuan_to_fen(bad)


def test_decimal_with_sub_fen_precision_is_refused():
    with pytest.raises(ValidationFailed):
        yuan_to_fen(Decimal("0.005"))


def test_fen_is_shown_as_yuan_with_separators():
    assert format_yuan(123456789) == "1,234,567.89 元"


def test_a_two_percent_cap_rounds_down():
    assert percent_of(99999, 2, 100) == 1999


def test_settings_default_to_sqlite_in_the_data_dir(tmp_path):
    s = load_settings({"GGZY_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'ggzy.db'}" and s.audit_hash == "sha256"


def test_a_postgres_url_gets_the_psycopg3_driver(tmp_path):
    s = load_settings({"GGZY_DATA_DIR": str(tmp_path), "GGZY_DATABASE_URL": "postgresql://u@h/db"})
    assert s.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "env,word",
    [
        ({"GGZY_CHECKPOINT_EVERY": "abc"}, "GGZY_CHECKPOINT_EVERY"),
        ({"GGZY_CHECKPOINT_EVERY": "0"}, "GGZY_CHECKPOINT_EVERY"),
        ({"GGZY_AUDIT_HASH": "md5"}, "GGZY_AUDIT_HASH"),
        ({"GGZY_DATABASE_URL": "mysql://x"}, "GGZY_DATABASE_URL"),
        ({"GGZY_REDIS_URL": "http://x"}, "GGZY_REDIS_URL"),
        ({"GGZY_CHRONOGRAPH_IN_PROCESS": "maybe"}, "GGZY_CHRONOGRAPH_IN_PROCESS"),
        ({"GGZY_CHRONOGRAPH_INTERVAL": "-1"}, "GGZY_CHRONOGRAPH_INTERVAL"),
    ],
)
def test_a_malformed_setting_names_the_variable(tmp_path, env, word):
    with pytest.raises(ConfigError) as err:
        load_settings({"GGZY_DATA_DIR": str(tmp_path), **env})
    assert word in err.value.message


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError):
        load_settings({"GGZY_DATA_DIR": str(f)})


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    assert decode_cursor(encode_cursor({"seq": 42})) == {"seq": 42}
    with pytest.raises(ValidationFailed):
        decode_cursor("!!!not-a-cursor")
