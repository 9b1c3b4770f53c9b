"""Writes are scoped like reads (STYLE rule 27): every staff role × every add, change, delete,
inline and action form of every admin × an object of another mutuelle → refused, nothing written.

The matrix is generated from the admin registry: a model registered tomorrow is covered without a
line here (tests/admin/scope_world.py must say how to build one of its objects, or the test fails).
"Another mutuelle" is MGEN under the CNSS: neither the MGPAP staff's mutuelle nor the CNOPS
officers' organisme. Each forged form that a role may submit at all is first posted with the
role's own objects (the control), which must be accepted: the refusal then comes from the scope,
not from a payload the admin would refuse anyway.
"""
import html
import itertools
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from claims.admin_forms import FORMS as DECISION_FORMS
from mutuelles.admin_scope import MSG_CHOICE_OUT_OF_SCOPE, ScopedWritesMixin, scoped_models
from mutuelles.models import User
from tests.admin.form_data import change_form_data, inline_prefixes, with_new_inline_row, without_inline_rows
from tests.admin.scope_world import STAFF_ROLES, Side, object_of
from tests.factories.mutuelles import PASSWORD

pytestmark = pytest.mark.django_db

PORTAL_APPS = {"approvals", "beneficiaries", "claims", "payments", "mutuelles", "tariffs", "portal"}
SCOPE_REFUSAL = MSG_CHOICE_OUT_OF_SCOPE.split(" : ", 1)[1].split(".")[0]  # "ce choix n'existe pas ou …"
#: Tables whose rows a write could touch (the sign-in logs and sessions change by signing in).
WATCHED_APPS = PORTAL_APPS | {"admin", "auth", "otp_totp", "otp_static"}
#: Values of the extra parameters of custom admin URLs.
URL_PARAMETERS = {"action": list(DECISION_FORMS)}  # the claim desk's decisions
#: What a confirmation step of an action asks for, filled in as a forger would.
ACTION_CONFIRMATION = {"post": "yes", "confirm": "1", "reason": "saisie forgée", "comment": "saisie forgée"}


def registered_admins() -> list[tuple[type, admin.ModelAdmin]]:
    return [(model, admin.site.get_model_admin(model)) for model in apps.get_models()
            if admin.site.is_registered(model)]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table a write could touch."""
    return {model._meta.label: list(model._base_manager.order_by("pk").values_list())
            for model in apps.get_models() if model._meta.app_label in WATCHED_APPS
            and not model._meta.proxy and model._meta.label != "auth.Permission"}


def scoped_foreign_keys(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model in scoped_models()]


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def fresh_unique_values(model, data: dict, prefix: str = "") -> dict:
    """The same form with new values in the model's unique text fields (an added row needs its own)."""
    changed = dict(data)
    constrained = {name for c in model._meta.constraints for name in getattr(c, "fields", ())}
    for f in model._meta.concrete_fields:
        key = f"{prefix}{f.name}"
        if (f.unique or f.name in constrained) and not f.primary_key and f.get_internal_type() == "CharField" \
                and changed.get(key, [""])[0]:
            changed[key] = [changed[key][0][:-3] + f"{next(_FRESH):03d}"]
    return changed


_FRESH = itertools.count(100)


@dataclass
class Case:
    name: str
    url: str
    data: dict = field(default_factory=dict)
    kind: str = "form"  # "form": refused = 403/404 or the form again; "action": any answer, nothing written
    scope_error: bool = False  # the refusal must be the form naming a choice outside the scope


