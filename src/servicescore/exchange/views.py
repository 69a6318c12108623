from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from servicescore.core.roles import IMPORT_ROLES


@login_required
def upload(request):
    """Import upload page (built out in the exchange work)."""
    if request.user.effective_role not in IMPORT_ROLES:
        raise Http404
    return render(request, "exchange/upload.html", {})
