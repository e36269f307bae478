from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The consultant's home: their portfolio of bilans (filled in by the bilan issue)."""
    if request.membership is None:
        return redirect("home")
    return render(request, "bilan/dashboard.html")