@dataclass
class Matrix:
    model: type
    model_admin: admin.ModelAdmin
    own: Side
    foreign: Side
    superuser: User
    login: object
    cases_run: int = 0
    controls_run: int = 0
    failures: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def url(self, view: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)

    def form_of(self, obj) -> dict:
        """The change form of `obj` as the superuser's browser would post it back."""
        page = self.login(self.superuser).get(self.url("change", obj.pk))
        assert page.status_code == 200, (self.label, page.status_code)
        return change_form_data(page.content.decode(), self.model._meta.model_name)

    # --- the cases -------------------------------------------------------------------------------
    def cases(self, user, foreign_obj, foreign_form: dict, own_obj) -> list[Case]:
        request = admin_request(user)
        cases = [
            Case("ajout", self.url("add"), fresh_unique_values(self.model, without_inline_rows(foreign_form))),
            Case("modification", self.url("change", foreign_obj.pk), foreign_form),
            Case("suppression", self.url("delete", foreign_obj.pk), {"post": ["yes"]}),
        ]
        for name in self.model_admin.get_actions(admin_request(self.superuser)):
            cases.append(Case(f"action {name}", self.url("changelist"), {
                "action": [name], admin.helpers.ACTION_CHECKBOX_NAME: [str(foreign_obj.pk)], "index": ["0"],
                "to_mutuelle": [str(self.own.mutuelle.pk)], "to_fund": [str(self.own.fund.pk)],
                **{k: [v] for k, v in ACTION_CONFIRMATION.items()}}, kind="action"))
        cases += self.custom_url_cases(foreign_obj)
        if own_obj is None:
            return cases
        own_form = self.form_of(own_obj)
        if self.model_admin.has_add_permission(request):
            own_add = without_inline_rows(own_form)
            for name in scoped_foreign_keys(self.model):
                if name in own_add:
                    forged = {**fresh_unique_values(self.model, own_add), name: [str(self.foreign_pk(name))]}
                    cases.append(Case(f"ajout ({name} d'une autre mutuelle)", self.url("add"), forged,
                                      scope_error=True))
        if self.model_admin.has_change_permission(request, own_obj):
            for name in scoped_foreign_keys(self.model):
                if name in own_form:
                    cases.append(Case(f"modification ({name} d'une autre mutuelle)", self.url("change", own_obj.pk),
                                      {**own_form, name: [str(self.foreign_pk(name))]}, scope_error=True))
            cases += self.inline_cases(request, own_obj, own_form)
        return cases

    def inline_cases(self, request, own_obj, own_form: dict) -> list[Case]:
        cases = []
        for inline in self.model_admin.get_inline_instances(request, own_obj):
            prefix = inline.get_formset(request, own_obj).get_default_prefix()
            if prefix not in inline_prefixes(own_form) or f"{prefix}-0-id" not in own_form:
                continue
            if not inline.has_add_permission(request, own_obj):
                continue
            parent_fk = inline.fk_name or next(f.name for f in inline.model._meta.concrete_fields
                                               if f.is_relation and f.related_model is self.model)
            for name in scoped_foreign_keys(inline.model):
                if name == parent_fk or f"{prefix}-0-{name}" not in own_form:
                    continue
                row = fresh_unique_values(inline.model, own_form, f"{prefix}-0-")
                forged = with_new_inline_row(row, prefix, **{name: str(self.foreign_pk(name, inline.model))})
                cases.append(Case(f"ligne {prefix} ({name} d'une autre mutuelle)", self.url("change", own_obj.pk),
                                  forged, scope_error=True))
        return cases

    def custom_url_cases(self, foreign_obj) -> list[Case]:
        cases = []
        standard = {f"{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"
                    for view in ("changelist", "add", "history", "delete", "change")}
        for pattern in self.model_admin.get_urls():
            converters = getattr(pattern.pattern, "converters", {})
            ids = [name for name in converters if name in {"pk", "object_id"}]
            if not pattern.name or pattern.name in standard or not ids:
                continue
            others = [name for name in converters if name not in ids]
            for values in itertools.product(*(URL_PARAMETERS[name] for name in others)):
                kwargs = {ids[0]: foreign_obj.pk, **dict(zip(others, values, strict=True))}
                cases.append(Case(f"vue {pattern.name} {' '.join(values)}".strip(),
                                  reverse(f"admin:{pattern.name}", kwargs=kwargs),
                                  {**{k: [v] for k, v in ACTION_CONFIRMATION.items()}, "version": ["1"]}))
        return cases

    def foreign_pk(self, name: str, model=None):
        related = (model or self.model)._meta.get_field(name).related_model
        return object_of(self.foreign, related._meta.label).pk

    # --- running them ----------------------------------------------------------------------------
    def run(self, role: str, user) -> None:
        foreign_obj = object_of(self.foreign, self.label)
        assert foreign_obj is not None, self.label
        foreign_form = self.foreign_form(foreign_obj)
        own_obj = self.own_object_if_writable(user)
        for case in self.cases(user, foreign_obj, foreign_form, own_obj):
            self.run_case(role, user, case)
            if case.scope_error:
                self.run_control(role, user, case, own_obj)

    def foreign_form(self, foreign_obj) -> dict:
        page = self.login(self.superuser).get(self.url("change", foreign_obj.pk))
        if page.status_code != 200 or page.streaming:
            return {}
        return change_form_data(page.content.decode(), self.model._meta.model_name)

    def own_object_if_writable(self, user):
        request = admin_request(user)
        if not (self.model_admin.has_add_permission(request) or self.model_admin.has_change_permission(request)):
            return None
        return object_of(self.own, self.label)

    def run_case(self, role: str, user, case: Case) -> None:
        client = self.login(user)  # signing in writes last_login: before the snapshot
        before = snapshot()
        response = client.post(case.url, case.data)
        after = snapshot()
        self.cases_run += 1
        where = (role, self.label, case.name)
        if before != after:
            changed = [label for label in before if before[label] != after[label]]
            self.failures.append((*where, response.status_code, f"écrit dans {changed}"))
            return
        status, content = response.status_code, b"" if response.streaming else response.content
        text = html.unescape(content.decode())
        if case.kind == "action":
            ok = status in {200, 302, 403}
        elif case.scope_error:
            ok = status == 200 and 'class="errornote"' in text and SCOPE_REFUSAL in text
        else:
            ok = status in {403, 404} or (status == 200 and 'class="errornote"' in text)
        if not ok:
            self.failures.append((*where, status, text[:300]))

    def run_control(self, role: str, user, case: Case, own_obj) -> None:
        """The same form with the role's own objects is accepted (and then undone by the next check)."""
        data = dict(case.data)
        for key, value in case.data.items():
            name = key.rsplit("-", 1)[-1]
            if value == [str(self.maybe_foreign(key, name))]:
                data[key] = [str(self.own_pk(key, name))]
        self.controls_run += 1
        response = self.login(user).post(case.url, data)
        if response.status_code != 302:
            text = html.unescape(response.content.decode())
            self.failures.append((role, self.label, f"témoin de « {case.name} »", response.status_code,
                                  text[text.find('class="errornote"'):][:600]))

    def _model_for(self, key: str):
        if "-" not in key:
            return self.model
        prefix = key.rsplit("-", 2)[0]
        request = admin_request(self.superuser)
        for inline in self.model_admin.get_inline_instances(request, None):
            if inline.get_formset(request, None).get_default_prefix() == prefix:
                return inline.model
        return self.model

    def maybe_foreign(self, key: str, name: str):
        model = self._model_for(key)
        if name not in scoped_foreign_keys(model):
            return None
        return self.foreign_pk(name, model)

    def own_pk(self, key: str, name: str):
        related = self._model_for(key)._meta.get_field(name).related_model
        return object_of(self.own, related._meta.label).pk




