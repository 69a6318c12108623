"""The labour-operation catalogue (工时定额): which row's hours apply to a work order, who
records which hours (a technician clocked hours only; a foreman or advisor overrides with a
reason, audited), the forms and the catalogue page."""

import datetime
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from servicescore.core.errors import DomainError
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import RecomputeRequest
from servicescore.workorders import catalogue, services
from servicescore.workorders.models import LabourLine, LabourOperation, StandardSource, State

from ..conftest import login
from ..factories import AssetFactory, WorkOrderFactory

HAN = "比亚迪 汉 EV"


def operation(code="BRK01", hours="1.50", category="", valid_from=None, name="更换前刹车片"):
    return LabourOperation.objects.create(
        code=code, name=name, standard_hours=Decimal(hours), category=category, valid_from=valid_from
    )


def order_for(network, *, model=HAN, kind="vehicle", state=State.IN_PROGRESS, created=None, **fields):
    now = timezone.now()
    stamps = {"dispatched_at": now - datetime.timedelta(minutes=40)}
    if state in (State.IN_PROGRESS, State.COMPLETED):
        stamps["accepted_at"] = now - datetime.timedelta(minutes=30)
        stamps["started_at"] = now - datetime.timedelta(minutes=20)
    if state == State.COMPLETED:
        stamps.update(completed_at=now - datetime.timedelta(minutes=10), resolution="fixed")
    asset = AssetFactory(model=model, kind=kind) if model is not None else None
    fields.setdefault("technician", network.tech)
    return WorkOrderFactory(
        service_center=network.sc1,
        state=state,
        asset=asset,
        created_at=created or now - datetime.timedelta(hours=1),
        **stamps,
        **fields,
    )


@contextmanager
def new_entries():
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    written = []
    yield written
    written.extend(AuditEntry.objects.exclude(pk__in=before).order_by("id"))


def code_of(error: ValidationError) -> str:
    return error.domain_code if isinstance(error, DomainError) else error.code


# --- which row applies ------------------------------------------------------------------------


def test_the_row_for_the_orders_model_wins_over_the_row_for_all(network):
    operation(hours="1.00")
    own = operation(hours="1.80", category=HAN)
    assert catalogue.operation_for(order_for(network), "BRK01") == own


def test_the_row_for_all_applies_to_a_model_without_its_own(network):
    general = operation(hours="1.00")
    operation(hours="1.80", category="特斯拉 Model 3")
    assert catalogue.operation_for(order_for(network), "BRK01") == general


def test_the_row_for_the_assets_kind_applies_when_its_model_has_none(network):
    operation(hours="1.00")
    appliance = operation(hours="0.70", category="appliance")
    assert (
        catalogue.operation_for(order_for(network, model="KFR-35GW", kind="appliance"), "BRK01") == appliance
    )


def test_an_order_without_an_asset_takes_the_row_for_all(network):
    general = operation(hours="1.00")
    operation(hours="1.80", category=HAN)
    assert catalogue.operation_for(order_for(network, model=None), "BRK01") == general


def test_a_model_row_not_yet_valid_on_the_orders_day_gives_way_to_the_row_for_all(network):
    general = operation(hours="1.00", valid_from=datetime.date(2020, 1, 1))
    operation(hours="1.80", category=HAN, valid_from=timezone.localdate() + datetime.timedelta(days=30))
    assert catalogue.operation_for(order_for(network), "BRK01") == general


def test_the_orders_creation_day_decides_validity_not_today(network):
    day = datetime.date(2026, 3, 1)
    operation(hours="1.80", category=HAN, valid_from=day)
    before = order_for(network, created=timezone.make_aware(datetime.datetime(2026, 2, 27, 10)))
    with pytest.raises(ValidationError) as refused:
        catalogue.operation_for(before, "BRK01")
    assert code_of(refused.value) == "labour_operation_not_yet_valid"


def test_among_rows_of_one_rank_the_latest_valid_from_wins():
    keys = catalogue.OrderKeys(model=HAN, kind="vehicle", day=datetime.date(2026, 10, 5))
    rows = [
        LabourOperation(code="X", category="", standard_hours=1, valid_from=datetime.date(2025, 1, 1)),
        LabourOperation(code="X", category="", standard_hours=2, valid_from=datetime.date(2026, 1, 1)),
        LabourOperation(code="X", category="", standard_hours=3, valid_from=datetime.date(2026, 11, 1)),
    ]
    assert catalogue.choose(rows, keys)[0].standard_hours == 2


