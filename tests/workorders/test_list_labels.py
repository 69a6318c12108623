"""The work-order list's column and sort labels name what they sort by (创建时间, a time),
not the state of the same English word (新建, New)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from servicescore.workorders.forms import SORT_CHOICES

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("workorders:list")
STATE_NAMES = ("新建", "已完工", "已关闭")


def sort_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-sort-link="(\w+)">([^<]+)<', html))


def test_the_time_columns_are_labelled_created_due_and_completed_in_english(client, network):
    WorkOrderFactory(service_center=network.sc1)
    login(client, network.manager)
    links = sort_links(client.get(LIST).content.decode())
    assert [links[key].strip() for key in ("created", "due", "completed")] == ["Created", "Due", "Completed"]


def test_the_sort_choices_name_the_columns(network):
    labels = {key: str(label) for key, label in SORT_CHOICES}
    assert labels["-created"] == "Created ↓"
    assert labels["id"] == "Work-order no. ↑"


def test_no_chinese_column_or_sort_label_is_a_state_name(network):
    WorkOrderFactory(service_center=network.sc1)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    login(client, network.manager)
    html = client.get(LIST).content.decode()
    headers = " ".join(sort_links(html).values())
    options = " ".join(re.findall(r'<option value="-?\w+"[^>]*>([^<]+)</option>', html))
    for name in STATE_NAMES:
        assert name not in headers
        assert f"{name} ↑" not in options and f"{name} ↓" not in options
