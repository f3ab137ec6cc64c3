"""The catalogue's use of the one search module (core.search): what an item's search document is."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch

from zhengwu.catalog.models import GuideMaterial, Item

KIND = "catalog.item"


def document(item: Item) -> tuple[str, str]:
    """Title = the item's name; body = department, conditions, materials, basis and result of the published guide."""
    guide = item.current_guide
    parts = [item.department.name]
    if guide is not None:
        parts += [
            guide.conditions,
            "；".join(m.name for m in guide.materials.all()),
            guide.result_name,
            guide.legal_basis,
        ]
    return item.name, "\n".join(p for p in parts if p)


def items_for_index(ids: Iterable[int] | None = None):  # noqa: ANN201 - QuerySet[Item]
    qs = (
        Item.objects.published()
        .select_related("department", "current_guide")
        .prefetch_related(
            Prefetch("current_guide__materials", queryset=GuideMaterial.objects.order_by("order", "id"))
        )
    )
    return qs.filter(pk__in=list(ids)) if ids is not None else qs


def index_items(ids: Iterable[int]) -> None:
    """Refresh the search entries of some items: published ones are (re)indexed, the others removed."""
    from zhengwu.core import search

    ids = list(ids)
    items = list(items_for_index(ids))
    search.index(KIND, items)
    gone = set(ids) - {i.pk for i in items}
    if gone:
        search.remove(KIND, sorted(gone))
