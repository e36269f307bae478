from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The beneficiary's home page (built by the portal issue)."""
    return render(request, "portal/home.html")
