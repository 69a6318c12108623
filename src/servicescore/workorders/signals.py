"""What work orders tell the apps above them (conventions.md: a lower app never imports a
higher one). Sent inside the transition's transaction, after its audit entry: a receiver
that fails rolls the transition back, so keep receivers to writes in the same database and
schedule anything slow with `transaction.on_commit`.

- `work_order_closed(sender=WorkOrder, order=…, by=…)`: completed → closed (voice queues
  the survey invitation and the follow-up call).
- `work_order_cancelled(sender=WorkOrder, order=…, by=…)`: cancelled (voice withdraws
  what it queued for the order).
- `work_orders_closed_by_import(sender=WorkOrder, order_ids=[…], by=…)`: an import closed
  these orders (created them closed, or closed them). Sent once per import, after its
  transaction commits (never for a dry run); voice invites the customers who can still
  answer (not a historical back-fill).
"""

from django.dispatch import Signal

work_order_closed = Signal()
work_order_cancelled = Signal()
work_orders_closed_by_import = Signal()
