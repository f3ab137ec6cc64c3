"""The one import framework: stream xlsx/csv, validate each row, report errors in Chinese, upsert by natural key.

An ``Importer`` subclass declares its columns (Chinese headers), cleans one row at a time and writes
batches idempotently (insert or update on the natural key). ``run_import`` streams the file, so memory
stays flat however many rows it has, and supports two modes chosen by the user:

- ``atomic``: one transaction; any bad row and nothing is committed (status 有错误，未提交).
- ``valid_only``: each batch commits on its own; bad rows are reported and skipped (status 部分提交).

Re-running the same file yields the same data (upserts), so an interrupted import is simply re-run.
Progress goes to the cache (readable by the web process while the worker holds a transaction) and to the
ImportJob row; the CLI shows a bar, the web a polling progress page.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone

from zhengwu.core.audit import audit_log
from zhengwu.core.choices import ImportMode, ImportStatus
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import ImportJob, ImportRowError, User

MAX_STORED_ERRORS = 5000
SUPPORTED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Field:
    """One column of an import file."""

    key: str
    label: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""

    def names(self) -> set[str]:
        return {_norm_header(n) for n in (self.key, self.label, *self.aliases)}


@dataclass
class RowError(Exception):
    """A problem with one cell (or the row, when column is '')."""

    column: str
    message: str
    value: str = ""


@dataclass
class RowErrors(Exception):
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Outcome:
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    error_rows: int = 0
    errors: list[tuple[int, RowError]] = field(default_factory=list)
    committed: bool = False


class Importer:
    """Base class: subclass per kind, register with ``@register``."""

    kind: ClassVar[str]
    label: ClassVar[str]
    permission: ClassVar[str]
    fields: ClassVar[list[Field]]
    natural_key: ClassVar[str]
    batch_size: ClassVar[int] = 1000
    description: ClassVar[str] = ""

    def __init__(self, actor: User | None):
        self.actor = actor

    def prepare(self) -> None:
        """Load lookups (e.g. known region codes) once before the rows stream by."""

    def clean(self, row: dict[str, str]) -> dict[str, Any]:
        """Return the cleaned row; raise RowError or RowErrors with Chinese messages."""
        raise NotImplementedError  # pragma: no cover - abstract

    def key_of(self, cleaned: dict[str, Any]) -> str:
        return str(cleaned[self.natural_key])

    def write(self, rows: list[dict[str, Any]]) -> tuple[int, int]:
        """Upsert a batch of cleaned rows; return (created, updated)."""
        raise NotImplementedError  # pragma: no cover - abstract


_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    _REGISTRY[cls.kind] = cls
    return cls


def importer_for(kind: str) -> type[Importer]:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise InvalidInput(f"未知的导入类型：{kind}") from None


def importers() -> dict[str, type[Importer]]:
    return dict(_REGISTRY)


# --- Writing ----------------------------------------------------------------------------------------------

# Field classes whose values reach the database unchanged when they already have the exact Python type:
# for these the per-value get_db_prep_save (what makes bulk_create slow) is skipped.
_PLAIN_FIELDS: dict[type[models.Field], frozenset[type]] = {
    **dict.fromkeys(
        (models.CharField, models.TextField, models.SlugField, models.EmailField),
        frozenset({str, type(None)}),
    ),
    **dict.fromkeys(
        (
            models.IntegerField,
            models.SmallIntegerField,
            models.BigIntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.PositiveBigIntegerField,
            models.AutoField,
            models.SmallAutoField,
            models.BigAutoField,
        ),
        frozenset({int, type(None)}),
    ),
}


def _plain_types(f: models.Field) -> frozenset[type]:
    """Return the exact value types that need no conversion for field ``f`` (empty: always convert)."""
    if type(f) is models.ForeignKey:
        f = f.target_field
    return _PLAIN_FIELDS.get(type(f), frozenset())


def _converter(f: models.Field, connection: Any) -> Callable[[Any], Any]:
    """Return get_db_prep_save for ``f``, remembering the last value (a batch often repeats one, e.g. now)."""
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, f.get_db_prep_save(value, connection)
        return last[1]

    return convert


def upsert_rows(
    model: type[models.Model],
    rows: Sequence[Sequence[Any]],
    *,
    columns: Sequence[str],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows`` into ``model``'s table, updating ``update`` where a ``conflict`` key already exists.

    One fixed ``INSERT … ON CONFLICT (…) DO UPDATE SET col = excluded.col`` statement run with
    ``executemany`` (SQLite ≥ 3.24 and PostgreSQL): much cheaper than ``bulk_create(update_conflicts=…)``,
    which builds model instances and compiles SQL for every value. ``columns`` are field names or
    attnames (``region`` or ``region_id``); each row gives their values in that order. A column whose
    values all have the plain Python type (str for text, int for integers and foreign keys, or None) is
    sent as is; any other value goes through the field's ``get_db_prep_save`` like ``bulk_create``.

    Nothing is implicit about timestamps: pass ``auto_now`` columns (``updated_at``) in ``columns`` and
    ``update``, and insert-only ones (``created_at``) in ``columns`` only. Concrete fields left out of
    ``columns`` are inserted with their default (a callable default is called per row, an ``auto_now``
    field gets the time of the call), except those with a ``db_default``, which the database fills in; an
    update never touches them. Duplicate ``conflict`` keys within ``rows`` are the caller's to avoid.
    """
    if not rows:
        return
    opts = model._meta
    fields = [opts.get_field(name) for name in columns]
    for f in fields:
        if not getattr(f, "concrete", False) or f.many_to_many or getattr(f, "generated", False):
            raise ValueError(f"upsert_rows: {model.__name__}.{f.name} is not a writable column")
    given = set(fields)
    defaults: list[models.Field] = [
        f
        for f in opts.concrete_fields
        if f not in given and not f.primary_key and not f.generated and not f.has_db_default()
    ]
    conflict_fields = [opts.get_field(name) for name in conflict]
    update_fields = [opts.get_field(name) for name in update]
    inserted = fields + defaults
    missing = [f.name for f in (*conflict_fields, *update_fields) if f not in inserted]
    if missing or not conflict_fields:
        raise ValueError(f"upsert_rows: conflict/update columns not inserted: {missing or conflict}")
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    table, cols = qn(opts.db_table), ", ".join(qn(f.column) for f in inserted)
    marks, keys = ", ".join(["%s"] * len(inserted)), ", ".join(qn(f.column) for f in conflict_fields)
    action = (
        "DO UPDATE SET " + ", ".join(f"{qn(f.column)} = excluded.{qn(f.column)}" for f in update_fields)
        if update_fields
        else "DO NOTHING"
    )
    # Identifiers come from the model and are quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) {action}"  # noqa: S608

    # Column by column: a type check at C speed decides whether a column needs converting at all.
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    if len(values) != len(fields):
        raise ValueError(f"upsert_rows: rows have {len(values)} values, columns name {len(fields)}")
    for pos, f in enumerate(fields):
        if not set(map(type, values[pos])) <= _plain_types(f):
            values[pos] = list(map(_converter(f, connection), values[pos]))
    now = timezone.now()
    for f in defaults:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now if isinstance(f, models.DateTimeField) else timezone.localdate(now)
            values.append([f.get_db_prep_save(value, connection)] * len(rows))
        elif f.has_default() and callable(f.default):
            values.append([f.get_db_prep_save(f.get_default(), connection) for _ in rows])
        else:
            values.append([f.get_db_prep_save(f.get_default(), connection)] * len(rows))
    params = list(zip(*values, strict=True))
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- Reading files ----------------------------------------------------------------------------------------


