"""The dispatch board and the technician's phone pages (placeholders until they land)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def dispatch_board(request):
    raise Http404


@login_required
def board_assign(request, pk):
    raise Http404


@login_required
def my_work_orders(request):
    raise Http404


@login_required
def my_work_order(request, pk):
    raise Http404
