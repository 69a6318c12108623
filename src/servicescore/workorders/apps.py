from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "servicescore.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self):
        from django.db.models import Q

        from servicescore.core.export_jobs import register_exporter
        from servicescore.core.history import register_history_labels
        from servicescore.core.hooks import answer
        from servicescore.core.navigation import register_nav
        from servicescore.core.sections import register_entries, register_section

        from . import home, policy, profile, views
        from .models import WorkOrder
        from .scope import visible_work_orders
        from .views import CHANGE_LABELS, EVENT_LABELS

        # core/admin.py asks how a row reaches the scope through a work order
        answer(
            "scope.work_orders_q",
            lambda user, lookup="": Q(
                **{f"{lookup}__in" if lookup else "pk__in": visible_work_orders(user).values("pk")}
            ),
        )
        answer(
            "scope.work_order_of_q",
            lambda user, lookup: Q(
                pk__in=visible_work_orders(user).filter(**{f"{lookup}__isnull": False}).values(lookup)
            ),
        )

        register_nav(
            "mine",
            label=_("My work orders"),
            url_name="workorders:mine",
            visible=policy.may_use_mine,
            order=100,
            active=("workorders:mine", "workorders:mine_detail"),
            group="work",
        )
        register_nav(
            "work_orders",
            label=_("Work orders"),
            url_name="workorders:list",
            visible=policy.may_list_work_orders,
            order=200,
            active=("workorders:*",),
            group="work",
        )
        register_nav(
            "board",
            label=_("Dispatch board"),
            url_name="workorders:board",
            visible=policy.may_use_board,
            order=300,
            active=("workorders:board", "workorders:board_assign"),
            group="work",
        )
        register_section(
            "home",
            "my_orders",
            template="workorders/_home_mine.html",
            context=home.my_open_orders_section,
            order=100,
        )
        register_section(
            "home",
            "my_warranty",
            template="workorders/_home_my_warranty.html",
            context=home.my_warranty_section,
            order=120,
        )
        register_section(
            "home",
            "overview",
            template="workorders/_home_overview.html",
            context=home.overview_section,
            order=200,
        )
        register_section(
            "profile",
            "work_history",
            template="workorders/_work_history.html",
            context=profile.work_history_section,
            order=100,
        )
        register_entries("profile_timeline", "work_orders", profile.completed_orders_timeline)
        # The audit history of an order in the timeline's words (its page and /audit/).
        register_history_labels(WorkOrder, actions=EVENT_LABELS, changes=CHANGE_LABELS)
        # The list's Excel export, written in the background (core/export_jobs.py).
        register_exporter(
            views.EXPORT_KIND,
            label=lambda: str(_("Export of work orders")),
            build=views.build_export,
            source_url=views.export_source_url,
            may_start=policy.may_list_work_orders,
        )
