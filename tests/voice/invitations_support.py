"""Work orders for the survey-invitation tests (tests/voice/test_invitations_*.py): a
completed order of SC1 with its lifecycle times, its customer reachable or not, closed
through the workorders service (which sends work_order_closed)."""

import datetime

from django.utils import timezone

from servicescore.workorders import services as workorders

from ..factories import CustomerFactory, WorkOrderFactory


def completed_order(network, *, phone="13812341234", email="", language="", centre=None, hours_ago=6):
    start = timezone.now() - datetime.timedelta(hours=hours_ago)
    customer = CustomerFactory(phone=phone, email=email, language=language)
    return WorkOrderFactory(
        service_center=centre or network.sc1,
        customer=customer,
        technician=network.tech,
        advisor=network.advisor,
        state="completed",
        resolution="fixed",
        created_at=start,
        dispatched_at=start + datetime.timedelta(minutes=10),
        accepted_at=start + datetime.timedelta(minutes=20),
        started_at=start + datetime.timedelta(minutes=30),
        completed_at=start + datetime.timedelta(minutes=90),
    )


def closed_order(network, *, at=None, **customer):
    order = completed_order(network, **customer)
    at = at or timezone.now()
    return workorders.close(order, by=network.advisor.user, at=at)
