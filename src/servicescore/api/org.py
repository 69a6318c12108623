"""/api/employees and /api/org-units: read-only, through the data scope (org/scope.py)."""

import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from servicescore.org.scope import visible_employees, visible_org_units

from . import auth
from .common import DEFAULT_LIMIT, CursorParam, Limit, PathText, error_responses, keyset_page

router = Router(tags=["people and org units"])
LIST_ERRORS = error_responses(401, 403, 422, 429)
ONE_ERRORS = error_responses(401, 403, 404, 422, 429)


class EmployeeOut(Schema):
    employee_no: str
    name: str
    position: str
    org_unit: str
    manager: str | None
    hire_date: datetime.date | None
    status: str


class EmployeePage(Schema):
    items: list[EmployeeOut]
    next_cursor: str | None


def employee_out(employee) -> dict:
    return {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "position": employee.position,
        "org_unit": employee.org_unit.code,
        "manager": employee.manager.employee_no if employee.manager_id else None,
        "hire_date": employee.hire_date,
        "status": employee.status,
    }


class EmployeeQuery(Schema):
    org_unit: str | None = Field(default=None, description="Org unit code; its subtree.")
    position: str | None = None
    status: Literal["active", "left"] | None = None
    q: str = Field(default="", description="Name or employee no. (substring).")
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


@router.get(
    "/employees", response={200: EmployeePage, **LIST_ERRORS}, auth=auth.READ, summary="List employees"
)
def list_employees(request, query: Query[EmployeeQuery]):
    from django.db.models import Q

    qs = visible_employees(request.user).select_related("org_unit", "manager")
    if query.org_unit:
        unit = visible_org_units(request.user).filter(code=query.org_unit).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if query.position:
        qs = qs.filter(position=query.position)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.q:
        qs = qs.filter(Q(name__icontains=query.q) | Q(employee_no__icontains=query.q))
    rows, next_cursor = keyset_page(qs, field="id", descending=False, cursor=query.cursor, limit=query.limit)
    return {"items": [employee_out(e) for e in rows], "next_cursor": next_cursor}


@router.get(
    "/employees/{employee_no}",
    response={200: EmployeeOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve an employee",
)
def get_employee(request, employee_no: PathText):
    employee = (
        visible_employees(request.user)
        .select_related("org_unit", "manager")
        .filter(employee_no=employee_no)
        .first()
    )
    if employee is None:
        raise Http404
    return employee_out(employee)


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None


def org_unit_out(unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent_id else None,
    }


@router.get(
    "/org-units", response={200: list[OrgUnitOut], **LIST_ERRORS}, auth=auth.READ, summary="List org units"
)
def list_org_units(request, kind: Literal["company", "region", "service_center", "team"] | None = None):
    """Every org unit in the caller's scope, in tree order (a few hundred at most)."""
    qs = visible_org_units(request.user).select_related("parent").order_by("path")
    if kind:
        qs = qs.filter(kind=kind)
    return [org_unit_out(unit) for unit in qs]


@router.get(
    "/org-units/{code}",
    response={200: OrgUnitOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve an org unit",
)
def get_org_unit(request, code: PathText):
    unit = visible_org_units(request.user).select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404
    return org_unit_out(unit)
