import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .forms import LoginForm


@login_required
def home(request):
    """A home page per role: my open work orders, my units' counts, or the company's."""
    return render(request, "core/home.html", selectors.home_summary(request.user))


class LoginView(auth_views.LoginView):
    """Django's log-in view with the styled form; a signed-in user goes straight home."""

    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request, original_response=None, credentials=None):
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) when a user name + IP is locked out:
    a page that says, in the user's language, how long until they may try again."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        "retry_minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/lockout.html", context, status=429)