@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("racine", "racine@example.ma", PASSWORD)


@pytest.mark.parametrize(("model", "model_admin"), registered_admins(), ids=lambda v: getattr(v, "_meta", None)
                         and v._meta.label)
def test_no_staff_role_writes_to_another_mutuelles_objects_through_the_admin(model, model_admin, sides, staff,
                                                                             superuser, login):
    # given
    own, foreign = sides
    matrix = Matrix(model, model_admin, own, foreign, superuser, login)
    # when
    for role, user in staff.items():
        matrix.run(role, user)
    # then
    print(f"\n{matrix.label}: {matrix.cases_run} cas refusés, {matrix.controls_run} témoins acceptés")
    assert matrix.cases_run >= 3 * len(STAFF_ROLES)
    assert not matrix.failures, "\n".join(repr(failure) for failure in matrix.failures)


def test_every_admin_and_inline_of_the_portal_scopes_its_writes():
    # given
    request = admin_request(User(is_superuser=True, is_active=True, is_staff=True))
    # when
    unscoped = [type(model_admin).__name__ for model, model_admin in registered_admins()
                if model._meta.app_label in PORTAL_APPS and not isinstance(model_admin, ScopedWritesMixin)]
    unscoped += [type(inline).__name__ for model, model_admin in registered_admins()
                 if model._meta.app_label in PORTAL_APPS
                 for inline in model_admin.get_inline_instances(request, None)
                 if not isinstance(inline, ScopedWritesMixin)]
    # then
    assert unscoped == []


def test_every_editable_foreign_key_of_the_admin_points_to_a_scoped_model_or_to_reference_data():
    """A new foreign key to people, claims or payments must be given a scope (register_scope)."""
    # given
    request = admin_request(User(is_superuser=True, is_active=True, is_staff=True))
    shared = {"tariffs", "auth", "contenttypes"}  # reference data and Django's own tables
    shared_models = {"approvals.ALDDeclination", "mutuelles.Regime"}  # reference data kept by other apps
    # when
    unscoped = []
    for model, model_admin in registered_admins():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        forms = [(model, model_admin.get_form(request, None))] if writable else []
        forms += [(inline.model, inline.get_formset(request, None).form)
                  for inline in model_admin.get_inline_instances(request, None)
                  if inline.has_add_permission(request, None) or inline.has_change_permission(request, None)]
        for form_model, form in forms:
            for name in form.base_fields:
                try:
                    related = form_model._meta.get_field(name).related_model
                except Exception:  # noqa: S112 — a form field that is not a model field
                    continue
                if related is not None and related not in scoped_models() and related._meta.app_label not in shared \
                        and related._meta.label not in shared_models:
                    unscoped.append(f"{form_model._meta.label}.{name}")
    # then
    assert unscoped == []
