"""Work orders, their state machine, events, SLA policies, labour and parts lines."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from servicescore.core.models import TimeStampedModel
from servicescore.core.uploads import ServerChosenName, ViewServedImageField


class WorkOrderType(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    DIAGNOSIS = "diagnosis", _("Fault diagnosis")
    INSPECTION = "inspection", _("Periodic inspection")
    CONSULTATION = "consultation", _("Technical consultation")
    WARRANTY = "warranty", _("Warranty")
    INSTALLATION = "installation", _("Installation")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Priority as a number, urgent first: the list's priority sort (selectors.py) and the index
# that serves it (wo_priority_rank_id) must be this same expression.
PRIORITY_RANK = models.Case(
    models.When(priority="urgent", then=models.Value(0)),
    models.When(priority="high", then=models.Value(1)),
    models.When(priority="normal", then=models.Value(2)),
    default=models.Value(3),
    output_field=models.IntegerField(),
)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    APP = "app", _("App")
    WALK_IN = "walk_in", _("Walk-in")
    ONLINE = "online", _("Online")
    WECOM = "wecom", _("WeCom")


class Resolution(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    NOT_FIXED = "not_fixed", _("Not fixed")
    NO_FAULT_FOUND = "no_fault_found", _("No fault found")


class State(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = [State.NEW, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS]

# The lifecycle timestamps in order; each stage's timestamp sets the state it names.
LIFECYCLE = [
    ("created_at", State.NEW),
    ("dispatched_at", State.DISPATCHED),
    ("accepted_at", State.ACCEPTED),
    ("started_at", State.IN_PROGRESS),
    ("completed_at", State.COMPLETED),
    ("closed_at", State.CLOSED),
]


class SLAPolicy(models.Model):
    """How fast a work order of a type and priority must be answered and finished."""

    type = models.CharField(_("type"), max_length=20, choices=WorkOrderType.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_hours = models.DecimalField(
        _("complete within (hours)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["type", "priority"]
        constraints = [models.UniqueConstraint(fields=["type", "priority"], name="one_sla_per_type_priority")]

    def __str__(self):
        return f"{self.get_type_display()} / {self.get_priority_display()}"


class WorkOrder(ConcurrentTransitionMixin, TimeStampedModel):
    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    service_center = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("service centre"),
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    type = models.CharField(_("type"), max_length=20, choices=WorkOrderType.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    asset = models.ForeignKey(
        "customers.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    description = models.TextField(_("description"), blank=True)

    state = FSMField(_("state"), default=State.NEW, choices=State.choices, db_index=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("first response due at"), null=True, blank=True)

    # No single-column indexes: wo_*_centre below lead with these columns.
    technician = models.ForeignKey(
        "org.Employee",
        verbose_name=_("lead technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_work_orders",
        db_index=False,
    )
    advisor = models.ForeignKey(
        "org.Employee",
        verbose_name=_("service advisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advised_work_orders",
        db_index=False,
    )
    dispatcher = models.ForeignKey(
        "org.Employee",
        verbose_name=_("dispatcher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatched_work_orders",
        db_index=False,
    )
    difficulty = models.DecimalField(
        _("difficulty coefficient"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    labor_amount = models.DecimalField(
        _("labour amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    parts_cost = models.DecimalField(_("parts cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    travel_cost = models.DecimalField(
        _("travel cost"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits"), default=1, validators=[MinValueValidator(1)])
    rework_of = models.ForeignKey(
        "self",
        verbose_name=_("comeback of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="comebacks",
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["technician", "completed_at"], name="wo_tech_completed"),
            models.Index(fields=["advisor", "completed_at"], name="wo_advisor_completed"),
            models.Index(fields=["service_center", "state"], name="wo_center_state"),
            # The list's sorts end with the id, so an index with both serves a page directly,
            # even when many orders share a value (no completion time yet, same due time).
            models.Index(fields=["completed_at", "id"], name="wo_completed_id"),
            models.Index(fields=["due_at", "id"], name="wo_due_id"),
            # workorders/scope.py asks "which orders did these people work at other centres?": with the
            # centre and the id in the index, PostgreSQL answers from the index alone.
            models.Index(fields=["technician", "service_center"], include=["id"], name="wo_tech_centre"),
            models.Index(fields=["advisor", "service_center"], include=["id"], name="wo_advisor_centre"),
            models.Index(
                fields=["dispatcher", "service_center"], include=["id"], name="wo_dispatcher_centre"
            ),
            # The whole company sorted by priority: a page is read from this index, not sorted.
            models.Index(PRIORITY_RANK, models.F("id"), name="wo_priority_rank_id"),
            # The overdue filter ("late": open past due, or completed after it) is counted from
            # this index alone: it holds only open and late-completed orders, with the columns
            # the filter reads.
            models.Index(
                fields=["created_at"],
                include=["due_at", "state", "completed_at"],
                condition=models.Q(state__in=OPEN_STATES) | models.Q(completed_at__gt=models.F("due_at")),
                name="wo_open_or_late_created",
            ),
            # The home page's most overdue open orders, company-wide: read from the open
            # orders only, in due order (the whole table's due index walks a million
            # finished orders first: 0.5 s on the large demo)…
            models.Index(
                fields=["due_at", "id"], condition=models.Q(state__in=OPEN_STATES), name="wo_open_due"
            ),
            # …and its open and overdue orders by centre, from this index alone (15 ms
            # instead of 93 through the state index and the table).
            models.Index(
                fields=["service_center"],
                include=["due_at"],
                condition=models.Q(state__in=OPEN_STATES),
                name="wo_open_centre",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(difficulty__gt=0), name="wo_difficulty_positive"),
            models.CheckConstraint(condition=models.Q(visits__gte=1), name="wo_visits_at_least_one"),
        ]

    def __str__(self):
        return self.external_id

    # The transitions only move the state; services.py sets timestamps, checks the
    # preconditions with specific messages, writes the event and locks the row.
    @transition(field=state, source=State.NEW, target=State.DISPATCHED)
    def dispatch(self):
        pass

    @transition(field=state, source=[State.DISPATCHED, State.ACCEPTED], target=State.DISPATCHED)
    def reassign(self):
        pass

    @transition(field=state, source=State.DISPATCHED, target=State.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.IN_PROGRESS)
    def start(self):
        pass

    @transition(field=state, source=State.IN_PROGRESS, target=State.COMPLETED)
    def complete(self):
        pass

    @transition(field=state, source=State.COMPLETED, target=State.CLOSED)
    def close(self):
        pass

    @transition(field=state, source=State.COMPLETED, target=State.IN_PROGRESS)
    def reopen(self):
        pass

    @transition(field=state, source=OPEN_STATES, target=State.CANCELLED)
    def cancel(self):
        pass

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def version(self) -> str:
        """Changes whenever the row is saved; forms send it back to detect lost updates."""
        return self.modified.isoformat() if self.modified else ""


class WorkOrderEvent(models.Model):
    """One row per transition or check-in: who, when, where, what."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="event_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="event_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.work_order_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class EventPhoto(models.Model):
    event = models.ForeignKey(
        WorkOrderEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos"
    )
    # Stored under a random name with the extension of the detected format, never the
    # uploaded name, and served only by the scope-checked views.event_photo (core/uploads.py).
    image = ViewServedImageField(
        _("photo"),
        upload_to=ServerChosenName("work-orders/%Y/%m/", field="image", accept="image"),
        url_name="workorders:photo",
    )

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")

    def __str__(self):
        return self.image.name


