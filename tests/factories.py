"""factory-boy factories shared by the whole suite."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from servicescore.appraisal.models import Scorecard, Template, TemplateVersion
from servicescore.core.models import User
from servicescore.customers.models import Asset, Customer
from servicescore.kpi.models import EmployeeResults, IndicatorResult
from servicescore.kpi.results import StoredResult, entry, results_in
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.services import rebuild_paths
from servicescore.workorders.models import WorkOrder


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = OrgUnit.Kind.COMPANY

    @factory.post_generation
    def paths(obj, create, extracted, **kwargs):
        if create:
            rebuild_paths()
            obj.refresh_from_db(fields=["path"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_no = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    position = "technician"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    phone = "13812341234"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    external_id = factory.Sequence(lambda n: f"LVIN{n:013d}")
    model = "Model Y"
    is_nev = True


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrder

    external_id = factory.Sequence(lambda n: f"WO{n:06d}")
    type = "repair"
    priority = "normal"
    created_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    difficulty = Decimal("1.0")


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    code = factory.Sequence(lambda n: f"TPL{n:03d}")
    name = factory.Sequence(lambda n: f"技师考核方案{n}")
    position = "technician"


class TemplateVersionFactory(factory.django.DjangoModelFactory):
    """An active version of a new template."""

    class Meta:
        model = TemplateVersion

    template = factory.SubFactory(TemplateFactory)
    number = 1
    status = TemplateVersion.Status.ACTIVE


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    period = "2026-10"
    version = factory.SubFactory(TemplateVersionFactory)
    base_score = 88.0
    final_score = 88.0
    grade = "A"
    computed_at = factory.LazyFunction(timezone.now)


class IndicatorResultFactory(factory.django.DjangoModelFactory):
    """An org unit's stored value (give `org_unit`); an employee's: `employee_result`."""

    class Meta:
        model = IndicatorResult

    period = "2026-10"
    indicator = "FTFR"
    value = 90.0
    numerator = 9
    denominator = 10
    sample = 10
    computed_at = factory.LazyFunction(timezone.now)


def employee_result(
    employee=None,
    *,
    employee_id=None,
    period="2026-10",
    indicator="FTFR",
    value=90.0,
    numerator=9,
    denominator=10,
    sample=10,
    note="",
    computed_at=None,
) -> StoredResult:
    """An employee's stored value, put into their EmployeeResults document of the period
    (created when missing), as a recompute stores it."""
    employee_id = employee.pk if employee is not None else employee_id
    doc = EmployeeResults.objects.filter(period=period, employee_id=employee_id).first()
    if doc is None:
        doc = EmployeeResults(period=period, employee_id=employee_id, figures={})
    doc.figures[indicator] = entry(value, numerator, denominator, sample, note)
    doc.computed_at = computed_at or doc.computed_at or timezone.now()
    doc.save()
    return results_in(doc)[indicator]
