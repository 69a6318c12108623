"""What work orders tell the apps above them (conventions.md: a lower app never imports a
higher one). Sent inside the transition's transaction, after its audit entry: a receiver
that fails rolls the transition back, so keep receivers to writes in the same database and
schedule anything slow with `transaction.on_commit`.

- `work_order_closed(sender=WorkOrder, order=…, by=…)`: completed → closed (voice queues
  the survey invitation and the follow-up call).
- `work_order_cancelled(sender=WorkOrder, order=…, by=…)`: cancelled (voice withdraws
  what it queued for the order).
"""

from django.dispatch import Signal

work_order_closed = Signal()
work_order_cancelled = Signal()
