"""The one xlsx exporter: xlsxwriter in constant-memory mode, streaming rows from any iterable.

Memory stays flat however many rows there are (rows are written and flushed one at a time). The zip is
finished only on close, so a file is written first and then served; very large exports run as a task.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None
    note: str = ""  # e.g. the definition of the figures, or "个人信息已脱敏"
    text: bool = False  # format every column as text (templates: codes and ID numbers stay as typed)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)


def write_xlsx(target: str | Path | IO[bytes], sheets: Sequence[Sheet]) -> int:
    """Write sheets to ``target``; return the number of data rows written."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    note_fmt = book.add_format({"italic": True, "font_color": "#555555"})
    text_fmt = book.add_format({"num_format": "@"})
    count = 0
    for sheet in sheets:
        ws = book.add_worksheet(sheet.title[:31])
        row = 0
        if sheet.note:
            ws.write(row, 0, sheet.note, note_fmt)
            row += 1
        for col, header in enumerate(sheet.headers):
            ws.write(row, col, header, head)
            width = (
                sheet.widths[col]
                if sheet.widths and col < len(sheet.widths)
                else max(10, len(header) * 2 + 2)
            )
            ws.set_column(col, col, width, text_fmt if sheet.text else None)
        ws.freeze_panes(row + 1, 0)
        row += 1
        for values in sheet.rows:
            for col, value in enumerate(values):
                ws.write(row, col, _cell(value))
            row += 1
            count += 1
    book.close()
    return count


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """Write the workbook to a temporary file and stream it as a download."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    write_xlsx(tmp, sheets)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response = FileResponse(
        tmp,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
