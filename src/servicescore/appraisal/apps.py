from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "servicescore.appraisal"
    label = "appraisal"
    verbose_name = _("Appraisal")

    def ready(self):
        from servicescore.core.history import register_history_labels
        from servicescore.core.navigation import register_nav
        from servicescore.core.sections import register_section
        from servicescore.kpi.models import ComputedPeriod
        from servicescore.kpi.signals import figures_stored, figures_storing

        from . import policy, profile
        from .models import Template, TemplateVersion
        from .services.scorecards import read_before_figures, rescore_after_figures

        # What this app adds to a recompute's audit entry (rescore_after_figures' count).
        register_history_labels(ComputedPeriod, changes={"scorecards": _("scorecards stored")})
        # The audit history of schemes and their versions in words (their pages and /audit/).
        statuses = dict(TemplateVersion.Status.choices)
        register_history_labels(
            Template,
            actions={"install_default": _("installed as a default scheme")},
            changes={"status": _("status")},
            values={"status": statuses},
        )
        register_history_labels(
            TemplateVersion,
            actions={
                "start_draft": _("draft started"),
                "save_draft": _("draft saved"),
                "add_item": _("item added"),
                "remove_item": _("item removed"),
                "discard": _("draft discarded"),
                "activate": _("activated"),
                "retire": _("retired"),
            },
            changes={"item": _("item"), "number": _("version")},
            values={"status": statuses},
        )

        # kpi stores the figures, then this scores them in the same transaction.
        figures_stored.connect(rescore_after_figures, dispatch_uid="appraisal-rescore-after-figures")
        figures_storing.connect(read_before_figures, dispatch_uid="appraisal-read-before-figures")

        register_nav(
            "scores",
            label=_("My scorecard"),
            url_name="kpi:my_scorecard",
            visible=policy.shows_my_scorecard,
            order=500,
            active=("kpi:my_scorecard", "kpi:scorecard", "kpi:evidence"),
            group="performance",
        )
        register_nav(
            "team_scores",
            label=_("Team scores"),
            url_name="kpi:team_scores",
            visible=policy.may_see_team,
            order=600,
            active=("kpi:team_scores",),
            group="performance",
        )
        register_nav(
            "ratings",
            label=_("Ratings"),
            url_name="kpi:ratings",
            visible=policy.may_rate_people,
            order=620,
            active=("kpi:ratings",),
            group="performance",
        )
        # X: the to-do list of the appraisal cycles (views/reviews.py)
        register_nav(
            "cycle_todo",
            label=_("My appraisal tasks"),
            url_name="appraisal:todo",
            visible=policy.shows_cycle_todo,
            order=510,
            active=("appraisal:todo", "appraisal:evaluation"),
            group="performance",
        )
        # W: the appraisal cycles, their progress and stage moves (views/cycles.py)
        from .selectors.cycles import may_open_cycle_pages

        register_nav(
            "cycles",
            label=_("Appraisal cycles"),
            url_name="appraisal:cycles",
            visible=may_open_cycle_pages,
            order=680,
            active=("appraisal:cycles", "appraisal:cycle", "appraisal:cycle_new"),
            group="performance",
        )
        from .services.cycles import cycle_history_labels

        cycle_history_labels()
        # B: the rest of the cycles' audit entries in words (/audit/, the admin's history)
        from .selectors.cycle_changes import cycle_audit_labels

        cycle_audit_labels()
        # The appeals queue for HR and administrators (no query); a cycle's named appeal
        # reviewer reaches the appeals from "My appraisal tasks".
        register_nav(
            "appeals",
            label=_("Appeals"),
            url_name="appraisal:appeals",
            visible=lambda user: policy.allows(user, "decide_appeals"),
            order=690,
            active=("appraisal:appeals", "appraisal:appeal", "appraisal:appeal_stats"),
            group="performance",
        )
        register_nav(
            "templates",
            label=_("Appraisal templates"),
            url_name="kpi_templates:list",
            visible=policy.shows_scheme_pages,
            order=700,
            active=("kpi_templates:*",),
            group="performance",
        )
        register_section(
            "profile",
            "scorecards",
            template="appraisal/_profile_scorecards.html",
            context=profile.scorecards_section,
            order=50,
        )
        # The home page (core): everyone's own score, and the score panel of a lead's,
        # a service manager's or HR's people (appraisal/selectors/home.py).
        from .selectors import home

        register_section(
            "home",
            "my_score",
            template="appraisal/_home_my_score.html",
            context=home.my_score_section,
            order=50,
        )
        register_section(
            "home",
            "score_panel",
            template="appraisal/_home_score_panel.html",
            context=home.score_panel_section,
            order=250,
        )