def test_an_unknown_code_is_refused_with_its_code(network):
    with pytest.raises(ValidationError) as refused:
        catalogue.operation_for(order_for(network), "NOPE")
    assert code_of(refused.value) == "unknown_labour_operation"


def test_a_code_only_for_other_models_is_refused_naming_the_model(network):
    operation(category="特斯拉 Model 3")
    with pytest.raises(ValidationError) as refused:
        catalogue.operation_for(order_for(network), "BRK01")
    assert code_of(refused.value) == "labour_operation_not_for_model"
    assert HAN in refused.value.messages[0]


def test_the_forms_choices_hold_one_row_per_code_for_the_order(network):
    operation(hours="1.00")
    own = operation(hours="1.80", category=HAN)
    other = operation(code="AC02", hours="0.50", category="特斯拉 Model 3")
    choices = catalogue.operations_for(order_for(network))
    assert choices == [own] and other not in choices


# --- recording labour -------------------------------------------------------------------------


def test_a_technician_records_clocked_hours_and_gets_the_catalogue_hours(network):
    operation(hours="1.80", category=HAN)
    order = order_for(network)
    line = services.record_labour(
        order,
        technician=network.tech,
        operation_code="BRK01",
        clocked_hours=Decimal("2"),
        by=network.tech.user,
    )
    line.refresh_from_db()
    assert (line.standard_hours, line.clocked_hours) == (Decimal("1.80"), Decimal("2.00"))
    assert (line.operation.code, line.standard_source) == ("BRK01", StandardSource.CATALOGUE)


def test_a_technician_sending_standard_hours_is_refused_and_nothing_is_written(network):
    operation(hours="1.80")
    order = order_for(network)
    for given in (Decimal("3"), Decimal("1.80") + 1):
        with pytest.raises(ValidationError) as refused:
            services.record_labour(
                order,
                technician=network.tech,
                operation_code="BRK01",
                standard_hours=given,
                reason="harder than usual",
                clocked_hours=Decimal("3"),
                by=network.tech.user,
            )
        assert code_of(refused.value) == "standard_hours_not_allowed"
    assert not LabourLine.objects.exists()


def test_a_technician_may_not_enter_hours_without_an_operation(network):
    with pytest.raises(ValidationError) as refused:
        services.record_labour(
            order_for(network),
            technician=network.tech,
            standard_hours=Decimal("2"),
            clocked_hours=Decimal("2"),
            by=network.tech.user,
        )
    assert code_of(refused.value) == "standard_hours_not_allowed"
    assert not LabourLine.objects.exists()


def test_a_first_line_without_operation_or_hours_is_refused(network):
    with pytest.raises(ValidationError) as refused:
        services.record_labour(
            order_for(network), technician=network.tech, clocked_hours=Decimal("2"), by=network.tech.user
        )
    assert code_of(refused.value) == "standard_hours_required"


def test_sending_the_catalogues_own_hours_is_no_override(network):
    operation(hours="1.50")
    line = services.record_labour(
        order_for(network),
        technician=network.tech,
        operation_code="BRK01",
        standard_hours=Decimal("1.5"),
        clocked_hours=Decimal("1"),
        by=network.tech.user,
    )
    assert line.standard_source == StandardSource.CATALOGUE


def test_a_foreman_overrides_with_a_reason_and_the_one_audit_entry_records_it(network):
    operation(hours="1.50")
    order = order_for(network)
    with new_entries() as written:
        line = services.record_labour(
            order,
            technician=network.tech,
            operation_code="BRK01",
            standard_hours=Decimal("2.5"),
            clocked_hours=Decimal("2.4"),
            reason="锈死的卡钳螺栓",
            by=network.foreman.user,
        )
    line.refresh_from_db()
    assert line.standard_source == StandardSource.OVERRIDE
    assert (line.standard_hours, line.override_by, line.override_reason) == (
        Decimal("2.50"),
        network.foreman.user,
        "锈死的卡钳螺栓",
    )
    [entry] = written
    assert (entry.action, entry.reason) == ("labour", "锈死的卡钳螺栓")
    assert entry.changes == {
        "labour_line": [None, "T1: BRK01 2.50/2.40 override"],
        "standard_hours_override": ["1.50", "2.50"],
    }


def test_an_advisor_may_override_too(network):
    operation(hours="1.50")
    line = services.record_labour(
        order_for(network),
        technician=network.tech,
        operation_code="BRK01",
        standard_hours=Decimal("1"),
        clocked_hours=Decimal("1"),
        reason="客户只做单侧",
        by=network.advisor.user,
    )
    assert (line.standard_source, line.override_by) == (StandardSource.OVERRIDE, network.advisor.user)


