"""Where to look at what an import wrote: a link to the page that lists it.

The pages' own filters are used as they are: one work order by its external id (the list's
search); several by the import run, exactly (`?imported=<request id>`: the orders with an
audit entry the run wrote, workorders.selectors.imported_q), or, for a run outside any
request, by the span of their `created_at` days (and their centre when there is one); a
period of facts; the catalogue; the people list. The link only leads to pages the user may
open; each page asks the scope itself.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.audit import current_request_id
from servicescore.core.periods import company_zone
from servicescore.org.models import OrgUnit

WORK_ORDER_KINDS = ("work_orders", "labour_lines", "survey_responses", "followups", "complaints")


def _url(name: str, query: dict | None = None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _work_orders(report) -> str | None:
    extent = report.extent
    orders = extent.values.get("work_order_external_id", set())
    if report.kind != "work_orders":
        if len(orders) == 1:
            return _url("workorders:list", {"q": next(iter(orders))})
        return None
    if len(extent.keys) == 1:
        return _url("workorders:list", {"q": extent.keys[0]})
    run = current_request_id()  # the request that ran the import wrote its entries under it
    if run:
        return _url("workorders:list", {"imported": run})
    if extent.first_created is None:
        return None
    zone = company_zone()
    query = {
        "created_from": extent.first_created.astimezone(zone).date().isoformat(),
        "created_to": extent.last_created.astimezone(zone).date().isoformat(),
    }
    centres = extent.values.get("service_center", set())
    if len(centres) == 1:
        unit = OrgUnit.objects.filter(code=next(iter(centres))).values_list("pk", flat=True).first()
        if unit is not None:
            query["service_center"] = unit
    return _url("workorders:list", query)


def imported_link(report) -> dict | None:
    """{"url", "label"} of the page showing what `report`'s import wrote, or None."""
    if not report.ok or report.dry_run or not (report.created or report.updated or report.unchanged):
        return None
    kind = report.kind
    if kind in WORK_ORDER_KINDS:
        url = _work_orders(report)
        label = _("Open the imported work orders") if kind == "work_orders" else _("Open the work order")
    elif kind == "metric_facts":
        periods = report.extent.values.get("period", set())
        query = {"period": next(iter(periods))} if len(periods) == 1 else {}
        indicators = report.extent.values.get("indicator", set())
        if len(indicators) == 1:
            query["indicator"] = next(iter(indicators))
        url, label = _url("indicators:facts", query), _("Open the imported facts")
    elif kind == "labour_operations":
        url, label = _url("workorders:labour_operations"), _("Open the labour-operation catalogue")
    elif kind in ("employees", "org_units"):
        query = {"q": report.extent.keys[0]} if kind == "employees" and len(report.extent.keys) == 1 else {}
        url, label = _url("org:list", query), _("Open the people list")
    else:
        return None
    return {"url": url, "label": label} if url else None
