"""work_orders and labour_lines."""

import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicescore.core.audit import audit_bulk, diff, snapshot
from servicescore.core.bulk import fast_insert
from servicescore.customers.models import Asset, Customer
from servicescore.customers.policy import may_change_master_data
from servicescore.org.models import Employee, OrgUnit
from servicescore.workorders.customers import CUSTOMER_FIELDS, visible_asset_ids, visible_customer_ids
from servicescore.workorders.models import (
    Channel,
    LabourLine,
    Priority,
    Resolution,
    State,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderType,
)
from servicescore.workorders.services import (
    lifecycle_errors,
    sla_deadlines,
    sla_policy_map,
    state_from_timestamps,
)
from servicescore.workorders.signals import work_orders_closed_by_import

from .. import cells
from ..cells import format_decimal, format_timestamp
from .base import (
    WRITE_BATCH,
    Column,
    Context,
    Kind,
    Row,
    audit_written,
    batched,
    choice_column,
    same,
    upsert,
)

TIMESTAMPS = [
    "created_at",
    "first_response_at",
    "dispatched_at",
    "accepted_at",
    "started_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
    "due_at",
]
REWRITE_NAME_REFUSED = gettext_noop(
    "customer %(id)s is on file with another name; only HR or an administrator may change a "
    "customer's name or phone (leave the cell empty to keep the one on file)"
)
REWRITE_PHONE_REFUSED = gettext_noop(
    "customer %(id)s is on file with another phone number; only HR or an administrator may change "
    "a customer's name or phone (leave the cell empty to keep the one on file)"
)
# The asset fields a work_orders row can set (the importer reads only these).
IMPORTED_ASSET_FIELDS = ("model", "customer")
# A VIN: 17 characters, no I, O or Q. Anything else is an appliance's serial number.
VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def _hours(value):
    return cells.decimal(value, minimum=0, places=2, digits=7)


def _money(value):
    return cells.decimal(value, places=2, digits=12)