def _norm_header(text: str) -> str:
    return "".join(str(text or "").replace("*", "").replace("\u3000", "").split()).lower()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns 12-digit codes into floats
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if hasattr(value, "hour") and not value.hour and not value.minute
            else value.isoformat()
        )
    return str(value).strip()


_ENCODING_SAMPLE = 256 * 1024


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        sample = fh.read(_ENCODING_SAMPLE)
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of a full sample is fine; anything else is not UTF-8
        # (a short file ending in GBK text, e.g. "…,否\r\n", must not be read as UTF-8 with replacements).
        cut = len(sample) == _ENCODING_SAMPLE and exc.start >= len(sample) - 4
        if not cut:
            return "gb18030"  # Excel on Chinese Windows saves CSV as GBK
    return "utf-8-sig"


def count_rows(path: Path) -> int:
    """Return the number of data rows (approximate for xlsx: the sheet's declared dimension)."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # counted before iter_table reads it: same Chinese message, not BadZipFile
            raise InvalidInput("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。") from exc
        try:
            return max(0, (wb.worksheets[0].max_row or 1) - 1)
        finally:
            wb.close()
    lines = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
    return max(0, lines - 1)


def iter_table(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number as the user sees it, cell texts) for every row, header included."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InvalidInput(f"不支持的文件类型 {suffix or '(无扩展名)'}：请上传 .xlsx 或 .csv 文件。")
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InvalidInput("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。") from exc
        try:
            for number, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
                yield number, [_cell_text(v) for v in values]
        finally:
            wb.close()
        return
    with path.open("r", encoding=_detect_encoding(path), newline="", errors="replace") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        for number, values in enumerate(csv.reader(fh, dialect), start=1):
            yield number, [v.strip() for v in values]


def map_header(importer: type[Importer], header: list[str]) -> dict[int, str]:
    """Map column positions to field keys; raise InvalidInput naming any missing required column."""
    lookup = {name: f.key for f in importer.fields for name in f.names()}
    mapping: dict[int, str] = {}
    for pos, text in enumerate(header):
        key = lookup.get(_norm_header(text))
        if key and key not in mapping.values():
            mapping[pos] = key
    missing = [f.label for f in importer.fields if f.required and f.key not in mapping.values()]
    if missing:
        expected = "、".join(f.label for f in importer.fields)
        raise InvalidInput(f"表头缺少必填列：{'、'.join(missing)}。应有的列：{expected}。")
    return mapping


# --- Running ----------------------------------------------------------------------------------------------

ProgressCallback = Callable[[int, int], None]


def _progress_key(job_id: int) -> str:
    return f"zhengwu:import-progress:{job_id}"


def job_progress(job: ImportJob) -> dict[str, int]:
    """Return live progress (cache while running, the row once finished)."""
    data = {"processed": job.processed_rows, "total": job.total_rows, "errors": job.error_rows}
    if not job.is_finished:
        data = cache.get(_progress_key(job.pk)) or data
    total = data["total"]
    percent = 100 if job.is_finished else (int(data["processed"] * 100 / total) if total else 0)
    return {**data, "percent": min(percent, 100)}


class _Rollback(Exception):
    """Raised inside the atomic block to undo an import with errors."""


def run_import(
    importer: Importer,
    path: Path,
    *,
    mode: str = ImportMode.ATOMIC,
    progress: ProgressCallback | None = None,
) -> Outcome:
    """Stream ``path`` through ``importer``; see the module docstring for the two modes."""
    outcome = Outcome(total=count_rows(path))
    rows = iter_table(path)
    header: list[str] | None = None
    for _number, values in rows:
        if any(values):
            header = values
            break
    if header is None:
        raise InvalidInput("文件是空的：没有找到表头行。")
    mapping = map_header(type(importer), header)
    importer.prepare()
    seen = _DigestSet()  # 8-byte digests of the natural keys in one flat array (no row numbers)
    duplicates: dict[int, list[RowError]] = {}  # digest → stored errors awaiting the first row's number
    # The downloaded template (template_bytes) has a help row under the header; a user who fills in the
    # template without deleting it must not have the whole import rejected for it.
    help_row = {key: f.help for f in importer.fields for key in mapping.values() if f.key == key}

    def skipped_help_row() -> None:
        outcome.total = max(0, outcome.total - 1)

    def cleaned_batches() -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for number, raw in _data_rows(rows, mapping, help_row, skipped_help_row):
            outcome.processed += 1
            try:
                cleaned = importer.clean(raw)
                digest = _key_digest(importer, cleaned)
                if not seen.add(digest):
                    # The first row's number is looked up once at the end (see _fill_first_rows).
                    err = RowError("", _duplicate_message(importer, None))
                    if len(outcome.errors) < MAX_STORED_ERRORS:
                        duplicates.setdefault(digest, []).append(err)
                    raise err
            except RowError as err:
                _record(outcome, number, [err])
            except RowErrors as errs:
                _record(outcome, number, errs.errors)
            except ValidationError as exc:
                _record(outcome, number, [RowError("", m) for m in exc.messages])
            else:
                batch.append(cleaned)
            if len(batch) >= importer.batch_size:
                yield batch
                batch = []
            if progress and outcome.processed % 500 == 0:
                progress(outcome.processed, outcome.total)
        if batch:
            yield batch

    if mode == ImportMode.ATOMIC:
        try:
            with transaction.atomic():
                for batch in cleaned_batches():
                    created, updated = importer.write(batch)
                    outcome.created += created
                    outcome.updated += updated
                if outcome.error_rows:
                    raise _Rollback
        except _Rollback:
            outcome.created = outcome.updated = 0
        else:
            outcome.committed = True
    else:
        for batch in cleaned_batches():
            with transaction.atomic():
                created, updated = importer.write(batch)
            outcome.created += created
            outcome.updated += updated
        outcome.committed = True
    if duplicates:
        _fill_first_rows(importer, path, mapping, help_row, duplicates)
    outcome.total = max(outcome.total, outcome.processed)
    if progress:
        progress(outcome.processed, outcome.total)
    return outcome


def _data_rows(
    rows: Iterator[tuple[int, list[str]]],
    mapping: dict[int, str],
    help_row: dict[str, str],
    on_help_row: Callable[[], None] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, raw row by field key) for the non-blank rows after the header.

    A first data row equal to the template's help row is skipped (``on_help_row`` is told).
    """
    first = True
    for number, values in rows:
        if not any(values):
            continue
        raw = {key: (values[pos] if pos < len(values) else "") for pos, key in mapping.items()}
        if first:
            first = False
            if any(help_row.values()) and raw == help_row:
                if on_help_row:
                    on_help_row()
                continue
        yield number, raw