class LabourOperation(TimeStampedModel):
    """One row of the labour-time catalogue (工时定额): the standard hours of an operation for
    a vehicle model or product category, or for all (empty category), from `valid_from` on.
    Which row applies to a work order: workorders/catalogue.py."""

    code = models.CharField(_("operation code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    standard_hours = models.DecimalField(
        _("standard hours"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    # The asset's model (比亚迪 汉 EV) or kind (vehicle, appliance); empty for every asset.
    category = models.CharField(
        _("model or category"),
        max_length=200,
        blank=True,
        help_text=_("A vehicle model or a product category; empty for all."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("labour operation")
        verbose_name_plural = _("labour operations")
        ordering = ["code", "category"]
        constraints = [
            models.UniqueConstraint(fields=["code", "category"], name="one_labour_operation_per_category"),
            models.CheckConstraint(
                condition=models.Q(standard_hours__gt=0), name="labour_operation_hours_positive"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}" + (f" ({self.category})" if self.category else "")


class StandardSource(models.TextChoices):
    """Where a labour line's standard hours came from."""

    CATALOGUE = "catalogue", _("Catalogue")
    ENTERED = "entered", _("Entered")
    OVERRIDE = "override", _("Override")


class LabourLine(models.Model):
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="labour_lines",
    )
    technician = models.ForeignKey(
        "org.Employee",
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="labour_lines",
        db_index=False,  # labour_technician_order covers it
    )
    standard_hours = models.DecimalField(
        _("standard (flagged) hours"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    clocked_hours = models.DecimalField(
        _("clocked hours"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    operation = models.ForeignKey(
        LabourOperation,
        verbose_name=_("labour operation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="labour_lines",
    )
    # db_default too: the demo's raw loader and the importers' COPY leave these columns out.
    standard_source = models.CharField(
        _("standard hours from"),
        max_length=10,
        choices=StandardSource.choices,
        default=StandardSource.ENTERED,
        db_default=StandardSource.ENTERED,
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_reason = models.CharField(
        _("override reason"), max_length=500, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("labour line")
        verbose_name_plural = _("labour lines")
        indexes = [
            models.Index(fields=["technician"], include=["work_order"], name="labour_technician_order")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "technician"], name="one_labour_line_per_technician"
            ),
            models.CheckConstraint(
                condition=models.Q(standard_hours__gte=0, clocked_hours__gte=0),
                name="labour_hours_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.technician_id}: {self.standard_hours}/{self.clocked_hours}"


class PartsLine(models.Model):
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="parts_lines",
    )
    part_no = models.CharField(_("part no."), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("parts line")
        verbose_name_plural = _("parts lines")

    def __str__(self):
        return f"{self.part_no} × {self.quantity}"
