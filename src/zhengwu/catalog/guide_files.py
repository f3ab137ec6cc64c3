"""One published guide as a page context, an xlsx workbook (core.exports) and a PDF (WeasyPrint).

The PDF is the print view's template rendered by WeasyPrint with the site stylesheet (its ``@media print``
rules), so the printed page and the downloaded file are the same document. WeasyPrint only reads the
platform's own static files: nothing is fetched over the network while rendering.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.catalog.choices import FeeMode, HandlingKind, MaterialSource, OnlineDepth, Visits
from zhengwu.catalog.models import GuideMaterial, GuideStep, GuideVersion, Item
from zhengwu.core.exceptions import DomainError
from zhengwu.core.exports import Sheet, xlsx_response

# A phone number inside free text: 0751-5551234, 12345, 13800138000, +86 …; the text around it is kept.
_PHONE_RE = re.compile(r"\+?\d[\d-]{3,}\d")


class PdfUnavailable(DomainError):
    """WeasyPrint or its system libraries (pango) are missing on this server."""

    status_code = 503
    code = "pdf_unavailable"


def phone_parts(text: str) -> list[dict[str, str]]:
    """Split free text into plain segments and phone numbers (with a ``tel:`` target) for the page."""
    parts: list[dict[str, str]] = []
    pos = 0
    for match in _PHONE_RE.finditer(text):
        if match.start() > pos:
            parts.append({"text": text[pos : match.start()], "tel": ""})
        parts.append({"text": match.group(), "tel": re.sub(r"[^\d+]", "", match.group())})
        pos = match.end()
    if pos < len(text):
        parts.append({"text": text[pos:], "tel": ""})
    return parts


def summary(item: Item, guide: GuideVersion) -> str:
    """One line a reader can act on: who handles it, for whom, how long, what it costs, how many visits."""
    parts = [
        _("由%(department)s办理，面向%(object)s")
        % {"department": item.department.name, "object": item.get_service_object_display()}
    ]
    if guide.handling_kind == HandlingKind.IMMEDIATE:
        parts.append(_("即办件，当场办结"))
    elif guide.promised_days is not None:
        parts.append(_("承诺%(n)s个工作日内办结") % {"n": guide.promised_days})
    if guide.fee_mode == FeeMode.FREE:
        parts.append(_("不收费"))
    elif guide.fee_mode == FeeMode.CHARGED:
        parts.append(_("收费"))
    parts.append(str(guide.get_visits_display()))
    if guide.online_depth == OnlineDepth.LEVEL4:
        parts.append(_("可全程网办"))
    return "；".join(parts) + "。"


def guide_context(item: Item) -> dict[str, Any]:
    """Everything the guide page, the print view and the PDF show (item from selectors.public_item_get)."""
    guide = item.current_guide
    assert guide is not None  # noqa: S101 - public_item_get returns published items only
    materials: list[GuideMaterial] = list(guide.materials.all())
    steps: list[GuideStep] = list(guide.steps.all())
    return {
        "item": item,
        "guide": guide,
        "summary": summary(item, guide),
        "materials": materials,
        "shared_materials": sum(m.source == MaterialSource.SHARED for m in materials),
        "material_files": any(m.blank_form or m.sample for m in materials),
        "steps": steps,
        "uncounted_steps": any(not s.counts_in_limit for s in steps),
        "channels": list(item.channels.all()),
        "topics": list(item.topics.all()),
        "consult_phones": phone_parts(guide.consult_phone),
        "complaint_phones": phone_parts(guide.complaint_phone),
        "immediate": guide.handling_kind == HandlingKind.IMMEDIATE,
        "free": guide.fee_mode == FeeMode.FREE,
        "charged": guide.fee_mode == FeeMode.CHARGED,
        "zero_visits": guide.visits == Visits.ZERO,
        "online_full": guide.online_depth == OnlineDepth.LEVEL4,
        "published_on": timezone.localtime(guide.published_at).date() if guide.published_at else None,
        "today": timezone.localdate(),
    }


# --- xlsx ---------------------------------------------------------------------------------------------------


def _label(model: type, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _days(value: int | None) -> str:
    return _("%(n)s个工作日") % {"n": value} if value is not None else ""


def guide_sheets(item: Item) -> list[Sheet]:
    """Three sheets: the guide's elements, its materials and its steps."""
    guide = item.current_guide
    assert guide is not None  # noqa: S101
    published = timezone.localtime(guide.published_at).date() if guide.published_at else None
    g = GuideVersion
    elements: list[tuple[str, Any]] = [
        (_label(Item, "name"), item.name),
        (_label(Item, "impl_code"), item.impl_code),
        (_label(Item, "base_code"), item.base_code),
        (_label(Item, "item_type"), item.get_item_type_display()),
        (_label(Item, "department"), item.department.name),
        (_label(Item, "level"), item.get_level_display()),
        (_label(Item, "service_object"), item.get_service_object_display()),
        (_label(g, "handling_kind"), guide.get_handling_kind_display()),
        (_label(g, "statutory_days"), _days(guide.statutory_days)),
        (
            _label(g, "promised_days"),
            _("即办") if guide.handling_kind == HandlingKind.IMMEDIATE else _days(guide.promised_days),
        ),
        (_label(g, "fee_mode"), guide.get_fee_mode_display()),
        (_label(g, "fee_detail"), guide.fee_detail),
        (_label(g, "conditions"), guide.conditions),
        (_label(g, "legal_basis"), guide.legal_basis),
        (_label(g, "location"), guide.location),
        (_label(g, "hours"), guide.hours),
        (_label(g, "consult_phone"), guide.consult_phone),
        (_label(g, "complaint_phone"), guide.complaint_phone),
        (_label(g, "visits"), guide.get_visits_display()),
        (_label(g, "online_depth"), guide.get_online_depth_display()),
        (_label(g, "online_url"), guide.online_url),
        (_("上线渠道"), "、".join(str(c.get_channel_display()) for c in item.channels.all())),
        (_label(Item, "tongban_scope"), item.get_tongban_scope_display()),
        (_label(Item, "tongban_mode"), item.get_tongban_mode_display() if item.tongban_scope else ""),
        (_label(Item, "one_window"), item.one_window),
        (_label(g, "result_name"), guide.result_name),
        (_label(g, "faq"), guide.faq),
        (_label(g, "number"), _("第%(n)s版") % {"n": guide.number}),
        (_label(g, "published_at"), published),
    ]
    note = _("本指南第%(n)s版，%(date)s发布。") % {"n": guide.number, "date": published or "—"}
    materials = [
        (
            i,
            m.name,
            _("必要") if m.required else _("非必要"),
            m.get_form_display(),
            m.copies,
            m.get_source_display(),
            m.note,
        )
        for i, m in enumerate(guide.materials.all(), start=1)
    ]
    steps = [
        (i, s.name, s.description, s.days, s.is_special, s.counts_in_limit)
        for i, s in enumerate(guide.steps.all(), start=1)
    ]
    m, s = GuideMaterial, GuideStep
    return [
        Sheet(_("办事指南"), [_("要素"), _("内容")], elements, [22, 80], note),
        Sheet(
            _("申请材料"),
            [_label(m, f) for f in ("order", "name", "required", "form", "copies", "source", "note")],
            materials,
            [6, 40, 8, 14, 6, 18, 40],
        ),
        Sheet(
            _("办理流程"),
            [_label(s, f) for f in ("order", "name", "description", "days", "is_special", "counts_in_limit")],
            steps,
            [6, 16, 50, 16, 10, 14],
        ),
    ]


