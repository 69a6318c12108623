"""Notification channels behind one interface: the in-app inbox, e-mail, and the group
robots of WeCom, DingTalk and Feishu.

    from servicescore.core.notify import notify, notify_targets, Target

    notify(recipients=[user], subject=..., body=..., link="/scores/", kind="review_reminder")
    notify_targets(targets=[Target("dingtalk", url, secret)], subject=..., body=...)

Both write in the caller's transaction and send after it commits, through the Celery task
core.tasks.deliver_task; every delivery is logged (core.models.Delivery) with its state,
attempts and last error. An org unit's robots: servicescore.org.notify.notify_unit.
"""

from .channels import DeliveryFailed
from .services import INBOX, Target, notify, notify_targets

__all__ = ["INBOX", "DeliveryFailed", "Target", "notify", "notify_targets"]