def _key_digest(importer: Importer, cleaned: dict[str, Any]) -> int:
    """Return the 8-byte blake2b digest of a row's natural key as an int (never 0)."""
    digest = int.from_bytes(hashlib.blake2b(importer.key_of(cleaned).encode(), digest_size=8).digest())
    return digest or 1  # 0 marks an empty slot in _DigestSet


def _duplicate_message(importer: Importer, first_row: int | None) -> str:
    where = f"第{first_row}行" if first_row is not None else "前面的行"
    return f"与{where}重复(同一{_key_label(importer)})"


class _DigestSet:
    """A set of non-zero 64-bit digests in one flat ``array('Q')`` (open addressing, linear probing).

    It holds 16–32 bytes a key (the table stays between a quarter and half full), where a ``dict`` of
    int → row number costs about 110, so duplicate detection keeps an import's memory flat.
    """

    __slots__ = ("_mask", "_size", "_table")

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._table = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __contains__(self, digest: int) -> bool:
        table, mask = self._table, self._mask
        i = digest & mask
        while (slot := table[i]) != 0:
            if slot == digest:
                return True
            i = (i + 1) & mask
        return False

    def add(self, digest: int) -> bool:
        """Add a non-zero digest; return False if it was already there."""
        table, mask = self._table, self._mask
        i = digest & mask
        while (slot := table[i]) != 0:
            if slot == digest:
                return False
            i = (i + 1) & mask
        table[i] = digest
        self._size += 1
        if self._size * 2 > len(table):
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        capacity = 2 * len(old)
        table, mask = array("Q", bytes(8 * capacity)), capacity - 1
        for digest in old:
            if digest:
                i = digest & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = digest
        self._table, self._mask = table, mask