def guide_xlsx_response(item: Item) -> FileResponse:
    return xlsx_response(_("%(name)s-办事指南") % {"name": item.name}, guide_sheets(item))


# --- PDF ----------------------------------------------------------------------------------------------------


def _static_path(url: str) -> Path | None:
    """The local file behind a static URL of this site (collected or in an app's static folder), if any."""
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return None
    name = unquote(path[len(settings.STATIC_URL) :])
    candidates: list[str] = []
    # A remote storage has no path; "../" in a name is refused by both lookups (SuspiciousFileOperation).
    with contextlib.suppress(NotImplementedError, SuspiciousFileOperation, ValueError, OSError):
        candidates.append(staticfiles_storage.path(name))
    with contextlib.suppress(SuspiciousFileOperation, ValueError, OSError):
        found = finders.find(name)
        if isinstance(found, str):
            candidates.append(found)
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serve the site's static files from disk; refuse everything else (no network while rendering)."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            local = _static_path(url)
            if local is None:
                raise ValueError(f"not fetched while rendering a guide: {url}")
            mime = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, local.read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher()


def guide_pdf(item: Item, *, request: HttpRequest) -> bytes:
    """Render the print view of a guide to an A4 PDF."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # the package, or pango/harfbuzz, missing on this server
        raise PdfUnavailable(_("本服务器暂不能生成 PDF，请使用“打印”页面打印或另存为 PDF。")) from exc
    # The site stylesheet is written for browsers too: WeasyPrint's notes on the rules it skips (sticky
    # headers, screen-width media queries) are expected, not problems worth a log line per download.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_to_string(
        "catalog/portal_item_print.html", {**guide_context(item), "for_pdf": True}, request=request
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/"), url_fetcher=_fetcher()).write_pdf()


def guide_pdf_response(item: Item, *, request: HttpRequest) -> HttpResponse:
    guide = item.current_guide
    assert guide is not None  # noqa: S101
    response = HttpResponse(guide_pdf(item, request=request), content_type="application/pdf")
    name = _("%(name)s-办事指南-第%(n)s版") % {"name": item.name, "n": guide.number}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name + '.pdf')}"
    return response
