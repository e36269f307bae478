"""Filters of the bilan API's lists (query parameters), with the dashboard's search."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters

from api.filters import IsoDateTimeFilter
from bilan.models import (
    Action,
    ActionStatus,
    Beneficiary,
    Bilan,
    BilanStatus,
    EmploymentStatus,
    Funding,
    Meeting,
    MeetingMode,
    Phase,
)


def _search(qs: QuerySet, value: str, prefix: str = "") -> QuerySet:
    """The dashboard's search: the email, or each word in the first or last name."""
    value = value.strip()
    if not value:
        return qs
    condition = Q(**{f"{prefix}email__icontains": value})
    for word in value.split():
        condition |= Q(**{f"{prefix}last_name__icontains": word}) | Q(
            **{f"{prefix}first_name__icontains": word}
        )
    return qs.filter(condition)


class BeneficiaryFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="filter_search", label=gettext_lazy("Nom, prénom ou adresse e-mail")
    )
    employment_status = filters.ChoiceFilter(choices=EmploymentStatus.choices)

    class Meta:
        model = Beneficiary
        fields = ["search", "employment_status"]

    def filter_search(self, qs, name, value):
        return _search(qs, value)


class BilanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=[("open", gettext_lazy("En cours (les trois phases)")), *BilanStatus.choices],
        method="filter_status",
        label=gettext_lazy("État ou phase ; « open » pour les bilans en cours"),
    )
    funding = filters.ChoiceFilter(choices=Funding.choices)
    search = filters.CharFilter(
        method="filter_search", label=gettext_lazy("Nom, prénom ou adresse du bénéficiaire")
    )
    beneficiary = filters.UUIDFilter(field_name="beneficiary_id")
    started_after = filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Bilan
        fields = ["status", "funding", "search", "beneficiary", "started_after", "started_before"]

    def filter_status(self, qs, name, value):
        if value == "open":
            return qs.filter(
                status__in=[
                    BilanStatus.PRELIMINARY,
                    BilanStatus.INVESTIGATION,
                    BilanStatus.CONCLUSION,
                ]
            )
        return qs.filter(status=value)

    def filter_search(self, qs, name, value):
        return _search(qs, value, prefix="beneficiary__")


class MeetingFilter(filters.FilterSet):
    phase = filters.ChoiceFilter(choices=Phase.choices)
    mode = filters.ChoiceFilter(choices=MeetingMode.choices)
    after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Meeting
        fields = ["phase", "mode", "after", "before"]


class ActionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ActionStatus.choices)

    class Meta:
        model = Action
        fields = ["status"]
