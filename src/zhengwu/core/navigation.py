"""Navigation by role: each app registers its menu entries with the permission they need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perms: tuple[str, ...] = ()


@dataclass
class NavSection:
    key: str
    label: str
    order: int
    items: list[NavItem] = field(default_factory=list)


_SECTIONS: dict[str, NavSection] = {}


def register(section_key: str, section_label: str, order: int, *items: NavItem) -> None:
    """Add menu entries under a section (created on first use)."""
    section = _SECTIONS.setdefault(section_key, NavSection(section_key, section_label, order))
    for item in items:
        if item not in section.items:
            section.items.append(item)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    """Return the sections and entries this user may open, in menu order."""
    result = []
    for section in sorted(_SECTIONS.values(), key=lambda s: s.order):
        entries = []
        for item in section.items:
            if item.perms and not user.has_perms(item.perms):
                continue
            try:
                entries.append({"label": item.label, "url": reverse(item.url_name), "name": item.url_name})
            except NoReverseMatch:
                continue
        if entries:
            result.append({"key": section.key, "label": section.label, "items": entries})
    return result