def _fill_first_rows(
    importer: Importer,
    path: Path,
    mapping: dict[int, str],
    help_row: dict[str, str],
    duplicates: dict[int, list[RowError]],
) -> None:
    """Name the first row of each duplicated key in its errors, reading the file once more.

    Only files with duplicates pay for this second pass, and it stops at the last first occurrence.
    The first occurrence is the first row whose key cleans to the same digest (rows with errors never
    took a key, so they are skipped here as in the first pass).
    """
    pending = dict(duplicates)
    rows = iter_table(path)
    try:
        for _number, values in rows:
            if any(values):
                break  # the header
        for number, raw in _data_rows(rows, mapping, help_row):
            try:
                digest = _key_digest(importer, importer.clean(raw))
            except (RowError, RowErrors, ValidationError):
                continue
            errors = pending.pop(digest, None)
            if errors is not None:
                for err in errors:
                    err.message = _duplicate_message(importer, number)
                if not pending:
                    break
    finally:
        rows.close()  # type: ignore[attr-defined]


def _key_label(importer: Importer) -> str:
    for f in importer.fields:
        if f.key == importer.natural_key:
            return f.label
    return importer.natural_key


def _record(outcome: Outcome, number: int, errors: list[RowError]) -> None:
    outcome.error_rows += 1
    for err in errors:
        if len(outcome.errors) < MAX_STORED_ERRORS:
            outcome.errors.append((number, err))


def _label_for(importer: Importer, key: str) -> str:
    for f in importer.fields:
        if f.key == key:
            return f.label
    return key


