import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from .client_ip import client_ip
from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from .rate_limits import count_hit
from .sections import render_sections


@login_required
def home(request):
    """A home page per role, assembled from the sections the apps register (core/sections.py):
    my open work orders, my units' counts, or the company's."""
    sections = render_sections("home", request, now=timezone.now())
    return render(request, "core/home.html", {"sections": sections})


class LoginView(auth_views.LoginView):
    """Django's log-in view with the styled form; a signed-in user goes straight home."""

    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every logged-in user changes their own password here, proven by the old one."""

    form_class = PasswordChangeForm
    template_name = "registration/password/change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password/change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail. The answer is the same whether or not an account has
    that address; one client address may ask PASSWORD_RESET_LIMIT_PER_HOUR times an hour, so
    that the page cannot be used to flood someone's mailbox."""

    form_class = PasswordResetForm
    template_name = "registration/password/reset.html"
    email_template_name = "registration/password/reset_email.txt"
    subject_template_name = "registration/password/reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        hits, retry_seconds = count_hit(f"password-reset:{client_ip(self.request)}", window_seconds=3600)
        if hits > settings.PASSWORD_RESET_LIMIT_PER_HOUR:
            form.add_error(
                None,
                _("Too many reset requests from this address. Try again in %(minutes)d minutes.")
                % {"minutes": math.ceil(retry_seconds / 60)},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.extra_email_context = {"valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password/reset_sent.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link: a new password, once, while the link is valid."""

    form_class = SetPasswordForm
    template_name = "registration/password/reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password/reset_complete.html"


def lockout(request, original_response=None, credentials=None):
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) when a user name + address, or a whole
    address (core/login_throttle.py), is locked out: a page that says which, and, in the user's
    language, how long until they may try again."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    address_locked = getattr(request, "axes_address_locked", False)
    context = {
        "retry_minutes": minutes,
        "address_locked": address_locked,
        "failure_limit": settings.AXES_IP_FAILURE_LIMIT if address_locked else settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/lockout.html", context, status=429)
