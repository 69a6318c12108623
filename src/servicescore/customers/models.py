"""Customers and their assets (vehicles, appliances).

Each carries search keys the database computes from what is typed (GeneratedField, so
every write path — the desk, the importer, the demo's COPY — fills them alike): a plate
without separators, a phone's digits and last four, a VIN's last characters reversed.
customers/search.py turns a query into the same spellings and looks them up by index.
"""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Left, Replace, Right, Upper
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import TimeStampedModel
from servicescore.core.phones import mask_phone

# What people put between the parts of a plate or a phone number; the keys leave them out.
PLATE_SEPARATORS = ("·", "•", "・", ".", " ", "-")
PHONE_SEPARATORS = (" ", "-", "+", "(", ")", ".")
# The VIN suffix people read out: the last 6 to 8 characters.
VIN_KEY_LENGTH = 8


def _without(expression, separators):
    for separator in separators:
        expression = Replace(expression, Value(separator))
    return expression


def _reversed_tail(expression, length: int):
    """The last `length` characters, last first (so that a suffix is a prefix of the key,
    which a B-tree index finds). Padded with spaces for shorter values; REVERSE() is not
    portable to SQLite."""
    padded = Concat(Value(" " * length), expression)
    return Concat(*[Left(Right(padded, k), 1) for k in range(1, length + 1)])


PHONE_DIGITS = _without(models.F("phone"), PHONE_SEPARATORS)


class Customer(TimeStampedModel):
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    # Indexed for an exact name or its start; a trigram index (migration 0003, PostgreSQL)
    # finds a part of it.
    name = models.CharField(_("name"), max_length=200, blank=True, db_index=True)
    # Stored whole; shown through mask_phone() to roles that do not need it.
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    # Where survey invitations can go besides an SMS to the phone, and in which language
    # (blank: the company's default, settings.LANGUAGE_CODE).
    email = models.EmailField(_("e-mail"), blank=True, db_default="")
    language = models.CharField(
        _("language"), max_length=10, blank=True, db_default="", choices=settings.LANGUAGES
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone_key = models.GeneratedField(
        expression=PHONE_DIGITS,
        output_field=models.CharField(max_length=32),
        db_persist=True,
        db_index=True,
        verbose_name=_("phone digits"),
    )
    phone_last4 = models.GeneratedField(
        expression=Right(PHONE_DIGITS, 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
        verbose_name=_("last four digits of the phone"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.name or self.external_id or str(self.pk)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Asset(TimeStampedModel):
    class Kind(models.TextChoices):
        VEHICLE = "vehicle", _("Vehicle")
        APPLIANCE = "appliance", _("Appliance")

    # VIN for a vehicle, serial number for an appliance.
    external_id = models.CharField(_("VIN / serial no."), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VEHICLE)
    model = models.CharField(_("model"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    plate = models.CharField(_("licence plate"), max_length=20, blank=True, db_index=True)
    plate_key = models.GeneratedField(
        expression=Upper(_without(models.F("plate"), PLATE_SEPARATORS)),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        db_index=True,
        verbose_name=_("plate without separators"),
    )
    vin_key = models.GeneratedField(
        expression=_reversed_tail(Upper("external_id"), VIN_KEY_LENGTH),
        output_field=models.CharField(max_length=VIN_KEY_LENGTH),
        db_persist=True,
        db_index=True,
        verbose_name=_("last VIN characters, reversed"),
    )
    is_nev = models.BooleanField(_("new-energy vehicle"), default=False)
    battery_type = models.CharField(_("battery type"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self):
        return f"{self.model} {self.external_id}".strip()
