"""Django admin: platform staff see every organisation; an organisation admin only their own.

`TenantAdmin` is the base for every organisation-owned model: its queryset is the organisation
scope (unscoped only for superusers), the organisation field is hidden from organisation admins
and foreign-key choices come from the scope, so another organisation's rows cannot be picked.
"""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts import rules as policy
from accounts import services
from accounts.models import ROLE_RANK, Invitation, Membership, Organisation, Role, User
from core.tenancy import TenantModel, current_organisation, organisation_scope


def is_platform_staff(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


def is_organisation_admin(request: HttpRequest) -> bool:
    """A staff account acting as an admin of the organisation in scope (accounts/rules.py)."""
    user = request.user
    return bool(user.is_active and user.is_staff and policy.is_organisation_admin(user))


def install_admin_site(site: admin.AdminSite) -> None:
    site.site_header = _("Passerelle · administration")
    site.site_title = _("Passerelle")
    site.index_title = _("Administration")
    site.has_permission = lambda request: (
        is_platform_staff(request) or is_organisation_admin(request)
    )
    # Sign in through allauth only: the admin's own login form would skip MFA, the rate
    # limits and email verification.
    if not getattr(site.login, "_passerelle_secured", False):
        site.login = secure_admin_login(site.login)
        site.login._passerelle_secured = True


class TenantAdmin(admin.ModelAdmin):
    """Base admin for organisation-owned models."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        if is_platform_staff(request):
            qs = self.model.objects.unscoped()
            ordering = self.get_ordering(request)
            return qs.order_by(*ordering) if ordering else qs
        return super().get_queryset(request)

    def _allowed(self, request: HttpRequest) -> bool:
        return is_platform_staff(request) or is_organisation_admin(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    #: Fields whose person joins the organisation through this very row (a membership).
    joining_fields: tuple[str, ...] = ()

    #: False for rows that only the services create (follow-ups, messages, bookings...):
    #: an admin form would skip their rules.
    allow_add = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allow_add and self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request)

    def get_exclude(self, request: HttpRequest, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_platform_staff(request):
            excluded.append("organisation")
        return excluded

    def get_list_display(self, request: HttpRequest):
        columns = list(super().get_list_display(request))
        if is_platform_staff(request) and "organisation" not in columns:
            columns.append("organisation")
        return columns

    def get_list_filter(self, request: HttpRequest):
        filters = list(super().get_list_filter(request))
        if is_platform_staff(request):
            filters.append("organisation")
        return filters

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _limit_choices(self, db_field, request: HttpRequest, kwargs: dict) -> None:
        """A relation's choices: every organisation's rows for platform staff, otherwise the
        current organisation's people and the organisation itself."""
        related = db_field.remote_field.model
        if issubclass(related, TenantModel) and is_platform_staff(request):
            kwargs.setdefault("queryset", related.objects.unscoped())
        elif related is User and not is_platform_staff(request):
            kwargs.setdefault("queryset", users_of_current_organisation())
        elif related is Organisation and not is_platform_staff(request):
            kwargs.setdefault("queryset", own_organisation(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and is_platform_staff(request) and "organisation" not in fields:
            fields.append("organisation")  # a row never moves to another organisation
        return fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        owner = obj.organisation if obj is not None else getattr(request, "organisation", None)
        admin_self = self

        class SameOrganisationForm(form_class):
            """Related rows and people must belong to the row's organisation."""

            def clean(self):
                cleaned = super().clean()
                organisation = cleaned.get("organisation") or owner
                if organisation is not None:
                    checked = {
                        k: v for k, v in cleaned.items() if k not in admin_self.joining_fields
                    }
                    for field, message in foreign_related_rows(organisation, checked).items():
                        self.add_error(field, message)
                return cleaned

            def _post_clean(self):
                # Model validation (unique constraints) reads through the scoped manager:
                # platform staff have no scope, so validate inside the row's organisation.
                organisation = self.cleaned_data.get("organisation") or owner
                if current_organisation() is None and organisation is not None:
                    with organisation_scope(organisation):
                        return super()._post_clean()
                return super()._post_clean()

        return SameOrganisationForm

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not is_platform_staff(request):
            obj.organisation = request.organisation
        super().save_model(request, obj, form, change)


class ReadOnlyTenantAdmin(TenantAdmin):
    """View only, for rows that only the services create and change (follow-ups, messages,
    invitations, shares...): an admin form would skip their rules."""

    allow_add = False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def foreign_related_rows(organisation: Organisation, cleaned: dict) -> dict[str, str]:
    """Fields of a form whose rows (or people) belong to another organisation."""
    errors = {}
    for field, value in cleaned.items():
        values = list(value) if isinstance(value, models.QuerySet | list | tuple) else [value]
        for item in values:
            if isinstance(item, TenantModel) and item.organisation_id != organisation.pk:
                errors[field] = _("Cet élément appartient à une autre organisation.")
            elif isinstance(item, User) and not belongs_to(item, organisation):
                errors[field] = _("Cette personne ne fait pas partie de l'organisation.")
    return errors


def belongs_to(user: User, organisation: Organisation) -> bool:
    """A member, or a beneficiary of the organisation (their portal account)."""
    if Membership.objects.unscoped().filter(user=user, organisation=organisation).exists():
        return True
    beneficiary = getattr(user, "beneficiary_profile", None)
    return beneficiary is not None and beneficiary.organisation_id == organisation.pk


def own_organisation(request: HttpRequest) -> models.QuerySet[Organisation]:
    organisation = getattr(request, "organisation", None)
    return Organisation.objects.filter(pk=organisation.pk if organisation else None)


def users_of_current_organisation() -> models.QuerySet[User]:
    """People who work for the current organisation (scoped through Membership)."""
    return User.objects.filter(pk__in=Membership.objects.values("user_id")).order_by(
        "last_name", "first_name", "email"
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name"]}),
        (
            _("Droits"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        return (
            qs
            if is_platform_staff(request)
            else qs.filter(pk__in=users_of_current_organisation().values("pk"))
        )

    # Organisation admins see their colleagues, read-only: accounts are shared across
    # organisations, so changing one (or its rights) is platform staff's job.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_staff(request) or is_organisation_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_platform_staff(request) or is_organisation_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_staff(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_platform_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_platform_staff(request)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "follow_up_delay_months", "require_mfa"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        if is_platform_staff(request):
            return qs
        organisation = getattr(request, "organisation", None)
        return qs.filter(pk=organisation.pk) if organisation else qs.none()

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if is_platform_staff(request) else ["slug"]

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        return self.prepopulated_fields if is_platform_staff(request) else {}

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_platform_staff(request) or is_organisation_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_platform_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_platform_staff(request)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_role(self):
        role = self.cleaned_data["role"]
        own = getattr(self.request, "membership", None)
        if self.request and not is_platform_staff(self.request):
            if own is None or ROLE_RANK[Role(role)] > ROLE_RANK[Role(own.role)]:
                raise ValidationError(_("Vous ne pouvez pas attribuer un rôle supérieur au vôtre."))
            if self.instance.pk == own.pk and role != own.role:
                raise ValidationError(_("Vous ne pouvez pas modifier votre propre rôle."))
        return role


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    joining_fields = ("user",)
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "organisation"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if is_platform_staff(request):
            return super().get_form(request, obj, change, **kwargs)
        form_class = MembershipForm

        class RequestMembershipForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestMembershipForm

    def get_fields(self, request: HttpRequest, obj=None):
        return super().get_fields(request, obj) if is_platform_staff(request) else ["role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Organisation admins bring people in by invitation, never by picking an account.
        return is_platform_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        own = getattr(request, "membership", None)
        if obj is not None and own is not None and obj.pk == own.pk:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.role == Role.ADMIN and not obj.user.is_staff:
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])


class InvitationForm(forms.ModelForm):
    """Checks the invitation with the request's user, so that bad input is a form error."""

    request: HttpRequest | None = None  # set per request by InvitationAdmin.get_form

    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding is False or self.request is None:
            return cleaned
        if is_platform_staff(self.request):
            organisation = cleaned.get("organisation")
        else:
            organisation = getattr(self.request, "organisation", None)
        email, role = cleaned.get("email"), cleaned.get("role")
        if organisation is None or not email or not role:
            return cleaned  # the missing field already has its error
        try:
            cleaned["email"] = services.check_can_invite(
                organisation, email, role, self.request.user
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from None
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    list_display = ["email", "role", "created_at", "expires_at", "used_at", "invited_by"]
    list_filter = ["role"]
    search_fields = ["email"]
    list_select_related = ["invited_by", "organisation"]
    form = InvitationForm

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ["email", "role"] + (["organisation"] if is_platform_staff(request) else [])
        return ["email", "role", "invited_by", "created_at", "expires_at", "used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None and is_platform_staff(request):
            kwargs["fields"] = ["email", "role", "organisation"]
        form_class = super().get_form(request, obj, change, **kwargs)
        return type(form_class.__name__, (form_class,), {"request": request})

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            return
        organisation = obj.organisation if is_platform_staff(request) else request.organisation
        try:
            sent = services.invite_member(organisation, obj.email, obj.role, request.user)
        except (PermissionDenied, ValidationError) as error:
            # Checked in the form's clean(); only a concurrent change gets here.
            obj._invitation_failed = True
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return
        form.instance = sent.invitation
        obj.pk = sent.invitation.pk
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": obj.email})

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if not getattr(form.instance, "_invitation_failed", False):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request: HttpRequest, obj, message):
        if getattr(obj, "_invitation_failed", False):
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request: HttpRequest, obj, post_url_continue=None):
        if getattr(obj, "_invitation_failed", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)
