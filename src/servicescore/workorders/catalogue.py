"""The labour-time catalogue (工时定额): which row gives an operation's standard hours on a
work order, and the catalogue page's list.

A row's `category` is a vehicle model (比亚迪 汉 EV) or a product category — the asset's
kind, `vehicle` or `appliance` —, empty for every asset. For an operation on a work order
the row for the order's asset model wins, else the row for its kind, else the row with an
empty category; a row counts from its `valid_from` (none: always) up to the order's date
(the local day it was created), and among the rows of one rank the latest `valid_from`
wins. Lines store the hours they were given: a later change of the catalogue applies to
the lines recorded after it, not to those on file (a price list, not a formula).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.errors import Invalid
from servicescore.core.periods import company_zone

from . import errors
from .models import LabourOperation, WorkOrder


@dataclass(frozen=True)
class OrderKeys:
    """What the catalogue looks at on a work order: its asset's model and kind, and its day."""

    model: str
    kind: str
    day: datetime.date


def order_keys(order: WorkOrder) -> OrderKeys:
    asset = order.asset if order.asset_id else None
    return keys_of(asset.model if asset else "", asset.kind if asset else "", order.created_at)


def keys_of(model: str, kind: str, created_at: datetime.datetime) -> OrderKeys:
    day = timezone.localtime(created_at, company_zone()).date() if created_at else timezone.localdate()
    return OrderKeys(model=(model or "").strip(), kind=kind or "", day=day)


def _rank(row: LabourOperation, keys: OrderKeys) -> int | None:
    """0 for the model's row, 1 for the kind's, 2 for all; None when the row is for others."""
    if keys.model and row.category == keys.model:
        return 0
    if keys.kind and row.category == keys.kind:
        return 1
    if row.category == "":
        return 2
    return None


def choose(rows: Iterable[LabourOperation], keys: OrderKeys) -> tuple[LabourOperation | None, str]:
    """The row of one code that applies on an order, or (None, why): "unknown" (no rows),
    "not_for_model" (no row for its model, kind or all), "not_yet_valid" (such rows take
    effect later). Pure: the importer calls it with rows it read in bulk."""
    rows = list(rows)
    if not rows:
        return None, "unknown"
    matching = [(rank, row) for row in rows if (rank := _rank(row, keys)) is not None]
    if not matching:
        return None, "not_for_model"
    valid = [(rank, row) for rank, row in matching if row.valid_from is None or row.valid_from <= keys.day]
    if not valid:
        return None, "not_yet_valid"
    best = min(valid, key=lambda pair: (pair[0], -(pair[1].valid_from or datetime.date.min).toordinal()))
    return best[1], ""


def _candidates(keys: OrderKeys) -> QuerySet:
    """The rows that may apply to an order with these keys: its model's, its kind's, all."""
    return LabourOperation.objects.filter(category__in={"", keys.model, keys.kind})


def refusal(code: str, why: str, keys: OrderKeys) -> Invalid:
    """The coded error of `choose`'s reason, for the field operation_code."""
    subject = keys.model or keys.kind or _("this work order")
    if why == "unknown":
        return Invalid(
            _("There is no labour operation %(code)s in the catalogue.") % {"code": code},
            code=errors.UNKNOWN_LABOUR_OPERATION,
            field="operation_code",
        )
    if why == "not_yet_valid":
        return Invalid(
            _("Labour operation %(code)s for %(model)s takes effect after %(day)s, the work order's date.")
            % {"code": code, "model": subject, "day": keys.day.isoformat()},
            code=errors.LABOUR_OPERATION_NOT_YET_VALID,
            field="operation_code",
        )
    return Invalid(
        _("Labour operation %(code)s has no standard hours for %(model)s, nor for all models.")
        % {"code": code, "model": subject},
        code=errors.LABOUR_OPERATION_NOT_FOR_MODEL,
        field="operation_code",
    )


def operation_for(order: WorkOrder, code: str) -> LabourOperation:
    """The catalogue row that sets `code`'s standard hours on `order`, or a coded Invalid."""
    keys = order_keys(order)
    code = (code or "").strip()
    found, why = choose(LabourOperation.objects.filter(code=code), keys)
    if found is None:
        raise refusal(code, why, keys)
    return found


def operations_for(order: WorkOrder) -> list[LabourOperation]:
    """Every operation that has standard hours on `order`, one row per code, by code: the
    choices of the labour forms. One query."""
    keys = order_keys(order)
    rows: dict[str, list] = {}
    for row in _candidates(keys).order_by("code"):
        rows.setdefault(row.code, []).append(row)
    chosen = (choose(found, keys)[0] for found in rows.values())
    return [row for row in chosen if row is not None]


# --- the catalogue page --------------------------------------------------------------------


def catalogue_list(*, q: str = "", category: str | None = None) -> QuerySet:
    """The catalogue for the page, by code then category: `q` searches code and name;
    `category` "" is the rows for all, None every row. The catalogue is the company's price
    list of work, not anyone's personal data: every member of staff reads it."""
    rows = LabourOperation.objects.all()
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if category is not None:
        rows = rows.filter(category=category)
    return rows.order_by("code", "category", "pk")


def catalogue_categories() -> list[str]:
    """The categories in use (models and kinds), for the page's filter."""
    return list(
        LabourOperation.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