class WorkOrders(Kind):
    name = "work_orders"
    columns = [
        Column("external_id", lambda v: cells.text(v, 100), required=True),
        Column("service_center", required=True),
        choice_column("type", WorkOrderType, required=True),
        choice_column("priority", Priority),
        choice_column("channel", Channel),
        Column("customer_external_id", lambda v: cells.text(v, 100)),
        Column("customer_name", lambda v: cells.text(v, 200)),
        Column("customer_phone", lambda v: cells.text(v, 32)),
        Column("asset_external_id", lambda v: cells.text(v, 100)),
        Column("asset_model", lambda v: cells.text(v, 200)),
        Column("created_at", cells.timestamp, required=True),
        Column("first_response_at", cells.timestamp),
        Column("dispatched_at", cells.timestamp),
        Column("accepted_at", cells.timestamp),
        Column("started_at", cells.timestamp),
        Column("completed_at", cells.timestamp),
        Column("closed_at", cells.timestamp),
        Column("cancelled_at", cells.timestamp),
        Column("due_at", cells.timestamp),
        Column("technician"),
        Column("advisor"),
        Column("dispatcher"),
        Column(
            "difficulty", lambda v: cells.decimal(v, exclusive_minimum=0, places=2, digits=5), numeric=True
        ),
        Column("standard_hours", _hours, numeric=True),
        Column("clocked_hours", _hours, numeric=True),
        Column("labor_amount", _money, numeric=True),
        Column("parts_cost", _money, numeric=True),
        Column("travel_cost", _money, numeric=True),
        choice_column("resolution", Resolution),
        Column("visits", lambda v: cells.integer(v, minimum=1, maximum=32767), numeric=True),
        Column("rework_of", lambda v: cells.text(v, 100)),
    ]
    FIELDS = [
        "service_center_id",
        "type",
        "priority",
        "channel",
        "customer_id",
        "asset_id",
        "state",
        *TIMESTAMPS,
        "response_due_at",
        "technician_id",
        "advisor_id",
        "dispatcher_id",
        "difficulty",
        "labor_amount",
        "parts_cost",
        "travel_cost",
        "resolution",
        "visits",
        "rework_of_id",
    ]

    def prepare(self, context: Context) -> None:
        self.policies = sla_policy_map()
        self.pending_rework: list[tuple[int, str, str]] = []
        self.unchanged_keys: set[str] = set()
        # The orders the import closed (created closed or closed now), for voice's invitations.
        self.closed_ids: list[int] = []

    def check(self, rows: list[Row], context: Context) -> None:
        for row in rows:
            unit = context.unit(row, "service_center")
            if unit is not None and unit[1] != OrgUnit.Kind.SERVICE_CENTER:
                context.error(
                    row.number,
                    "service_center",
                    _("%(code)s is a %(kind)s, not a service centre")
                    % {
                        "code": row.get("service_center"),
                        "kind": OrgUnit.Kind(unit[1]).label,
                    },
                )
                row.bad = True
            row.unit = unit
            row.people = {c: context.employee_id(row, c) for c in ("technician", "advisor", "dispatcher")}
            for field, message in lifecycle_errors({f: row.get(f) for f in TIMESTAMPS}):
                context.error(row.number, field, message)
                row.bad = True
            if row.get("due_at") and row.get("created_at") and row.get("due_at") < row.get("created_at"):
                context.error(row.number, "due_at", _("due_at is earlier than created_at"))
                row.bad = True
            row.state = state_from_timestamps(row.values)
            if row.state in (State.COMPLETED, State.CLOSED) and row.get("technician") is None:
                context.error(row.number, "technician", _("a completed work order needs a technician"))
                row.bad = True
            if (row.get("standard_hours") is not None or row.get("clocked_hours") is not None) and row.get(
                "technician"
            ) is None:
                column = "standard_hours" if row.get("standard_hours") is not None else "clocked_hours"
                context.error(row.number, column, _("hours need the technician who worked them"))
                row.bad = True
            if row.get("rework_of") is not None and row.get("rework_of") == row.get("external_id"):
                context.error(row.number, "rework_of", _("a work order cannot be a comeback of itself"))
                row.bad = True
        # Work orders stored outside the user's scope cannot be overwritten from here.
        if context.user is not None:
            keys = [row.get("external_id") for row in rows if not row.bad]
            visible = context.work_order_ids(keys)
            hidden = set()
            for batch in batched(keys):
                hidden.update(
                    WorkOrder.objects.filter(external_id__in=batch)
                    .exclude(external_id__in=list(visible))
                    .values_list("external_id", flat=True)
                )
            for row in rows:
                if row.get("external_id") in hidden:
                    context.error(
                        row.number,
                        "external_id",
                        _("work order %(id)s belongs to a service centre outside your scope")
                        % {"id": row.get("external_id")},
                    )
                    row.bad = True
        self._check_customers(rows, context)
        self._check_assets(rows, context)

    def _check_customers(self, rows: list[Row], context: Context) -> None:
        """The rules of workorders/customers.py, per row: a customer id stored but not visible to
        the importing user is refused (the message names nothing of that customer), and only
        policy.MASTER_DATA_ROLES overwrite a stored name or phone."""
        keys = sorted({row.get("customer_external_id") for row in rows if row.get("customer_external_id")})
        if not keys:
            return
        stored = {}
        for batch in batched(keys):
            for pk, key, name, phone in Customer.objects.filter(external_id__in=batch).values_list(
                "pk", "external_id", "name", "phone"
            ):
                stored[key] = (pk, name, phone)
        if context.scope.everything:
            visible = {pk for pk, _name, _phone in stored.values()}
        else:
            visible = visible_customer_ids(context.user, [pk for pk, _name, _phone in stored.values()])
        may_rewrite = may_change_master_data(context.user)
        for row in rows:
            key = row.get("customer_external_id")
            if key not in stored:
                continue
            pk, name, phone = stored[key]
            if pk not in visible:
                context.error(
                    row.number,
                    "customer_external_id",
                    _(
                        "no customer with id %(id)s is visible to you; leave the cell empty to file "
                        "the customer by name and phone"
                    )
                    % {"id": key},
                )
                row.bad = True
                continue
            if may_rewrite:
                continue
            for column, on_file, message in (
                ("customer_name", name, REWRITE_NAME_REFUSED),
                ("customer_phone", phone, REWRITE_PHONE_REFUSED),
            ):
                given = row.get(column)
                if given and on_file and given != on_file:
                    context.error(row.number, column, _(message) % {"id": key})
                    row.bad = True

    def _check_assets(self, rows: list[Row], context: Context) -> None:
        """A VIN / serial no. stored but not visible to the importing user is refused."""
        if context.scope.everything:
            return
        keys = sorted({row.get("asset_external_id") for row in rows if row.get("asset_external_id")})
        stored = {}
        for batch in batched(keys):
            stored.update(Asset.objects.filter(external_id__in=batch).values_list("external_id", "pk"))
        visible = visible_asset_ids(context.user, stored.values())
        for row in rows:
            key = row.get("asset_external_id")
            if key in stored and stored[key] not in visible:
                context.error(
                    row.number,
                    "asset_external_id",
                    _("no vehicle or appliance with VIN / serial no. %(id)s is visible to you") % {"id": key},
                )
                row.bad = True

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        customers, customer_changed = self._customers(rows, context)
        assets, asset_changed = self._assets(rows, customers, context)
        rework_targets = context.work_order_ids(r.get("rework_of") for r in rows if r.get("rework_of"))
        wanted = {}
        for row in rows:
            v = row.values
            response_due, due = sla_deadlines(
                v["type"], v.get("priority", Priority.NORMAL), v["created_at"], self.policies
            )
            rework_id = None
            if v.get("rework_of"):
                rework_id = rework_targets.get(v["rework_of"])
                if rework_id is None:
                    self.pending_rework.append((row.number, v["external_id"], v["rework_of"]))
            wanted[v["external_id"]] = {
                "service_center_id": row.unit[0],
                "type": v["type"],
                "priority": v.get("priority", Priority.NORMAL),
                "channel": v.get("channel", ""),
                "customer_id": customers.get(row.number),
                "asset_id": assets.get(row.number),
                "state": row.state,
                **{f: v.get(f) for f in TIMESTAMPS},
                "due_at": v.get("due_at") or due,
                "response_due_at": response_due,
                "technician_id": row.people["technician"],
                "advisor_id": row.people["advisor"],
                "dispatcher_id": row.people["dispatcher"],
                "difficulty": v.get("difficulty", Decimal("1.00")),
                "labor_amount": v.get("labor_amount"),
                "parts_cost": v.get("parts_cost"),
                "travel_cost": v.get("travel_cost"),
                "resolution": v.get("resolution", ""),
                "visits": v.get("visits", 1),
                "rework_of_id": rework_id,
            }
        stored = {}
        created, updated, unchanged, pks = upsert(
            WorkOrder, "external_id", wanted, self.FIELDS, now=context.now, stored_out=stored
        )
        self.closed_ids += [
            pks[key]
            for key in (*created, *updated)
            if wanted[key]["state"] == State.CLOSED and stored.get(key, {}).get("state") != State.CLOSED
        ]
        # One entry per order created or changed, as the other kinds write (and the link
        # after an import finds the run's orders by them, exchange/links.py).
        audit_written(
            WorkOrder,
            context,
            created=[(pks[key], {"external_id": key, **wanted[key]}) for key in created],
            updated=[(pks[key], stored[key], {"external_id": key, **wanted[key]}) for key in updated],
        )
        changed = set(created) | set(updated)
        changed |= self._labour(rows, pks, context)
        # A row whose customer or vehicle record changed is an update too.
        for row in rows:
            key = row.get("external_id")
            if key not in changed and (row.number in customer_changed or row.number in asset_changed):
                changed.add(key)
        updated_count = len(changed) - len(created)
        unchanged_count = len(rows) - len(changed)
        self.unchanged_keys |= {row.get("external_id") for row in rows} - changed
        self._events(rows, pks, changed, set(created), context)
        return len(created), updated_count, unchanged_count

    def _customers(self, rows: list[Row], context: Context) -> tuple[dict[int, int], set[int]]:
        """Find or create the customers the rows name; {row number: customer id}."""
        by_external = {}
        anonymous = {}
        for row in rows:
            if row.get("customer_external_id"):
                by_external.setdefault(row.get("customer_external_id"), row)
            elif row.get("customer_name") or row.get("customer_phone"):
                anonymous.setdefault((row.get("customer_name", ""), row.get("customer_phone", "")), row)
        changed_rows: set[int] = set()
        stored = {}
        for batch in batched(list(by_external)):
            for c in Customer.objects.filter(external_id__in=batch).only(
                "pk", "external_id", "name", "phone"
            ):
                stored[c.external_id] = c
        new, dirty, before = [], [], {}
        for key, row in by_external.items():
            customer = stored.get(key)
            name, phone = row.get("customer_name"), row.get("customer_phone")
            if customer is None:
                customer = Customer(external_id=key, name=name or "", phone=phone or "")
                new.append(customer)
                stored[key] = customer
            elif (name and name != customer.name) or (phone and phone != customer.phone):
                # check() refused the rows that may not change what is on file.
                before[customer.pk] = snapshot(customer, CUSTOMER_FIELDS)
                customer.name, customer.phone = name or customer.name, phone or customer.phone
                customer.modified = context.now
                dirty.append(customer)
                changed_rows.add(row.number)
        anon_stored = {}
        phones = sorted({phone for _name, phone in anonymous})
        for batch in batched(phones):
            found = list(Customer.objects.filter(external_id__isnull=True, phone__in=batch).order_by("pk"))
            if not context.scope.everything:
                # A name and phone known only elsewhere file a new customer: linking it would
                # show the other centre's record (and whether it has that number).
                visible = visible_customer_ids(context.user, [c.pk for c in found])
                found = [c for c in found if c.pk in visible]
            for c in found:
                anon_stored.setdefault((c.name, c.phone), c)
        for key in anonymous:
            if key not in anon_stored:
                customer = Customer(name=key[0], phone=key[1])
                new.append(customer)
                anon_stored[key] = customer
        Customer.objects.bulk_create(new, batch_size=WRITE_BATCH)
        Customer.objects.bulk_update(dirty, ["name", "phone", "modified"], batch_size=WRITE_BATCH)
        self._audit(context, "create", new, lambda c: diff({}, snapshot(c, CUSTOMER_FIELDS)))
        self._audit(context, "update", dirty, lambda c: diff(before[c.pk], snapshot(c, CUSTOMER_FIELDS)))
        result = {}
        for row in rows:
            if row.get("customer_external_id"):
                result[row.number] = stored[row.get("customer_external_id")].pk
            elif row.get("customer_name") or row.get("customer_phone"):
                result[row.number] = anon_stored[
                    (row.get("customer_name", ""), row.get("customer_phone", ""))
                ].pk
        return result, changed_rows

    def _assets(self, rows, customers, context) -> tuple[dict[int, int], set[int]]:
        """Find or create the vehicles and appliances the rows name; {row number: asset id}."""
        first = {}
        for row in rows:
            if row.get("asset_external_id"):
                first.setdefault(row.get("asset_external_id"), row)
        stored = {}
        for batch in batched(list(first)):
            for a in Asset.objects.filter(external_id__in=batch).only(
                "pk", "external_id", "model", "customer_id"
            ):
                stored[a.external_id] = a
        new, dirty, changed_rows, before = [], [], set(), {}
        for key, row in first.items():
            asset = stored.get(key)
            model, owner = row.get("asset_model"), customers.get(row.number)
            if asset is None:
                kind = Asset.Kind.VEHICLE if VIN_RE.fullmatch(key.upper()) else Asset.Kind.APPLIANCE
                asset = Asset(external_id=key, kind=kind, model=model or "", customer_id=owner)
                new.append(asset)
                stored[key] = asset
            elif (model and model != asset.model) or (owner and asset.customer_id is None):
                before[asset.pk] = snapshot(asset, IMPORTED_ASSET_FIELDS)
                asset.model = model or asset.model
                asset.customer_id = asset.customer_id or owner
                asset.modified = context.now
                dirty.append(asset)
                changed_rows.add(row.number)
        Asset.objects.bulk_create(new, batch_size=WRITE_BATCH)
        Asset.objects.bulk_update(dirty, ["model", "customer_id", "modified"], batch_size=WRITE_BATCH)
        created_fields = ("external_id", "kind", *IMPORTED_ASSET_FIELDS)
        self._audit(context, "create", new, lambda a: diff({}, snapshot(a, created_fields)))
        self._audit(
            context, "update", dirty, lambda a: diff(before[a.pk], snapshot(a, IMPORTED_ASSET_FIELDS))
        )
        return {
            row.number: stored[row.get("asset_external_id")].pk
            for row in rows
            if row.get("asset_external_id")
        }, changed_rows

    @staticmethod
    def _audit(context: Context, action: str, records: list, changes_of) -> None:
        """One audit entry per customer or asset the import created or changed."""
        if records:
            audit_bulk(
                actor=context.user,
                action=action,
                objects=records,
                changes_of=changes_of,
                reason=context.source_label,
                channel="import",
            )

    def _labour(self, rows: list[Row], pks: dict, context: Context) -> set[str]:
        """Replace the single labour line of rows that give hours; returns the changed keys."""
        wanted = {}
        for row in rows:
            std, clocked = row.get("standard_hours"), row.get("clocked_hours")
            if std is None and clocked is None:
                continue
            wanted[pks[row.get("external_id")]] = (
                row.people["technician"],
                std or Decimal("0"),
                clocked or Decimal("0"),
                row.get("external_id"),
            )
        if not wanted:
            return set()
        stored: dict[int, list] = {}
        for batch in batched(list(wanted)):
            for line in LabourLine.objects.filter(work_order_id__in=batch).values_list(
                "work_order_id", "technician_id", "standard_hours", "clocked_hours"
            ):
                stored.setdefault(line[0], []).append(line[1:])
        replace, changed = [], set()
        for order_id, (tech, std, clocked, key) in wanted.items():
            lines = stored.get(order_id, [])
            if (
                len(lines) == 1
                and lines[0][0] == tech
                and same(lines[0][1], std)
                and same(lines[0][2], clocked)
            ):
                continue
            replace.append(order_id)
            changed.add(key)
        for batch in batched(replace):
            LabourLine.objects.filter(work_order_id__in=batch).delete()
        fast_insert(
            LabourLine,
            [
                {
                    "work_order_id": o,
                    "technician_id": wanted[o][0],
                    "standard_hours": wanted[o][1],
                    "clocked_hours": wanted[o][2],
                }
                for o in replace
            ],
        )
        self._audit_labour(replace, stored, wanted, context)
        return changed

    def _audit_labour(self, replaced: list[int], stored: dict, wanted: dict, context: Context) -> None:
        """One entry per work order whose labour line the import replaced, on the order, as
        the pages write it (workorders.services: action "labour", the line old → new as
        "employee no.: standard/clocked hours"): labour hours are scored."""
        if not replaced:
            return
        people = {wanted[o][0] for o in replaced} | {line[0] for o in replaced for line in stored.get(o, [])}
        numbers = dict(Employee.objects.filter(pk__in=people).values_list("pk", "employee_no"))

        def text(technician, std, clocked):
            return f"{numbers.get(technician, '')}: {Decimal(std):.2f}/{Decimal(clocked):.2f}"

        changes = {
            o: {
                "labour_line": [
                    "; ".join(text(*line) for line in stored.get(o, [])) or None,
                    text(*wanted[o][:3]),
                ]
            }
            for o in replaced
        }
        audit_bulk(
            actor=context.user,
            action="labour",
            objects=[WorkOrder(pk=o, external_id=wanted[o][3]) for o in replaced],
            changes_of=lambda order: changes[order.pk],
            reason=context.source_label,
            channel="import",
        )

    def _events(self, rows, pks, changed, created, context) -> None:
        """One 'import' event per written work order: where its state came from."""
        actor_id = context.user.pk if context.user is not None else None
        created_word, updated_word = _("created"), _("updated")
        events = []
        for row in rows:
            key = row.get("external_id")
            if key not in changed:
                continue
            note = _("%(verb)s from %(file)s, row %(row)d") % {
                "verb": created_word if key in created else updated_word,
                "file": context.source_label or "import",
                "row": row.number,
            }
            events.append(
                {
                    "work_order_id": pks[key],
                    "action": "import",
                    "from_state": "",
                    "to_state": str(row.state),
                    "actor_id": actor_id,
                    "at": context.now,
                    "note": note,
                }
            )
        fast_insert(WorkOrderEvent, events)

    def finish(self, context: Context) -> int:
        """Settle comebacks whose original came later in the file, and tell the apps above
        which orders the import closed once it commits (never for a dry run, whose
        transaction is rolled back: its on_commit callbacks are dropped)."""
        if self.closed_ids:
            ids, by = list(self.closed_ids), context.user
            transaction.on_commit(
                lambda: work_orders_closed_by_import.send(sender=WorkOrder, order_ids=ids, by=by),
                robust=True,
            )
        if not self.pending_rework:
            return 0
        targets = context.work_order_ids(target for _n, _k, target in self.pending_rework)
        sources = context.work_order_ids(key for _n, key, _t in self.pending_rework)
        fixes, moved = [], 0
        for number, key, target in self.pending_rework:
            if target not in targets:
                context.error(number, "rework_of", _("unknown work order %(id)s") % {"id": target})
                continue
            fixes.append(WorkOrder(pk=sources[key], rework_of_id=targets[target], modified=context.now))
            if key in self.unchanged_keys:
                moved += 1
        WorkOrder.objects.bulk_update(fixes, ["rework_of_id", "modified"], batch_size=WRITE_BATCH)
        return moved

    def export(self, org_unit=None):
        orders = WorkOrder.objects.all()
        if org_unit is not None:
            orders = orders.filter(service_center__path__startswith=org_unit.path)
        orders = orders.order_by("pk").values_list(
            "pk",
            "external_id",
            "service_center__code",
            "type",
            "priority",
            "channel",
            "customer__external_id",
            "customer__name",
            "customer__phone",
            "asset__external_id",
            "asset__model",
            *TIMESTAMPS,
            "technician__employee_no",
            "advisor__employee_no",
            "dispatcher__employee_no",
            "difficulty",
            "labor_amount",
            "parts_cost",
            "travel_cost",
            "resolution",
            "visits",
            "rework_of__external_id",
        )
        # Hours are written only for a work order with exactly one labour line, the lead
        # technician's: that is what a work_orders row can express (see import-formats.md).
        buffer = []
        for record in orders.iterator(chunk_size=5000):
            buffer.append(record)
            if len(buffer) >= 5000:
                yield from self._export_rows(buffer)
                buffer = []
        yield from self._export_rows(buffer)

    def _export_rows(self, records):
        lines: dict[int, list] = {}
        for batch in batched([r[0] for r in records]):
            for order_id, tech, std, clocked in LabourLine.objects.filter(
                work_order_id__in=batch
            ).values_list("work_order_id", "technician__employee_no", "standard_hours", "clocked_hours"):
                lines.setdefault(order_id, []).append((tech, std, clocked))
        n = len(TIMESTAMPS)
        for r in records:
            (pk, external_id, centre, type_, priority, channel, c_ext, c_name, c_phone, a_ext, a_model) = r[
                :11
            ]
            stamps = r[11 : 11 + n]
            tech, advisor, dispatcher, difficulty, labor, parts, travel, resolution, visits, rework = r[
                11 + n :
            ]
            own = lines.get(pk, [])
            std = clocked = ""
            if len(own) == 1 and own[0][0] == tech:
                std, clocked = format_decimal(own[0][1]), format_decimal(own[0][2])
            yield [
                external_id,
                centre,
                type_,
                priority,
                channel,
                c_ext or "",
                c_name or "",
                c_phone or "",
                a_ext or "",
                a_model or "",
                *[format_timestamp(s) for s in stamps],
                tech or "",
                advisor or "",
                dispatcher or "",
                format_decimal(difficulty),
                std,
                clocked,
                format_decimal(labor),
                format_decimal(parts),
                format_decimal(travel),
                resolution,
                str(visits),
                rework or "",
            ]