def test_an_override_without_a_reason_is_refused_and_nothing_is_written(network):
    operation(hours="1.50")
    with pytest.raises(ValidationError) as refused:
        services.record_labour(
            order_for(network),
            technician=network.tech,
            operation_code="BRK01",
            standard_hours=Decimal("2.5"),
            clocked_hours=Decimal("2"),
            reason="  ",
            by=network.foreman.user,
        )
    assert code_of(refused.value) == "override_reason_required"
    assert not LabourLine.objects.exists()


def test_a_foreman_may_not_set_the_standard_hours_of_his_own_line(network):
    operation(hours="1.50")
    order = order_for(network, technician=network.foreman)
    with pytest.raises(ValidationError) as refused:
        services.record_labour(
            order,
            technician=network.foreman,
            operation_code="BRK01",
            standard_hours=Decimal("3"),
            clocked_hours=Decimal("3"),
            reason="难",
            by=network.foreman.user,
        )
    assert code_of(refused.value) == "own_standard_hours"


def test_a_foreman_enters_hours_for_work_the_catalogue_does_not_list(network):
    line = services.record_labour(
        order_for(network),
        technician=network.tech,
        standard_hours=Decimal("0.8"),
        clocked_hours=Decimal("1"),
        by=network.foreman.user,
    )
    assert (line.operation, line.standard_source) == (None, StandardSource.ENTERED)


def test_the_technician_updating_his_clocked_hours_keeps_the_foremans_override(network):
    operation(hours="1.50")
    order = order_for(network)
    services.record_labour(
        order,
        technician=network.tech,
        operation_code="BRK01",
        standard_hours=Decimal("2.5"),
        clocked_hours=Decimal("1"),
        reason="锈死",
        by=network.foreman.user,
    )
    line = services.record_labour(
        order,
        technician=network.tech,
        operation_code="BRK01",
        clocked_hours=Decimal("2.2"),
        by=network.tech.user,
    )
    line.refresh_from_db()
    assert (line.standard_hours, line.clocked_hours, line.standard_source) == (
        Decimal("2.50"),
        Decimal("2.20"),
        StandardSource.OVERRIDE,
    )


def test_an_unknown_operation_code_writes_nothing(network):
    with pytest.raises(ValidationError) as refused:
        services.record_labour(
            order_for(network),
            technician=network.tech,
            operation_code="NOPE",
            clocked_hours=Decimal("1"),
            by=network.tech.user,
        )
    assert code_of(refused.value) == "unknown_labour_operation"
    assert not LabourLine.objects.exists()


def test_catalogue_hours_on_a_completed_order_queue_its_hours_day(network, settings):
    settings.KPI_AUTO_RECOMPUTE = True
    operation(hours="1.50")
    order = order_for(network, state=State.COMPLETED)
    RecomputeRequest.objects.all().delete()
    services.record_labour(
        order,
        technician=network.tech,
        operation_code="BRK01",
        clocked_hours=Decimal("1"),
        by=network.tech.user,
    )
    day = timezone.localtime(order.completed_at).date()
    assert RecomputeRequest.objects.filter(group="hours", day=day).exists()


def test_a_catalogue_row_in_use_cannot_be_deleted(network):
    row = operation(hours="1.50")
    services.record_labour(
        order_for(network),
        technician=network.tech,
        operation_code="BRK01",
        clocked_hours=Decimal("1"),
        by=network.tech.user,
    )
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        row.delete()


# --- the pages ---------------------------------------------------------------------------------


def post_labour(client, order, **data):
    return client.post(reverse("workorders:labour", args=[order.pk]), data, follow=True)


def test_the_technicians_form_has_no_standard_hours_field_but_shows_the_catalogue_hours(client, network):
    operation(hours="1.80", category=HAN)
    order = order_for(network)
    login(client, network.tech)
    for name in ("workorders:detail", "workorders:mine_detail"):
        page = client.get(reverse(name, args=[order.pk])).content.decode()
        form = re.search(r'<form[^>]*data-(?:work-)?form="labour".*?</form>', page, re.S).group(0)
        assert 'name="standard_hours"' not in form and 'name="operation_code"' in form
        assert "BRK01" in form and "1.80" in form


def test_a_technician_posting_standard_hours_on_the_page_is_refused(client, network):
    operation(hours="1.80")
    order = order_for(network)
    login(client, network.tech)
    response = post_labour(
        client,
        order,
        technician=network.tech.pk,
        operation_code="BRK01",
        standard_hours="5",
        clocked_hours="1",
    )
    assert "may not set standard hours" in response.content.decode()
    assert not LabourLine.objects.exists()


