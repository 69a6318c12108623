"""The log-in table `servicescore demo` prints: every account named (role name, username,
password, person, org unit) in the command's language, in columns that line up in a
terminal whatever mix of Chinese and Latin text they hold. Fast: no demo is built."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from servicescore.demo.builder import Report, account_table
from servicescore.demo.management.commands import demo as demo_command
from servicescore.demo.management.commands.demo import display_width, login_table
from servicescore.demo.people import ACCOUNT_NAMES, DEMO_ACCOUNTS, DEMO_PASSWORD, Network, Person

ACCOUNTS = [
    ("technician", "tech", DEMO_PASSWORD, "王建国", "机电一组"),
    ("service_manager", "manager", DEMO_PASSWORD, "李娜", "上海浦东服务中心"),
    ("admin", "admin", DEMO_PASSWORD, "郑一鸣", "新能源汽车售后服务有限公司"),
]


def column_starts(line: str, values) -> list[int]:
    """The terminal column where each value starts in `line`."""
    starts, searched = [], 0
    for value in values:
        index = line.index(value, searched)
        starts.append(display_width(line[:index]))
        searched = index + len(value)
    return starts


def test_display_width_counts_chinese_characters_twice_and_combining_marks_not():
    assert display_width("tech") == 4
    assert display_width("维修技师") == 8
    assert display_width("（上海）") == 8  # full-width brackets
    assert display_width("e\u0301") == 1


def test_the_table_names_each_role_in_english_when_asked():
    with translation.override("en"):
        lines = login_table(ACCOUNTS)
    assert lines[0].split() == ["Role", "Username", "Password", "Name", "Org", "unit"]
    assert lines[2].startswith("Technician ")
    assert lines[3].startswith("Service manager ")
    assert lines[4].startswith("Administrator ")


def test_the_table_names_each_role_in_chinese_by_default():
    with translation.override("zh-hans"):
        lines = login_table(ACCOUNTS)
    assert "technician" not in "\n".join(lines)
    assert lines[2].startswith("维修技师 ")


def test_the_columns_line_up_in_terminal_columns_with_chinese_text():
    with translation.override("zh-hans"):
        lines = login_table(ACCOUNTS)
    starts = {
        tuple(column_starts(line, [username, password, name, unit]))
        for line, (_role, username, password, name, unit) in zip(lines[2:], ACCOUNTS, strict=True)
    }
    assert len(starts) == 1


def test_the_rule_under_the_headers_spans_every_column():
    with translation.override("en"):
        lines = login_table(ACCOUNTS)
    assert set(lines[1]) == {"-", " "}
    assert display_width(lines[1]) == max(display_width(line) for line in lines)


def test_the_log_ins_that_are_no_employee_are_named_and_sit_at_the_company():
    tech = Person(7, "E0007", "王建国", "technician", 3, None, datetime.date(2024, 1, 1), "13800000000")
    net = Network(
        company=1,
        units=[
            (1, "NEV", "新能源汽车售后服务有限公司", "company", None, "/1/"),
            (3, "T1", "机电一组", "team", 1, "/1/3/"),
        ],
        centres=[],
        people=[tech],
        cs_agents=[],
        cs_manager=None,
        accounts=[
            ("technician", "tech", tech, 11),
            ("auditor", "auditor", None, 12),
            ("admin", "admin", None, 13),
        ],
    )
    assert account_table(net) == [
        ("technician", "tech", DEMO_PASSWORD, "王建国", "机电一组"),
        ("auditor", "auditor", DEMO_PASSWORD, ACCOUNT_NAMES["auditor"], "新能源汽车售后服务有限公司"),
        ("admin", "admin", DEMO_PASSWORD, ACCOUNT_NAMES["admin"], "新能源汽车售后服务有限公司"),
    ]


def test_every_demo_log_in_without_an_employee_has_a_name():
    assert {username for _role, username, key in DEMO_ACCOUNTS if key is None} <= set(ACCOUNT_NAMES)


def fake_report(*args, **kwargs):
    now = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)
    return Report("small", 42, now, ACCOUNTS, {}, 1.0)


def test_the_demo_command_prints_in_the_language_asked_for(monkeypatch):
    monkeypatch.setattr(demo_command, "build_demo", fake_report)
    out = io.StringIO()
    call_command("demo", "--language", "en", stdout=out)
    assert "Role" in out.getvalue() and "Service manager" in out.getvalue()


def test_the_demo_command_prints_in_the_companys_language_by_default(monkeypatch, settings):
    monkeypatch.setattr(demo_command, "build_demo", fake_report)
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "维修技师" in out.getvalue() and "Technician" not in out.getvalue()


def test_the_demo_command_refuses_an_unknown_language_before_building_anything(monkeypatch):
    built = []
    monkeypatch.setattr(demo_command, "build_demo", lambda *a, **k: built.append(a))
    with pytest.raises(CommandError, match="fr"):
        call_command("demo", "--language", "fr")
    assert built == []
