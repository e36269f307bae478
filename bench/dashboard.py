"""Measure the consultant dashboard ("Mon portefeuille") on a large portfolio.

Requests go through Django's test client (the whole view: middleware, queries, template),
signed in as the bench consultant to whom every bilan is assigned (the worst case).
Usage: python bench/dashboard.py [--runs 20] [--slug bench-org]
"""

from __future__ import annotations

import argparse
import statistics
import time

import _setup  # noqa: F401
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from bilan.models import Bilan
from core.tenancy import organisation_scope
from dashboard import portfolio


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int]:
    timings = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slug", default="bench-org")
    args = parser.parse_args()
    user = User.objects.get(email=f"consultant@{args.slug}.test")
    client = Client()
    client.force_login(user)
    with organisation_scope(user.memberships.model.objects.unscoped().get(user=user).organisation):
        count = Bilan.objects.count()
        deep = Bilan.objects.order_by("-started_on", "-created_at", "-pk")[count // 2]
        cursor = portfolio.encode_cursor(deep)
        sample = Bilan.objects.select_related("beneficiary").order_by("pk").first()
    cases = {
        "first page": "/tableau-de-bord/",
        "middle page (keyset cursor)": f"/tableau-de-bord/?apres={cursor}",
        "filter: phase d'investigation": "/tableau-de-bord/?status=investigation",
        "filter: CPF funding": "/tableau-de-bord/?funding=cpf",
        "search: a last name": f"/tableau-de-bord/?q={sample.beneficiary.last_name}",
        "bilan page": f"/bilans/{sample.pk}/",
    }
    print(f"{count} bilans, {args.runs} runs each")
    print("| case | median ms | p95 ms | queries |\n|---|---:|---:|---:|")
    for name, url in cases.items():
        median, p95, queries = measure(client, url, args.runs)
        print(f"| {name} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
