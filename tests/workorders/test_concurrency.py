"""Two dispatchers move the same work order at the same moment: exactly one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from servicescore.workorders import services
from servicescore.workorders.models import WorkOrderEvent

from ..factories import WorkOrderFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatch_lets_exactly_one_through(network):
    order = WorkOrderFactory(service_center=network.sc1)
    barrier = threading.Barrier(2)
    outcomes = []

    def dispatch_to(technician):
        translation.activate("en")  # the active language is per thread
        try:
            barrier.wait()
            services.assign(order, technician=technician, by=network.dispatcher.user)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatch_to, args=(t,)) for t in (network.tech, network.tech_colleague)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "it is now Dispatched" in [o for o in outcomes if o != "ok"][0]
    assert WorkOrderEvent.objects.filter(work_order=order, action="dispatch").count() == 1
