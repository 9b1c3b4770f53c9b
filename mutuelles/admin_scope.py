"""Writes in the admin are scoped like reads (STYLE rule 27).

Scoping `get_queryset` hides another mutuelle's objects from the lists and the change pages, but a
form can still name them: a foreign-key select lists every row, a raw-id field shows the label of any
id typed into it, and a forged POST can carry any id. `ScopedWritesMixin`, mixed into every admin
and inline of the portal, closes that side door in one place:

- every foreign-key and many-to-many choice of a scoped model is the user's scope (selects, raw-id
  fields, inlines), and an id outside it is refused with a French error naming the field;
- a raw-id field shows a label only for an object in the scope (typing an id reveals nothing);
- on save, delete and inline save the scope is checked again: every scoped foreign key of the
  object must be in the user's scope, and so must the object itself, before and after the write.
  A refusal raises PermissionDenied inside the admin's transaction, so nothing is written.

The scope of each model is one selector (`*_visible_to(user=...)`), registered once by the app that
owns it (`register_scope`, called from the app's admin module). This module imports no other app:
it sits in the lowest layer so that every app's admin can use it.
"""
from collections.abc import Callable, Iterable

from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet

Scope = Callable[..., QuerySet]

_SCOPES: dict[type[models.Model], Scope] = {}

MSG_CHOICE_OUT_OF_SCOPE = ("{field} : ce choix n'existe pas ou n'est pas de votre ressort (votre mutuelle ou "
                           "votre organisme). Choisissez-en un de votre périmètre.")
MSG_WRITE_OUT_OF_SCOPE = ("{what} : cet enregistrement n'est pas de votre ressort (votre mutuelle ou votre "
                          "organisme). Rien n'a été enregistré.")


def register_scope(model: type[models.Model], visible_to: Scope) -> None:
    """Declare the selector that says which rows of `model` a user may see, choose and write."""
    _SCOPES[model] = visible_to


def scoped_models() -> frozenset[type[models.Model]]:
    return frozenset(_SCOPES)


def visible_to(model: type[models.Model], *, user) -> QuerySet | None:
    """The rows of `model` in the user's scope, or None if the model has no scope (reference data)."""
    scope = _SCOPES.get(model)
    return None if scope is None else scope(user=user)


def _is_visible(model: type[models.Model], pk, *, user) -> bool:
    scoped = visible_to(model, user=user)
    return scoped is None or scoped.filter(pk=pk).exists()


def _refuse(label) -> PermissionDenied:
    return PermissionDenied(MSG_WRITE_OUT_OF_SCOPE.format(what=str(label).capitalize()))


def check_foreign_keys_in_scope(obj: models.Model, *, user) -> None:
    """Every scoped foreign key of `obj` points into the user's scope, or PermissionDenied."""
    for field in obj._meta.concrete_fields:
        if not field.is_relation or field.related_model not in _SCOPES:
            continue
        value = getattr(obj, field.attname)
        if value is not None and not _is_visible(field.related_model, value, user=user):
            raise _refuse(field.verbose_name)


def check_object_in_scope(obj: models.Model, *, user) -> None:
    """`obj` (saved) is in the user's scope, or PermissionDenied."""
    if obj.pk is not None and not _is_visible(type(obj), obj.pk, user=user):
        raise _refuse(obj._meta.verbose_name)


def check_queryset_in_scope(queryset: QuerySet, *, user) -> None:
    scoped = visible_to(queryset.model, user=user)
    if scoped is not None and queryset.exclude(pk__in=scoped.values("pk")).exists():
        raise _refuse(queryset.model._meta.verbose_name_plural)


class ScopedRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw-id field that names only objects of the user's scope: an id typed or forged that is
    outside it shows no label (Django's widget would show the name of whatever row the id is)."""

    def __init__(self, rel, admin_site, *, queryset: QuerySet, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            in_scope = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value) if in_scope else ("", "")


class ScopedWritesMixin:
    """Mixed into a ModelAdmin or an InlineModelAdmin (before it in the bases)."""

    def _scoped_choices(self, db_field, request, kwargs: dict) -> QuerySet | None:
        scoped = visible_to(db_field.related_model, user=request.user)
        if scoped is None:
            return None
        if kwargs.get("using"):
            scoped = scoped.using(kwargs["using"])
        if "queryset" in kwargs:  # an admin that narrows the choices further keeps its narrowing
            scoped = kwargs["queryset"].filter(pk__in=scoped.values("pk"))
        kwargs["queryset"] = scoped
        kwargs["error_messages"] = {
            **kwargs.get("error_messages", {}),
            "invalid_choice": MSG_CHOICE_OUT_OF_SCOPE.format(field=str(db_field.verbose_name).capitalize()),
            "invalid_pk_value": MSG_CHOICE_OUT_OF_SCOPE.format(field=str(db_field.verbose_name).capitalize()),
        }
        return scoped

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped = self._scoped_choices(db_field, request, kwargs)
        if scoped is not None and "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(db_field.remote_field, self.admin_site, queryset=scoped,
                                                 using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- the scope checked again on every write (the admin's view runs in one transaction) ---
    def save_model(self, request, obj, form, change):
        user = request.user
        if change:
            check_object_in_scope(obj, user=user)  # the row as it is in the database
        check_foreign_keys_in_scope(obj, user=user)
        super().save_model(request, obj, form, change)
        check_object_in_scope(obj, user=user)  # and as it is now: a write cannot move it out

    def save_formset(self, request, form, formset, change):
        user = request.user
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance.pk is not None and (inline_form.has_changed() or inline_form in formset.deleted_forms):
                check_object_in_scope(instance, user=user)
            if inline_form.has_changed():
                check_foreign_keys_in_scope(instance, user=user)
        super().save_formset(request, form, formset, change)
        for instance in _saved(formset):
            check_object_in_scope(instance, user=user)

    def delete_model(self, request, obj):
        check_object_in_scope(obj, user=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        check_queryset_in_scope(queryset, user=request.user)
        super().delete_queryset(request, queryset)


def _saved(formset) -> Iterable[models.Model]:
    yield from getattr(formset, "new_objects", [])
    yield from (instance for instance, _ in getattr(formset, "changed_objects", []))
