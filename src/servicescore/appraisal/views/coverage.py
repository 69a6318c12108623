"""The scheme coverage page: which active scheme scores each position's people in the
user's scope, and who is left without one (selectors/coverage.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..policy import rights_problem
from ..selectors.coverage import scheme_coverage


@login_required
def coverage(request):
    """Positions × people × schemes, and the people no active scheme scores; 404 for a
    role that does not open the scheme pages."""
    context = scheme_coverage(request.user)
    context["may_install"] = rights_problem(None, request.user) is None
    return render(request, "appraisal/coverage.html", context)
