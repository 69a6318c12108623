"""The audit page (/audit/): the whole trail for HR, administrators and auditors, filtered by
record, actor, date (company time zone), action, channel and request id, and its export."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from servicescore.core.models import AuditEntry
from servicescore.org.models import Employee

from ..conftest import login
from ..factories import CustomerFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def entry(
    obj, *, actor=None, action="update", changes=None, at=None, reason="", channel="web", request_id=""
):
    """An entry as a service writes it, at a chosen moment (audit_record always writes now)."""
    fields = {
        "actor": actor,
        "actor_name": actor.username if actor else "",
        "action": action,
        "content_type": ContentType.objects.get_for_model(obj),
        "object_id": str(obj.pk),
        "object_repr": str(obj),
        "changes": changes or {},
        "reason": reason,
        "channel": channel,
        "request_id": request_id,
    }
    if at is not None:
        fields["at"] = at
    return AuditEntry.objects.create(**fields)


def listed(response) -> list[int]:
    return [row.entry.pk for row in response.context["page"].rows]


@pytest.mark.parametrize("reader", ["hr", "auditor"])
def test_hr_and_auditors_see_entries_of_every_kind_of_record(client, network, reader):
    customer = CustomerFactory(name="王五")
    order = WorkOrderFactory(service_center=network.sc1)
    entries = [
        entry(network.tech, actor=network.hr.user),
        entry(customer, actor=network.advisor.user),
        entry(order, actor=network.dispatcher.user, action="dispatch"),
    ]
    login(client, getattr(network, reader))
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(e.pk for e in entries)
    page = response.content.decode()
    assert str(network.tech) in page and "王五" in page and str(order) in page


def test_a_superuser_sees_the_trail(client, network):
    first = entry(network.tech, actor=network.hr.user)
    login(client, UserFactory(username="root", is_superuser=True, is_staff=True))
    assert listed(client.get(reverse("audit:list"))) == [first.pk]


@pytest.mark.parametrize("who", ["tech", "manager", "regional_manager", "foreman", "dispatcher"])
def test_other_roles_are_refused_the_page_and_the_export(client, network, who):
    entry(network.tech, actor=network.hr.user)
    login(client, getattr(network, who))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, network):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_it_filters_by_record_and_actor(client, network):
    admin_user = UserFactory(username="root", is_superuser=True)
    wanted = entry(network.tech, actor=network.hr.user)
    entry(network.tech, actor=admin_user)  # same record, another actor
    entry(network.tech_colleague, actor=network.hr.user)  # same actor, another record
    entry(network.tech.user, actor=network.hr.user)  # another kind of record, maybe the same id
    login(client, network.hr)
    employee_type = ContentType.objects.get_for_model(Employee)
    response = client.get(
        reverse("audit:list"),
        {"record_type": employee_type.pk, "object_id": network.tech.pk, "actor": "h1"},
    )
    assert listed(response) == [wanted.pk]


def test_dates_are_cut_at_midnight_in_the_company_time_zone(client, network, settings):
    settings.COMPANY_TIME_ZONE = "Asia/Shanghai"
    late_on_the_first = entry(network.tech, at=datetime.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC))
    early_on_the_second = entry(network.tech, at=datetime.datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC))
    login(client, network.hr)
    first = client.get(reverse("audit:list"), {"date_from": "2026-03-01", "date_to": "2026-03-01"})
    second = client.get(reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert listed(first) == [late_on_the_first.pk]
    assert listed(second) == [early_on_the_second.pk]


def test_a_bad_date_is_a_form_error_and_lists_nothing(client, network):
    entry(network.tech, actor=network.hr.user)
    login(client, network.hr)
    response = client.get(reverse("audit:list"), {"date_from": "2026-02-30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"] == ["Enter a valid date."]
    assert response.context["page"] is None
    assert "Enter a valid date." in response.content.decode()


def test_a_date_range_backwards_is_a_form_error(client, network):
    login(client, network.hr)
    response = client.get(reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert "date_to" in response.context["form"].errors


def test_the_record_type_choices_are_the_kinds_the_trail_names(client, network):
    entry(network.tech, actor=network.hr.user)
    entry(CustomerFactory(), actor=network.hr.user)
    login(client, network.hr)
    response = client.get(reverse("audit:list"), HTTP_ACCEPT_LANGUAGE="en")
    choices = dict(response.context["form"].fields["record_type"].choices)
    assert sorted(str(label) for key, label in choices.items() if key) == ["Customer", "Employee"]


def test_changes_are_shown_in_words(client, network):
    entry(network.tech, actor=network.hr.user, changes={"org_unit": [network.t11.pk, network.t12.pk]})
    login(client, network.hr)
    page = client.get(reverse("audit:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{network.t11} → {network.t12}" in page


def test_an_auditor_reads_phone_numbers_masked(client, network):
    entry(CustomerFactory(), actor=network.hr.user, changes={"phone": ["13812345678", "13912345678"]})
    login(client, network.auditor)
    page = client.get(reverse("audit:list")).content.decode()
    assert "13812345678" not in page and "138****5678" in page


def test_a_record_links_to_its_own_page_where_it_has_one(client, network):
    entry(network.tech, actor=network.hr.user)
    entry(CustomerFactory(name="无页面客户"), actor=network.hr.user)
    login(client, network.hr)
    page = client.get(reverse("audit:list")).content.decode()
    assert f'href="{reverse("org:profile", args=[network.tech.pk])}"' in page
    assert '">无页面客户</a>' not in page


def test_it_lists_50_entries_a_page_and_pages_on_to_older_ones(client, network):
    moment = datetime.datetime(2026, 3, 1, tzinfo=UTC)
    # Two entries share each moment (as a bulk write's do): the pages must not skip or repeat.
    entries = [entry(network.tech, at=moment + datetime.timedelta(minutes=i // 2)) for i in range(53)]
    login(client, network.hr)
    first = client.get(reverse("audit:list"))
    older = client.get(reverse("audit:list"), {"older": first.context["page"].older})
    back = client.get(reverse("audit:list"), {"newer": older.context["page"].newer})
    newest_first = sorted(entries, key=lambda e: (e.at, e.pk), reverse=True)
    assert listed(first) == [e.pk for e in newest_first[:50]]
    assert listed(older) == [e.pk for e in newest_first[50:]]
    assert older.context["page"].older == ""
    assert listed(back) == listed(first)


def test_a_malformed_page_cursor_shows_the_newest_entries(client, network):
    newest = entry(network.tech, actor=network.hr.user)
    login(client, network.hr)
    response = client.get(reverse("audit:list"), {"older": "99999999999999999999999.x"})
    assert listed(response) == [newest.pk]


def _add_entries(count: int, network, customer) -> None:
    for i in range(count):
        if i % 2:
            entry(customer, actor=network.advisor.user, changes={"name": [f"旧{i}", f"新{i}"]})
        else:
            entry(network.tech, actor=network.hr.user, changes={"org_unit": [network.t11.pk, network.t12.pk]})


def _page_queries(client, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audit:list"))
    assert len(listed(response)) == expected_rows
    return len(queries)


def test_the_page_makes_as_many_queries_for_30_entries_as_for_3(client, network):
    customer = CustomerFactory()
    login(client, network.hr)
    _add_entries(3, network, customer)
    few = _page_queries(client, 3)
    _add_entries(27, network, customer)
    many = _page_queries(client, 30)
    assert few == many


def _export(client, params=None, **headers):
    response = client.get(reverse("audit:export"), params or {}, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_the_export_writes_a_formula_like_record_name_as_text(client, network):
    customer = CustomerFactory(name='=HYPERLINK("http://evil.example","点我")')
    entry(customer, actor=network.hr.user)
    login(client, network.hr)
    rows = _export(client, HTTP_ACCEPT_LANGUAGE="en")
    record_column = rows[0].index("Record")
    assert rows[1][record_column] == "'" + customer.name


def test_the_export_holds_the_filtered_entries(client, network):
    entry(network.tech, actor=network.hr.user, reason="入职资料更正")
    entry(network.tech_colleague, actor=network.advisor.user, reason="别的")
    login(client, network.hr)
    rows = _export(client, {"actor": "h1"})
    assert len(rows) == 2 and "入职资料更正" in rows[1]


def test_an_export_with_a_bad_filter_is_refused_with_the_form(client, network):
    login(client, network.hr)
    response = client.get(reverse("audit:export"), {"date_to": "yesterday"})
    assert response.status_code == 400
    assert "date_to" in response.context["form"].errors
