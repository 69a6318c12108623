"""After a successful import the upload page links to what was imported, once."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ..conftest import login

WO_HEADER = "external_id,service_center,type,created_at,technician\n"


def imported(client, kind, text):
    """Check then commit `text` as a file of `kind`; the page the commit leads to."""
    upload = SimpleUploadedFile(f"{kind}.csv", text.encode(), content_type="text/csv")
    response = client.post(reverse("exchange:upload"), {"kind": kind, "file": upload})
    assert response.context["report"].ok, response.context["report"].errors
    return client.post(reverse("exchange:commit"), {"token": response.context["token"]}, follow=True)


def link_of(response):
    return response.context["imported"]


@pytest.fixture
def hr(client, network):
    login(client, network.hr)
    return client


def test_one_imported_work_order_links_to_the_list_searching_for_it(hr):
    page = imported(hr, "work_orders", WO_HEADER + "WEB-1,SC1,保养,2026/10/05 10:00,T1\n")
    link = link_of(page)
    assert link["url"] == reverse("workorders:list") + "?q=WEB-1"
    assert 'id="imported-link"' in page.content.decode()
    assert "WEB-1" in hr.get(link["url"]).content.decode()


def test_several_work_orders_link_to_the_list_of_their_import_run(hr, network):
    text = WO_HEADER + "WEB-1,SC1,repair,2026/10/05 10:00,T1\nWEB-2,SC1,repair,2026-10-07 23:30,T1\n"
    link = link_of(imported(hr, "work_orders", text))
    url = urlsplit(link["url"])
    assert url.path == reverse("workorders:list")
    assert list(parse_qs(url.query)) == ["imported"]  # exactly: tests/exchange/test_import_link_exact.py
    listed = hr.get(link["url"]).content.decode()
    assert "WEB-1" in listed and "WEB-2" in listed


def test_imported_facts_link_to_the_facts_of_their_period(hr):
    link = link_of(
        imported(hr, "metric_facts", "indicator,period,value,employee\nTRAINING_HOURS,2026-10,12,T1\n")
    )
    assert link["url"] == reverse("indicators:facts") + "?period=2026-10&indicator=TRAINING_HOURS"
    assert hr.get(link["url"]).status_code == 200


def test_an_imported_catalogue_links_to_the_catalogue_page(hr):
    link = link_of(imported(hr, "labour_operations", "code,name,standard_hours\nBRK01,刹车,1\n"))
    assert link["url"] == reverse("workorders:labour_operations")


def test_imported_people_link_to_the_people_list(hr):
    text = "employee_no,name,position,org_unit\nN1,新员工,维修技师,SC1-T1\nN2,新顾问,服务顾问,SC1\n"
    link = link_of(imported(hr, "employees", text))
    assert link["url"] == reverse("org:list")


def test_the_link_is_shown_once(hr):
    imported(hr, "work_orders", WO_HEADER + "WEB-1,SC1,repair,2026/10/05 10:00,T1\n")
    again = hr.get(reverse("exchange:upload"))
    assert again.context["imported"] is None
    assert 'id="imported-link"' not in again.content.decode()


def test_a_rejected_import_gives_no_link(hr):
    upload = SimpleUploadedFile("bad.csv", (WO_HEADER + "WEB-1,SC1,洗车,2026/10/05 10:00,T1\n").encode())
    response = hr.post(reverse("exchange:upload"), {"kind": "work_orders", "file": upload})
    assert not response.context["report"].ok
    assert response.context["imported"] is None