def test_a_technician_records_an_operation_on_the_phone(client, network):
    operation(hours="1.80")
    order = order_for(network)
    login(client, network.tech)
    post_labour(client, order, technician=network.tech.pk, operation_code="BRK01", clocked_hours="2")
    line = LabourLine.objects.get()
    assert (line.standard_hours, line.standard_source) == (Decimal("1.80"), StandardSource.CATALOGUE)


def test_the_foremans_form_has_standard_hours_and_a_reason(client, network):
    order = order_for(network)
    login(client, network.foreman)
    page = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    form = re.search(r'<form[^>]*data-form="labour".*?</form>', page, re.S).group(0)
    assert 'name="standard_hours"' in form and 'name="reason"' in form


def test_a_foremans_override_on_the_page_without_a_reason_is_refused(client, network):
    operation(hours="1.50")
    order = order_for(network)
    login(client, network.foreman)
    response = post_labour(
        client,
        order,
        technician=network.tech.pk,
        operation_code="BRK01",
        standard_hours="3",
        clocked_hours="1",
    )
    assert "differ from the catalogue" in response.content.decode()
    assert not LabourLine.objects.exists()


def test_the_detail_page_marks_an_override_and_its_reason(client, network):
    operation(hours="1.50")
    order = order_for(network)
    services.record_labour(
        order,
        technician=network.tech,
        operation_code="BRK01",
        standard_hours=Decimal("2.5"),
        clocked_hours=Decimal("2"),
        reason="锈死",
        by=network.foreman.user,
    )
    login(client, network.manager)
    page = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    row = re.search(r'<tr data-labour="T1".*?</tr>', page, re.S).group(0)
    assert "BRK01" in row and 'data-source="override"' in row and "锈死" in row


# --- the catalogue page ---------------------------------------------------------------------------


def catalogue_page(client, **params):
    return client.get(reverse("workorders:labour_operations"), params)


def test_the_catalogue_lists_searches_and_filters_by_category(client, network):
    operation(code="BRK01", name="更换前刹车片")
    operation(code="BRK01", name="更换前刹车片", category=HAN, hours="1.8")
    operation(code="AC02", name="空调滤芯更换", hours="0.3")
    login(client, network.tech)
    page = catalogue_page(client).content.decode()
    assert page.count("data-operation=") == 3
    found = catalogue_page(client, q="空调").content.decode()
    assert re.findall(r'data-operation="([^"]+)"', found) == ["AC02"]
    only_han = catalogue_page(client, category=HAN).content.decode()
    assert re.findall(r'data-operation="([^"]+)"', only_han) == ["BRK01"]


def test_the_catalogue_page_takes_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for n in range(60):
        operation(code=f"OP{n:03d}", category=HAN if n % 2 else "")
    login(client, network.manager)
    with django_assert_max_num_queries(12):
        response = catalogue_page(client, page=2)
    assert response.status_code == 200


def test_import_and_export_links_show_only_for_company_admins(client, network):
    login(client, network.tech)
    assert reverse("exchange:upload") not in catalogue_page(client).content.decode()
    login(client, network.hr)
    page = catalogue_page(client).content.decode()
    assert reverse("exchange:upload") in page
    assert reverse("exchange:export", args=["labour_operations", "csv"]) in page


def test_the_catalogue_needs_a_log_in(client, network):
    response = catalogue_page(client)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_work_order_list_links_to_the_catalogue(client, network):
    login(client, network.tech)
    page = client.get(reverse("workorders:list")).content.decode()
    assert reverse("workorders:labour_operations") in page


def test_a_technician_posting_labour_on_a_colleagues_order_gets_404(client, network):
    operation(hours="1.80")
    order = order_for(network, technician=network.tech_colleague)
    login(client, network.tech)
    response = client.post(
        reverse("workorders:labour", args=[order.pk]),
        {"technician": network.tech.pk, "operation_code": "BRK01", "clocked_hours": "1"},
    )
    assert response.status_code == 404
    assert not LabourLine.objects.exists()


def test_the_demo_catalogue_is_written_once_however_often_the_demo_is_built(db):
    from servicescore.demo.catalog import VEHICLES
    from servicescore.demo.labour import write_labour_operations

    written = write_labour_operations()
    assert write_labour_operations() == written == LabourOperation.objects.count()
    models = {vehicle[0] for vehicle in VEHICLES}
    assert set(LabourOperation.objects.exclude(category="").values_list("category", flat=True)) <= models
