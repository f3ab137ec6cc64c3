"""One table definition drives the HTML list, its xlsx export and its column headers.

A list view declares its columns once; ``table_page`` renders a page (filter, sort, paginate, htmx partial)
or, with ``?export=xlsx``, streams every filtered row to xlsx through core.exports. Exports are audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.core.audit import audit_log
from zhengwu.core.exports import Sheet, xlsx_response


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Any], Any] | None = None  # default: attribute `key` (dots follow relations)
    sort: str | None = None  # ORM ordering field when sortable
    link: Callable[[Any], str] | None = None
    css: str = ""
    width: int | None = None
    export: bool = True  # False for page-only columns (e.g. a "详情" link)

    def get(self, obj: Any) -> Any:
        if self.value is not None:
            return self.value(obj)
        current = obj
        for part in self.key.split("."):
            current = getattr(current, part, None) if current is not None else None
            if callable(current):
                current = current()
        return current


@dataclass
class Table:
    name: str  # used for the export file name and the audit entry
    columns: Sequence[Column]
    note: str = ""
    default_sort: str = ""
    export_chunk: int = 2000
    row_attrs: Callable[[Any], dict[str, str]] | None = field(default=None)

    def header(self, current_sort: str, params: Any = None) -> list[dict[str, Any]]:
        """Column headers; a sortable one links to the same filters sorted by it (first page)."""
        base = params.copy() if params is not None else None
        if base is not None:
            for key in ("sort", "page", "export"):
                base.pop(key, None)
        out = []
        for col in self.columns:
            entry: dict[str, Any] = {"label": col.label, "key": col.key, "css": col.css}
            if col.sort:
                desc = current_sort == "-" + col.key
                entry["sort_param"] = col.key if desc else "-" + col.key
                entry["sorted"] = "desc" if desc else ("asc" if current_sort == col.key else "")
                entry["aria_sort"] = {"desc": "descending", "asc": "ascending"}.get(entry["sorted"], "none")
                if base is not None:
                    entry["sort_query"] = _with(base, "sort", entry["sort_param"])
            out.append(entry)
        return out

    @property
    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export]

    def cells(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {"value": col.get(obj), "link": col.link(obj) if col.link else "", "css": col.css}
            for col in self.columns
        ]

    def export_rows(self, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
        # iterator(chunk_size) keeps memory flat; prefetch_related still works with a chunk size.
        columns = self.export_columns
        for obj in queryset.iterator(chunk_size=self.export_chunk):
            yield [col.get(obj) for col in columns]

    def apply_sort(self, queryset: QuerySet[Any], sort: str) -> tuple[QuerySet[Any], str]:
        by_key = {c.key: c for c in self.columns if c.sort}
        key = sort.lstrip("-")
        if key in by_key:
            field_name = by_key[key].sort or key
            return queryset.order_by(("-" if sort.startswith("-") else "") + field_name), sort
        return queryset, self.default_sort


def table_page(
    request: HttpRequest,
    *,
    table: Table,
    queryset: QuerySet[Any],
    template: str,
    context: dict[str, Any] | None = None,
    per_page: int = 50,
) -> HttpResponse:
    """Render a list page (or its rows partial for htmx), or export the filtered rows as xlsx."""
    queryset, sort = table.apply_sort(queryset, request.GET.get("sort", ""))
    if request.GET.get("export") == "xlsx":
        audit_log(
            actor=request.user,  # type: ignore[arg-type]
            action="export.xlsx",
            object_type=str(table.name),
            object_repr=f"导出 {table.name}",
            after={"filters": {k: v for k, v in request.GET.items() if k != "export"}},
        )
        columns = table.export_columns
        headers = [str(c.label) for c in columns]
        widths = [c.width or max(10, len(headers[i]) * 2 + 2) for i, c in enumerate(columns)]
        name = str(table.name)
        return xlsx_response(
            name, [Sheet(name, headers, table.export_rows(queryset), widths, str(table.note))]
        )
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    ctx = {
        "table": table,
        "header": table.header(sort, params),
        "rows": [{"obj": obj, "cells": table.cells(obj)} for obj in page.object_list],
        "page": page,
        "query_string": params.urlencode(),
        "export_query": _with(params, "export", "xlsx"),
        **(context or {}),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and htmx.target == "table-rows":
        return render(request, "core/includes/table.html#rows", ctx)
    return render(request, template, ctx)


def _with(params: Any, key: str, value: str) -> str:
    copy = params.copy()
    copy[key] = value
    return copy.urlencode()


def choices_label(choices: Sequence[tuple[Any, str]], value: Any) -> str:
    return str(dict(choices).get(value, value or ""))
