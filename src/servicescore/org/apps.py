from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "servicescore.org"
    label = "org"
    verbose_name = _("Service network & people")

    def ready(self):
        from servicescore.core.hooks import answer
        from servicescore.core.navigation import register_nav
        from servicescore.core.sections import register_section

        from . import home, policy, scope

        # core asks org about the data scope (core/admin.py, core/policy.py)
        answer("scope.sees_everything", lambda user: scope.scope_for(user).everything)
        answer("scope.employees_q", lambda user, prefix="": scope.scope_for(user).employees_q(prefix))
        answer("scope.org_units_q", lambda user, prefix="": scope.scope_for(user).org_units_q(prefix))
        answer("scope.has_employee", lambda user: scope.scope_for(user).employee_id is not None)

        register_nav(
            "people",
            label=lambda user: _("People") if policy.may_list_people(user) else _("My profile"),
            url_name=lambda user: "org:list" if policy.may_list_people(user) else "org:me",
            visible=lambda user: True,
            order=400,
            active=("org:*",),
            group="people",
        )
        register_section(
            "home", "unlinked", template="org/_home_unlinked.html", context=home.unlinked_section, order=0
        )
        register_section(
            "home", "people", template="org/_home_people.html", context=home.people_section, order=300
        )
