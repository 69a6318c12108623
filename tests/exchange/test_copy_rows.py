"""copy_rows and fast_insert: the bulk writers under the importer and the KPI engine."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard, TemplateVersion
from servicescore.core.bulk import copy_rows, json_dumps


def test_json_dumps_gives_what_json_dumps_gives():
    moment = datetime.datetime(2026, 10, 31, 23, 30, 15, 123456, tzinfo=datetime.UTC)
    value = {
        "when": moment,
        "day": moment.date(),
        "amount": Decimal("320.50"),
        "id": uuid.UUID(int=7),
        "rows": [1, 2.5, None, True, "王"],
        "nested": {"k": [{"a": 1e16}]},
    }
    dumps = json_dumps(DjangoJSONEncoder)
    assert json.loads(dumps(value)) == json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    # What orjson refuses goes through json: integer keys, integers beyond 64 bits.
    assert json.loads(dumps({1: "a"})) == {"1": "a"}
    assert json.loads(dumps({"big": 2**70})) == {"big": 2**70}
    with pytest.raises(TypeError):
        json_dumps()({"x": object()})


@pytest.mark.django_db
def test_copy_rows_stores_a_generator_with_json(network):
    install_default_templates()
    version = TemplateVersion.objects.filter(status=TemplateVersion.Status.ACTIVE).first()
    items = [{"indicator": "CSAT", "value": 82.5, "label": "满意度", "no_data": False}]
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    rows = (
        (employee.pk, "2026-10", version.pk, 80.0, 0.0, 80.0, "B", False, items, now)
        for employee in (network.tech, network.tech_colleague)
    )
    columns = [
        "employee_id", "period", "version_id", "base_score", "adjustment", "final_score", "grade",
        "vetoed", "items", "computed_at",
    ]  # fmt: skip
    assert copy_rows(Scorecard, columns, rows) == 2
    stored = Scorecard.objects.get(employee=network.tech, period="2026-10")
    assert stored.items == items
    assert stored.computed_at == now
    assert copy_rows(Scorecard, columns, iter(())) == 0