class LabourLines(Kind):
    """Several technicians on one work order. The standard hours come from the catalogue
    when `operation_code` is given (workorders/catalogue.py picks the row for the order's
    model or category on its date); hours given too and different are an override, refused
    unless settings.LABOUR_IMPORT_OVERRIDES is on — or unless the line on file already
    holds that operation with those hours, so that an export imports again unchanged."""

    name = "labour_lines"
    key_label = "work order and technician"
    key_column = "technician"
    columns = [
        Column("work_order_external_id", required=True),
        Column("technician", required=True),
        Column("operation_code", lambda v: cells.text(v, 40)),
        Column("standard_hours", _hours, numeric=True),
        Column("clocked_hours", _hours, required=True, numeric=True),
    ]
    LINE_FIELDS = [
        "standard_hours",
        "clocked_hours",
        "operation_id",
        "standard_source",
        "override_by_id",
        "override_reason",
    ]

    def row_key(self, row):
        if row.get("work_order_external_id") is None or row.get("technician") is None:
            return None
        return (row.get("work_order_external_id"), row.get("technician"))

    def key_text(self, key):
        return f"{key[1]} @ {key[0]}"

    def prepare(self, context):
        self.reset: set[int] = set()

    def check(self, rows, context):
        orders = context.work_order_ids(
            r.get("work_order_external_id") for r in rows if r.get("work_order_external_id")
        )
        for row in rows:
            key = row.get("work_order_external_id")
            row.order_id = orders.get(key) if key else None
            if key and row.order_id is None:
                context.error(
                    row.number, "work_order_external_id", _("unknown work order %(id)s") % {"id": key}
                )
                row.bad = True
            row.tech_id = context.employee_id(row, "technician")
            given = row.get("operation_code") is not None or row.get("standard_hours") is not None
            if not given and not {"operation_code", "standard_hours"} & row.failed:
                context.error(
                    row.number,
                    "standard_hours",
                    _("give the standard hours, or the operation_code whose catalogue hours apply"),
                )
                row.bad = True
        self._check_operations(rows, context)

    def _check_operations(self, rows, context) -> None:
        """Set each row's standard part (hours, operation, source) from the catalogue; a
        fixed number of queries per chunk."""
        from django.conf import settings

        from servicescore.workorders import catalogue
        from servicescore.workorders.models import LabourOperation, StandardSource

        coded = [row for row in rows if row.get("operation_code") is not None and row.order_id]
        for row in rows:
            row.standard = (row.get("standard_hours"), None, StandardSource.ENTERED)
        if not coded:
            return
        order_ids = sorted({row.order_id for row in coded})
        keys = {}
        for batch in batched(order_ids):
            for pk, model, kind, created in WorkOrder.objects.filter(pk__in=batch).values_list(
                "pk", "asset__model", "asset__kind", "created_at"
            ):
                keys[pk] = catalogue.keys_of(model or "", kind or "", created)
        codes = sorted({row.get("operation_code") for row in coded})
        by_code: dict[str, list] = {code: [] for code in codes}
        for operation in LabourOperation.objects.filter(code__in=codes):
            by_code[operation.code].append(operation)
        on_file = {}
        for batch in batched(order_ids):
            for order_id, tech_id, operation_id, hours in LabourLine.objects.filter(
                work_order_id__in=batch
            ).values_list("work_order_id", "technician_id", "operation_id", "standard_hours"):
                on_file[(order_id, tech_id)] = (operation_id, hours)
        overrides = getattr(settings, "LABOUR_IMPORT_OVERRIDES", False)
        for row in coded:
            code, order_keys = row.get("operation_code"), keys[row.order_id]
            operation, why = catalogue.choose(by_code[code], order_keys)
            if operation is None:
                context.error(
                    row.number, "operation_code", catalogue.refusal(code, why, order_keys).messages[0]
                )
                row.bad = True
                continue
            given = row.get("standard_hours")
            if given is None or same(given, operation.standard_hours):
                row.standard = (operation.standard_hours, operation.pk, StandardSource.CATALOGUE)
                continue
            kept = on_file.get((row.order_id, row.tech_id)) == (operation.pk, given)
            if not (overrides or kept):
                context.error(
                    row.number,
                    "standard_hours",
                    _(
                        "%(given)s differs from the catalogue's %(listed)s for %(code)s; leave "
                        "standard_hours empty to take the catalogue's (an override is made on the "
                        "work order's page, with a reason)"
                    )
                    % {
                        "given": f"{given:.2f}",
                        "listed": f"{operation.standard_hours:.2f}",
                        "code": code,
                    },
                )
                row.bad = True
                continue
            row.standard = (given, operation.pk, StandardSource.OVERRIDE)

    def write(self, rows, context):
        from servicescore.workorders.models import StandardSource

        order_ids = sorted({row.order_id for row in rows})
        stored = {}
        for batch in batched(order_ids):
            for line in LabourLine.objects.filter(work_order_id__in=batch).values_list(
                "pk", "work_order_id", "technician_id", *self.LINE_FIELDS
            ):
                stored[(line[1], line[2])] = line
        created = updated = unchanged = 0
        keep = set()
        new, dirty = [], []
        user_id = context.user.pk if context.user is not None else None
        for row in rows:
            key = (row.order_id, row.tech_id)
            std, operation_id, source = row.standard
            old = stored.get(key)
            old_values = dict(zip(self.LINE_FIELDS, old[3:], strict=True)) if old is not None else {}
            override = source == StandardSource.OVERRIDE
            kept_override = (
                override
                and old_values.get("standard_source") == source
                and same(old_values.get("standard_hours"), std)
            )
            values = {
                "standard_hours": std,
                "clocked_hours": row.get("clocked_hours"),
                "operation_id": operation_id,
                "standard_source": source,
                "override_by_id": (old_values["override_by_id"] if kept_override else user_id)
                if override
                else None,
                "override_reason": (
                    (old_values["override_reason"] if kept_override else context.source_label or "import")
                    if override
                    else ""
                ),
            }
            if old is None:
                new.append(LabourLine(work_order_id=row.order_id, technician_id=row.tech_id, **values))
                created += 1
            else:
                keep.add(old[0])
                if all(same(old_values[name], values[name]) for name in self.LINE_FIELDS):
                    unchanged += 1
                else:
                    dirty.append(LabourLine(pk=old[0], **values))
                    updated += 1
        # Lines of a work order not in the file are replaced by the file's lines; an
        # order seen in an earlier chunk has already been cleared.
        fresh = [o for o in order_ids if o not in self.reset]
        stale = [
            line[0] for (order, _tech), line in stored.items() if order in set(fresh) and line[0] not in keep
        ]
        for batch in batched(stale):
            LabourLine.objects.filter(pk__in=batch).delete()
        self.reset.update(fresh)
        LabourLine.objects.bulk_update(dirty, self.LINE_FIELDS, batch_size=WRITE_BATCH)
        LabourLine.objects.bulk_create(new, batch_size=WRITE_BATCH)
        return created, updated, unchanged

    def export(self, org_unit=None):
        lines = LabourLine.objects.all()
        if org_unit is not None:
            lines = lines.filter(work_order__service_center__path__startswith=org_unit.path)
        for order, tech, code, std, clocked in (
            lines.order_by("work_order_id", "pk")
            .values_list(
                "work_order__external_id",
                "technician__employee_no",
                "operation__code",
                "standard_hours",
                "clocked_hours",
            )
            .iterator(chunk_size=5000)
        ):
            yield [order, tech, code or "", format_decimal(std), format_decimal(clocked)]
