"""Building blocks of the back office's lists of people, shared by the registry's, the accords' and
the claims' admins: 404 for what the user may not see, a paginator that never counts a whole table,
and the search of people by number or name, all scoped to the user's mutuelle or organisme."""
import re
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property

from beneficiaries.models import Dependent
from beneficiaries.selectors import insured_visible_to
from mutuelles.admin_scope import ScopedWritesMixin

#: Above this many people matching a name, the search asks for a more precise one.
MAX_PEOPLE_MATCHED = 1000
#: Words of a name search taken into account (each cut between last and first name is tried).
MAX_NAME_WORDS = 4
_HAS_DIGIT = re.compile(r"\d")


class HiddenObjectsAre404:
    """An object outside the user's scope answers 404, as if it did not exist (Django's admin
    would redirect to the index with a message naming the id, which says it exists)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"{opts.verbose_name} introuvable")


class LookAheadPaginator(Paginator):
    """Never counts: it reads the page asked for plus one row, and that row tells whether a next
    page exists. One query per list page whatever the size of the table; the list then says
    "plus de N" instead of a total that would cost a COUNT(*) of millions of rows."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_hint: int = 1):
        super().__init__(object_list, per_page, 0, allow_empty_first_page)
        self.page_hint = max(1, page_hint)

    @cached_property
    def _rows(self) -> list:
        start = (self.page_hint - 1) * self.per_page
        return list(self.object_list[start:start + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return (self.page_hint - 1) * self.per_page + len(self._rows)

    @property
    def is_capped(self) -> bool:
        """More rows exist beyond the page shown (the total is not known)."""
        return len(self._rows) > self.per_page

    @property
    def at_least(self) -> int:
        return self.page_hint * self.per_page

    def page(self, number):
        number = self.validate_number(number)
        if number == self.page_hint:
            return self._get_page(self._rows[:self.per_page], number, self)
        return super().page(number)


class LargeTableAdmin(ScopedWritesMixin, HiddenObjectsAre404, admin.ModelAdmin):
    """Lists of big tables: no count at all (no full count, no facet counts, no page count).
    Writes are scoped like reads (ScopedWritesMixin)."""

    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    paginator = LookAheadPaginator
    list_per_page = 50

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page = int(request.GET.get("p", 1))
        except ValueError:
            page = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page_hint=page)


def name_condition(words: list[str]) -> Q:
    """The words begin the last name, then the first name, or the other way round: "alaoui
    kar", "karim ala", "el amrani karim" (a last name of two words), "fatima zahra". Every
    alternative is a prefix match, served by an index on PostgreSQL (claims migration 0004)."""
    condition = Q()
    for cut in range(1, len(words) + 1):
        head, rest = " ".join(words[:cut]), " ".join(words[cut:])
        for first_field, second_field in (("last_name", "first_name"), ("first_name", "last_name")):
            alternative = Q(**{f"{first_field}__istartswith": head})
            if rest:
                alternative &= Q(**{f"{second_field}__istartswith": rest})
            condition |= alternative
    return condition


@dataclass(frozen=True)
class PeopleMatch:
    insured_ids: list[int]
    dependent_ids: list[int]
    truncated: bool


def matching_people(*, user, term: str) -> PeopleMatch:
    """Insured persons and dependants the user may see that a search term names.

    A term with a digit is a number: exact registration, affiliation or CNIE number (indexed
    lookups). Otherwise each word must begin the last or the first name. The ids are fetched
    first, so that the claims query joins on small lists instead of ORing subqueries.
    """
    term = " ".join(term.split())
    visible = insured_visible_to(user=user)
    if _HAS_DIGIT.search(term):
        people = visible.filter(Q(registration_number=term) | Q(cnie=term.upper()) | Q(affiliation_number=term))
        dependents = Dependent.objects.filter(cnie=term.upper(), insured__in=visible)
    else:
        names = name_condition(term.split()[:MAX_NAME_WORDS])
        people = visible.filter(names)
        dependents = Dependent.objects.filter(names, insured__in=visible)
    insured_ids = list(people.order_by().values_list("pk", flat=True)[:MAX_PEOPLE_MATCHED + 1])
    dependent_ids = list(dependents.order_by().values_list("pk", flat=True)[:MAX_PEOPLE_MATCHED + 1])
    truncated = len(insured_ids) > MAX_PEOPLE_MATCHED or len(dependent_ids) > MAX_PEOPLE_MATCHED
    return PeopleMatch(insured_ids[:MAX_PEOPLE_MATCHED], dependent_ids[:MAX_PEOPLE_MATCHED], truncated)


MSG_SEARCH_TOO_BROAD = (f"Plus de {MAX_PEOPLE_MATCHED} personnes correspondent : seules les {MAX_PEOPLE_MATCHED} "
                        "premières sont prises en compte. Précisez (nom et prénom, n° d'immatriculation ou CNIE).")


def warn_if_truncated(request, match: PeopleMatch) -> None:
    if match.truncated:
        messages.warning(request, MSG_SEARCH_TOO_BROAD)


class ScopedAdmin(LargeTableAdmin):
    """Every list, search, detail page and URL goes through the selector: another mutuelle's
    object answers 404, as if it did not exist. `scope_path` names the path to the Insured."""

    scope_path = ""
    search_help_text = "N° d'immatriculation, n° d'affiliation, CNIE, ou début du nom et du prénom."

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = insured_visible_to(user=request.user)
        if request.user.is_superuser:
            return qs
        if not self.scope_path:
            return qs.filter(pk__in=visible.values("pk"))
        return qs.filter(**{f"{self.scope_path}__in": visible.values("pk")})

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and super().has_module_permission(request)

    def get_list_filter(self, request):
        # an agent's lists hold one mutuelle only: filtering by mutuelle or organisme is noise
        if getattr(request.user, "is_mutuelle_staff", False):
            return [f for f in self.list_filter if f not in ("mutuelle", "fund", "insured__mutuelle")]
        return self.list_filter

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        match = matching_people(user=request.user, term=search_term)
        warn_if_truncated(request, match)
        return queryset.filter(self.people_filter(match)), False

    def people_filter(self, match: PeopleMatch) -> Q:
        path = f"{self.scope_path}__" if self.scope_path else ""
        return Q(**{f"{path}pk__in": match.insured_ids})
