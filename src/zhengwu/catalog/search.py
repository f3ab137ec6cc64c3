"""The catalogue's use of the one search module (core.search): what an item's search document is.

Citizens search with the short words they use (社保, 医保, 公积金) while item names use the formal terms
(社会保险, 医疗保障, 住房公积金). Matching stays literal (core.search); instead an item's body carries the
colloquial words its formal terms stand for (``COLLOQUIAL``), so 社保 finds 社会保险 items.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch

from zhengwu.catalog.models import GuideMaterial, Item

KIND = "catalog.item"

# formal term in a name or guide → the short word people type. Extend as the hotline's knowledge base shows.
COLLOQUIAL: dict[str, str] = {
    "社会保险": "社保",
    "社会保障": "社保",
    "医疗保障": "医保",
    "医疗保险": "医保",
    "营业执照": "执照",
    "住房公积金": "公积金",
    "居民身份证": "身份证",
    "机动车驾驶证": "驾照",
    "不动产": "房产证",
    "出入境": "护照",
    "最低生活保障": "低保",
    "新型农村合作医疗": "农合",
}


def colloquial_words(text: str) -> list[str]:
    return sorted({word for formal, word in COLLOQUIAL.items() if formal in text and word not in text})


def document(item: Item) -> tuple[str, str]:
    """Title = the item's name; body = department, conditions, materials, result and basis of the published guide."""
    guide = item.current_guide
    parts = [item.department.name]
    if guide is not None:
        parts += [
            guide.conditions,
            "；".join(m.name for m in guide.materials.all()),
            guide.result_name,
            guide.legal_basis,
        ]
    body = "\n".join(p for p in parts if p)
    words = colloquial_words(f"{item.name}\n{body}")
    if words:
        body += "\n俗称：" + "、".join(words)
    return item.name, body


def items_for_index(ids: Iterable[int] | None = None):  # noqa: ANN201 - QuerySet[Item]
    qs = (
        Item.objects.published()
        .select_related("department", "current_guide")
        .prefetch_related(
            Prefetch("current_guide__materials", queryset=GuideMaterial.objects.order_by("order", "id"))
        )
    )
    return qs.filter(pk__in=list(ids)) if ids is not None else qs


def register() -> None:
    from zhengwu.core import search

    search.register(KIND, model=Item, document=document, queryset=items_for_index)


def index_items(ids: Iterable[int]) -> None:
    """Refresh the search entries of some items: published ones are (re)indexed, the others removed."""
    from zhengwu.core import search

    ids = list(ids)
    items = list(items_for_index(ids))
    search.index(KIND, items)
    gone = set(ids) - {i.pk for i in items}
    if gone:
        search.remove(KIND, sorted(gone))
