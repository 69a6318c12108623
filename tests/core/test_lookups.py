"""`__anyof`: the same rows as `__in`, with the ids as one parameter on PostgreSQL."""

import pytest
from django.db import connection

from servicescore.org.models import Employee, OrgUnit

from ..factories import EmployeeFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    unit = OrgUnitFactory()
    return [EmployeeFactory(org_unit=unit) for _ in range(5)]


def test_anyof_finds_what_in_finds(staff):
    ids = {staff[0].pk, staff[3].pk, 10**9}
    assert set(Employee.objects.filter(pk__anyof=ids)) == set(Employee.objects.filter(pk__in=ids))
    assert Employee.objects.exclude(pk__anyof=ids).count() == 3
    # Through a foreign key, by id or by instance.
    unit = staff[0].org_unit
    assert Employee.objects.filter(org_unit__anyof=[unit.pk]).count() == 5
    assert OrgUnit.objects.filter(employees__anyof=[staff[1]]).get() == unit


def test_an_empty_list_matches_nothing(staff):
    assert not Employee.objects.filter(pk__anyof=[]).exists()
    assert Employee.objects.exclude(pk__anyof=[]).count() == 5


def test_thousands_of_ids_are_one_parameter_on_postgresql(staff):
    ids = list(range(10**6, 10**6 + 5000)) + [staff[2].pk]
    found = Employee.objects.filter(pk__anyof=ids)
    assert list(found) == [staff[2]]
    sql, params = found.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(%s)" in sql
        assert params == (ids,)
    else:
        assert len(params) == 5001


def test_a_queryset_is_refused():
    with pytest.raises(TypeError, match="__in"):
        Employee.objects.filter(pk__anyof=Employee.objects.all())