# --- Jobs (web and CLI) -----------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, kind: str, upload: Any, original_name: str, mode: str, actor: User) -> ImportJob:
    """Store an uploaded file as a pending job and queue it for the worker (after commit)."""
    importer_cls = importer_for(kind)
    if not actor.has_perm(importer_cls.permission):
        from zhengwu.core.exceptions import NotAllowed

        raise NotAllowed(f"您没有{importer_cls.label}的权限。")
    suffix = Path(original_name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InvalidInput(f"不支持的文件类型 {suffix or '(无扩展名)'}：请上传 .xlsx 或 .csv 文件。")
    if mode not in ImportMode.values:
        raise InvalidInput("提交方式无效。")
    job = ImportJob(
        kind=kind,
        original_name=original_name[:200],
        mode=mode,
        created_by=actor,
        organisation=actor.organisation,
    )
    job.file.save(f"{kind}{suffix}", upload, save=False)
    job.save()
    audit_log(
        actor=actor,
        action="import.submit",
        obj=job,
        after={"kind": kind, "mode": mode, "file": original_name},
    )
    from zhengwu.core.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
    return job


def import_job_run(job: ImportJob, *, progress: ProgressCallback | None = None) -> ImportJob:
    """Run a job to its end (in the worker or the CLI), recording outcome, errors and an audit entry."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:  # another worker has it, or it already ran
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    importer = importer_for(job.kind)(job.created_by)
    key = _progress_key(job.pk)

    def report(done: int, total: int) -> None:
        cache.set(key, {"processed": done, "total": total, "errors": 0}, 3600)
        if progress:
            progress(done, total)

    try:
        outcome = run_import(importer, Path(job.file.path), mode=job.mode, progress=report)
    except InvalidInput as exc:
        outcome = Outcome()
        job.status, job.message = ImportStatus.FAILED, exc.message
    except Exception as exc:  # a crash must still end the job visibly
        outcome = Outcome()
        job.status, job.message = ImportStatus.FAILED, f"导入中断：{type(exc).__name__}"
    else:
        if outcome.error_rows and not outcome.committed:
            job.status = ImportStatus.REJECTED
            job.message = (
                f"共{outcome.error_rows}行有错误，按“全部成功才提交”方式未写入任何数据。请修改后重新上传。"
            )
        elif outcome.error_rows:
            job.status = ImportStatus.PARTIAL
            job.message = f"已写入有效行，跳过{outcome.error_rows}行错误数据。"
        else:
            job.status = ImportStatus.SUCCEEDED
            job.message = "全部导入成功。"
    with transaction.atomic():
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    job=job,
                    row=row,
                    column=_label_for(importer, err.column),
                    value=str(err.value)[:200],
                    message=err.message[:300],
                )
                for row, err in outcome.errors
            ],
            batch_size=1000,
        )
        job.total_rows, job.processed_rows = outcome.total, outcome.processed
        job.created_rows, job.updated_rows, job.error_rows = (
            outcome.created,
            outcome.updated,
            outcome.error_rows,
        )
        job.finished_at = timezone.now()
        job.save()
        audit_log(
            actor=job.created_by,
            action=f"import.{job.kind}",
            obj=job,
            after={
                "status": job.status,
                "created": job.created_rows,
                "updated": job.updated_rows,
                "errors": job.error_rows,
            },
            result="success" if job.status in {ImportStatus.SUCCEEDED, ImportStatus.PARTIAL} else "failure",
        )
    cache.delete(key)
    return job


def import_file_job(*, kind: str, path: Path, mode: str, actor: User | None) -> ImportJob:
    """Create a job for a local file (CLI); the caller runs it with ``import_job_run``."""
    from django.core.files import File

    importer_for(kind)
    with path.open("rb") as fh:
        job = ImportJob(
            kind=kind,
            original_name=path.name,
            mode=mode,
            created_by=actor,
            organisation=getattr(actor, "organisation", None),
        )
        job.file.save(f"{kind}{path.suffix.lower()}", File(fh), save=False)
        job.save()
    return job


def template_bytes(kind: str) -> bytes:
    """Return an xlsx template (headers and help row) for an import kind."""
    from zhengwu.core.exports import Sheet, write_xlsx

    importer_cls = importer_for(kind)
    buffer = io.BytesIO()
    headers = [f.label + ("*" if f.required else "") for f in importer_cls.fields]
    helps = [f.help for f in importer_cls.fields]
    write_xlsx(
        buffer, [Sheet(importer_cls.label, headers, [helps] if any(helps) else [], note="", text=True)]
    )
    return buffer.getvalue()


def cli_progress_bar(stream: Any) -> ProgressCallback:
    """Return a callback drawing a text progress bar on a terminal stream."""
    width = 30
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    last = {"pct": -1}

    def draw(done: int, total: int) -> None:
        pct = int(done * 100 / total) if total else 100
        if pct == last["pct"]:
            return
        last["pct"] = pct
        filled = int(width * pct / 100)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {pct:3d}%  {done}/{total} 行"
        if is_tty:
            stream.write("\r" + line)
            stream.flush()
        elif pct % 10 == 0:
            stream.write(line + os.linesep)

    return draw
