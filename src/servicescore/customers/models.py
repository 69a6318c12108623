"""Customers and their assets (vehicles, appliances)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicescore.core.models import TimeStampedModel
from servicescore.core.phones import mask_phone


class Customer(TimeStampedModel):
    external_id = models.CharField(_("external id"), max_length=100, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Stored whole; shown through mask_phone() to roles that do not need it.
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

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
    is_nev = models.BooleanField(_("new-energy vehicle"), default=False)
    battery_type = models.CharField(_("battery type"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self):
        return f"{self.model} {self.external_id}".strip()
