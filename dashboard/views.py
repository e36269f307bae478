"""The consultant's overview pages, which read both bilan and suivi: the portfolio and the
Suivis overview. Thin: the queries are in dashboard/portfolio.py and suivi's services."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.decorators import member_required
from accounts.rules import is_organisation_admin
from dashboard import portfolio
from dashboard.forms import PortfolioFilterForm
from suivi import services as suivi_services


def portfolio_page(request: HttpRequest) -> HttpResponse:
    """Mon portefeuille: the bilans a member works on, with what needs attention."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.membership is None:
        return redirect("home")
    form = PortfolioFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = portfolio.apply_filters(
        portfolio.portfolio_queryset(request.user),
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        funding=filters.get("funding", ""),
    )
    page = portfolio.paginate(
        qs, after=request.GET.get("apres", ""), before=request.GET.get("avant", "")
    )
    query = request.GET.copy()
    for key in ("apres", "avant"):
        query.pop(key, None)
    is_admin = is_organisation_admin(request.user)
    page_rows = portfolio.rows_for(page, request.organisation)
    if is_admin:
        portfolio.attach_consultants(page_rows)
    context = {
        "is_admin": is_admin,
        "waiting": [] if request.htmx else portfolio.beneficiaries_without_bilan(request.user),
        "form": form,
        "page": page,
        "rows": page_rows,
        "filtered": any(filters.get(k) for k in ("q", "status", "funding")),
        "base_query": query.urlencode(),
    }
    template = "dashboard/_portfolio.html" if request.htmx else "dashboard/portfolio.html"
    return render(request, template, context)


@member_required
def followups_overview(request: HttpRequest) -> HttpResponse:
    """Suivis: the follow-ups a member works on, grouped by what they need next."""
    context = {**suivi_services.overview(request.user), "today": timezone.localdate()}
    return render(request, "dashboard/followups.html", context)
