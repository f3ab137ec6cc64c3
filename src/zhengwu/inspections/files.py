"""Attachments of rectifications: which files are accepted, checked by extension, size and content.

The extension alone proves nothing, so the first bytes must match the type (PDF, JPEG, PNG) and an Office file
must be a zip holding the parts Word or Excel write. Stored names are random; the original name is kept apart.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from zhengwu.core.exceptions import InvalidInput

ALLOWED_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx")
_SIGNATURES = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
}
# The part every Word / Excel file has: tells a real .docx/.xlsx from any zip renamed.
_OFFICE_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def max_upload_bytes() -> int:
    return int(getattr(settings, "ZHENGWU_RECTIFY_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def accepted_types_text() -> str:
    return "PDF、JPG、PNG、Word(.docx)、Excel(.xlsx)"


def _head(file: IO[bytes], size: int) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def validate_attachment(upload: UploadedFile) -> str:
    """Check an uploaded file; return its lower-case extension or raise ``InvalidInput`` (field ``file``)."""
    name = PurePath(upload.name or "").name
    ext = PurePath(name).suffix.lower()
    limit = max_upload_bytes()

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, errors={"file": [message]})

    if ext not in ALLOWED_EXTENSIONS:
        raise refuse(f"文件类型不支持，请上传 {accepted_types_text()} 文件。")
    if not upload.size:
        raise refuse("文件为空。")
    if upload.size > limit:
        raise refuse(f"文件过大：不能超过 {limit // (1024 * 1024)} MB。")
    if not _head(upload, 8).startswith(_SIGNATURES[ext]):
        raise refuse(f"文件内容与扩展名 {ext} 不符，请上传真实的 {ext[1:].upper()} 文件。")
    if ext in _OFFICE_PART:
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                ok = _OFFICE_PART[ext] in archive.namelist()
        except zipfile.BadZipFile:
            ok = False
        finally:
            upload.seek(0)
        if not ok:
            raise refuse(f"文件不是有效的 {ext[1:].upper()} 文档。")
    return ext


def stored_name(ext: str) -> str:
    """A random file name (the original one may hold anything; it is kept in ``original_name``)."""
    return f"{uuid.uuid4().hex}{ext}"


def original_name(upload: UploadedFile) -> str:
    return PurePath(upload.name or "").name[:200]
