from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def home(request):
    """A home page per role: my open work orders, or my units' counts by state and overdue."""
    return render(request, "core/home.html", selectors.home_summary(request.user))
