"""The one search module (DESIGN §3.8, ADR 0012): Chinese full-text search, the same on SQLite and PostgreSQL.

Every app indexes its objects here under a *kind* (``"catalog.item"``): a plain-text title and body per
object, stored in ``SearchEntry`` with their tokens. ``zh_tokens`` turns text into lower-case ASCII words,
digit runs and CJK bigrams + unigrams, so no dictionary is needed and a 1- or 2-character word such as 社保
is found exactly where it occurs. The tokens are indexed by FTS5 (SQLite) or a GIN-indexed tsvector with the
``simple`` configuration (PostgreSQL), both created by migration 0003; no database extension is used.

A query is split into *terms*: CJK runs and ASCII words, all required. A CJK run matches as its bigrams in
sequence (a 1-character run: its unigram): an FTS5 phrase, a tsquery ``<->`` chain. Bigrams are emitted in
text order, so the sequence exists exactly where the run occurs in the title or the body: every hit contains
every CJK run of the query literally (社保 finds 社保, never 社会保险), and ``total`` is exact.

Ranking: the database's relevance with the title weighted ten times the body (SQLite ``bm25``; PostgreSQL
``ts_rank`` on the weighted vector), then, in Python over the best ``CANDIDATES`` rows, a title boost (the
title is the query > starts with it > contains it > contains every term). Titles and snippets come back
HTML-escaped with ``<mark>`` around each term.

An app registers its kinds when it loads (``register`` from a module its ``AppConfig.ready()`` imports, like
roles and menus), indexes after commit (``index``/``remove``) and rebuilds with ``reindex`` or
``zhengwu search_reindex``.
"""

from __future__ import annotations

import json
import operator
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, NotSupportedError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import SearchEntry

__all__ = [
    "CANDIDATES",
    "MAX_QUERY_LENGTH",
    "Hit",
    "SearchDocument",
    "SearchResult",
    "highlight",
    "index",
    "index_documents",
    "register",
    "registered_kinds",
    "reindex",
    "remove",
    "search",
    "unregister",
    "zh_tokens",
]

MAX_QUERY_LENGTH = 100  # characters; a longer query is refused (InvalidInput), not cut
CANDIDATES = 200  # best rows by database relevance that get the title boost; the rest keep that order
FETCH_LIMIT = 5000  # matches read in one query; past this the total is counted by a second one
SNIPPET_LENGTH = 80  # characters of body around the first match
CHUNK = 500  # documents per upsert statement and per progress step
BULK = 1000  # documents written in one call from which PostgreSQL's GIN pending list is merged at once
MAX_WORD = 40  # an ASCII word or digit run is cut here (PostgreSQL refuses lexemes over 2 KB)
# Characters of a title or body that are tokenized (all of it is stored and shown). PostgreSQL keeps tsvector
# positions up to 16 383 and the bigrams come first: this keeps every bigram position exact on both databases.
MAX_INDEXED_CHARS = 15_000

# Han (with extensions and compatibility ideographs), kana and hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
# After normalising: a CJK run, or an ASCII letter run, or a digit run. Everything else separates.
_TERM = re.compile(f"([{_CJK}]+)|([a-z]+|[0-9]+)")
_WORD = re.compile("[a-z]+|[0-9]+")
_HAS_WORD = re.compile("[A-Za-z0-9]")
_NOT_CJK = re.compile(f"[^{_CJK}]+")
# Characters NFKC turns into letters, digits or other ideographs: full-width and half-width forms, Roman
# numerals, circled numbers, radicals, enclosed and squared CJK, compatibility ideographs. Full-width
# punctuation, in nearly every Chinese text, is left out: it separates tokens either way.
_NFKC_NEEDED = re.compile(
    "[\u2160-\u217f\u2460-\u24ff\u2e80-\u2fdf\u3200-\u33ff\uf900-\ufaff\uff10-\uff19\uff21-\uff3a"
    "\uff41-\uff5a\uff66-\uff9d\U0002f800-\U0002fa1f]"
)
_UCS4 = "I" if array("I").itemsize == 4 else "L"
_SPACE = array(_UCS4, [ord(" ")])
_SENTENCE_END = "。；！？;!?"

# --- SQL ----------------------------------------------------------------------------------------------------------
# SQLite: the FTS5 table of migration 0003 (external content = core_searchentry, rowid = id). CROSS JOIN keeps
# the match the outer loop (otherwise SQLite may walk every entry of the kind and run the match per row: a
# count over 5 000 entries took 0.9 s instead of 15 ms); the join reads the covering index (id, kind,
# object_id, title), not the wide rows.
_SQLITE_FROM = (
    "FROM core_searchentry_fts CROSS JOIN core_searchentry e ON e.id = core_searchentry_fts.rowid"
    " WHERE core_searchentry_fts MATCH %s AND e.kind = %s"
)
_SQLITE_SCORE = "-bm25(core_searchentry_fts, 10.0, 1.0)"  # bm25 is negative, lower is better
# PostgreSQL: the stored, GIN-indexed tsvector of migration 0003 (title weight A, body weight B).
_PG_FROM = (
    "FROM core_searchentry e WHERE e.search_vector @@ to_tsquery('simple'::regconfig, %s) AND e.kind = %s"
)
# Weights {D, C, B, A}: title ten times body, as on SQLite; normalisation 1 divides by 1 + log(length).
_PG_SCORE = "ts_rank('{0, 0, 0.1, 1}'::float4[], e.search_vector, to_tsquery('simple'::regconfig, %s), 1)"

# One statement per chunk (SQLite: the rows as one JSON parameter; PostgreSQL: one array per column). With
# executemany, one statement per row, the trigger-fed FTS5 index cost twice as much (bench/search.py). Unchanged documents are filtered out before the INSERT: on PostgreSQL
# the generated tsvector of a proposed row is computed even when the conflict then updates nothing.
_SQLITE_UPSERT = """
WITH r AS (
  SELECT json_extract(value, '$[0]') AS object_id, json_extract(value, '$[1]') AS title,
         json_extract(value, '$[2]') AS title_tokens, json_extract(value, '$[3]') AS body,
         json_extract(value, '$[4]') AS body_tokens
  FROM json_each(%s)
)
INSERT INTO core_searchentry (kind, object_id, updated_at, title, title_tokens, body, body_tokens)
SELECT %s, r.object_id, %s, r.title, r.title_tokens, r.body, r.body_tokens FROM r
WHERE NOT EXISTS (
  SELECT 1 FROM core_searchentry c WHERE c.kind = %s AND c.object_id = r.object_id AND c.title = r.title
    AND c.body = r.body AND c.title_tokens = r.title_tokens AND c.body_tokens = r.body_tokens)
ON CONFLICT (kind, object_id) DO UPDATE SET
  updated_at = excluded.updated_at, title = excluded.title, title_tokens = excluded.title_tokens,
  body = excluded.body, body_tokens = excluded.body_tokens
"""
_PG_UPSERT = """
WITH r AS (
  SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS r(object_id, title, title_tokens, body, body_tokens)
)
INSERT INTO core_searchentry (kind, object_id, updated_at, title, title_tokens, body, body_tokens)
SELECT %s, r.object_id, %s, r.title, r.title_tokens, r.body, r.body_tokens FROM r
WHERE NOT EXISTS (
  SELECT 1 FROM core_searchentry c WHERE c.kind = %s AND c.object_id = r.object_id AND c.title = r.title
    AND c.body = r.body AND c.title_tokens = r.title_tokens AND c.body_tokens = r.body_tokens)
ON CONFLICT (kind, object_id) DO UPDATE SET
  updated_at = excluded.updated_at, title = excluded.title, title_tokens = excluded.title_tokens,
  body = excluded.body, body_tokens = excluded.body_tokens
"""


# --- Tokens ---------------------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ＩＣＰ２０２４ → ICP2024) and compatibility ideographs. It costs
    # more than the rest of tokenizing a Chinese text, so it runs only on texts that have such characters.
    if _NFKC_NEEDED.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def zh_tokens(text: str) -> str:
    """Return the search tokens of ``text``, space-separated: ASCII words and digit runs, then CJK bigrams, then unigrams.

    The same function tokenizes documents and queries. ``zh_tokens("ICP备案，社保卡")`` has the tokens icp;
    备案, 社保, 保卡; 备, 案, 社, 保, 卡 -- never 案社, across the comma. Punctuation and other scripts only
    separate tokens. The first and last character of each CJK run appear once more among the bigrams (see
    ``_grams``).
    """
    text = _normalise(text or "")
    tokens = [w[:MAX_WORD] for w in _WORD.findall(text)] if _HAS_WORD.search(text) else []
    cjk = _NOT_CJK.sub(" ", text).strip()
    if cjk:
        tokens.append(_grams(cjk))
    return " ".join(tokens)


def _grams(cjk: str) -> str:
    """Bigrams then unigrams of space-separated CJK runs, built with slice assignments on UCS-4 arrays.

    "ab cd" gives "ab b  c cd a b   c d": no string per token, four times faster than joining bigrams run by
    run. A pair with the space between two runs is a lone character (the run's last or first), which adds one
    to that unigram's count; it never makes a bigram across runs, and it keeps the bigrams of different runs
    from being adjacent, so a phrase of bigrams only matches inside one run.
    """
    chars = array(_UCS4)
    chars.frombytes(cjk.encode("utf-32-le"))
    n = len(chars)
    pairs = 3 * (n - 1)  # "xy " per adjacent pair
    out = _SPACE * (pairs + 2 * n)
    out[0:pairs:3] = chars[:-1]
    out[1:pairs:3] = chars[1:]
    out[pairs::2] = chars  # "x " per character
    return out.tobytes().decode("utf-32-le").rstrip()


def _bigrams(run: str) -> list[str]:
    return list(map(operator.add, run, run[1:]))


@dataclass(frozen=True)
class _Query:
    terms: tuple[str, ...]  # CJK runs and ASCII words, normalised, first occurrence order
    phrases: tuple[tuple[str, ...], ...]  # per term, the tokens that must follow each other
    compact: str  # the terms run together: what the title boost compares with
    pattern: re.Pattern[str]  # finds the terms in display text (for <mark>)

    def fts5(self) -> str:
        # Quoted: a word such as "and" or "near" is a token here, not an FTS5 operator.
        return " AND ".join('"' + " ".join(p) + '"' for p in self.phrases)

    def tsquery(self) -> str:
        return " & ".join("(" + " <-> ".join(f"'{t}'" for t in p) + ")" for p in self.phrases)


def _terms(text: str) -> list[str]:
    """CJK runs and ASCII words of ``text`` in order (the units of a query)."""
    return [cjk or word[:MAX_WORD] for cjk, word in _TERM.findall(_normalise(text))]


def _is_cjk(term: str) -> bool:
    return not term.isascii()


def _parse(query: str | None) -> _Query | None:
    """Return the parsed query, or None when it has no term; raise InvalidInput when it is too long."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        message = f"搜索内容不能超过{MAX_QUERY_LENGTH}个字，请缩短后再试。"
        raise InvalidInput(message, code="query_too_long", errors={"q": [message]})
    found = _terms(query)
    if not found:
        return None
    terms = tuple(dict.fromkeys(found))
    return _Query(
        terms=terms,
        phrases=tuple(tuple(_bigrams(t)) if _is_cjk(t) and len(t) > 1 else (t,) for t in terms),
        compact="".join(found),
        pattern=_pattern(terms),
    )


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """A regex for the terms in display text: longest first; an ASCII word only as a whole token."""
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if _is_cjk(term):
            parts.append(re.escape(term))
        elif term.isdigit():
            parts.append(f"(?<![0-9]){term}(?![0-9])")
        else:
            parts.append(f"(?<![a-z]){term}(?![a-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


# --- Highlighting ---------------------------------------------------------------------------------------------


def _mark(text: str, pattern: re.Pattern[str]) -> str:
    """Escape ``text`` and wrap each match in <mark>. Split first, escape the pieces: never match inside &amp;."""
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def highlight(text: str, query: str) -> SafeString:
    """Return ``text`` HTML-escaped with each term of ``query`` wrapped in ``<mark>``, safe to render."""
    parsed = _parse(query)
    if parsed is None:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    return mark_safe(_mark(text, parsed.pattern))  # noqa: S308 - every piece escaped by _mark


def _snippet(body: str, pattern: re.Pattern[str]) -> SafeString:
    """About SNIPPET_LENGTH characters of ``body`` around the first match (from its sentence when near)."""
    text = " ".join(body.split())  # newlines and runs of (full-width) spaces read as one space here
    m = pattern.search(text)
    start, end = 0, SNIPPET_LENGTH
    if m is not None:
        start = max(0, m.start() - SNIPPET_LENGTH // 4)
        sentence = max(text.rfind(p, start, m.start()) for p in _SENTENCE_END)
        if sentence >= 0:
            start = sentence + 1
        start = min(start, max(0, len(text) - SNIPPET_LENGTH))
        end = max(start + SNIPPET_LENGTH, m.end())
    piece = text[start:end].strip()
    html = ("…" if start > 0 else "") + _mark(piece, pattern) + ("…" if end < len(text) else "")
    return mark_safe(html)  # noqa: S308 - every piece escaped by _mark


# --- Registry ---------------------------------------------------------------------------------------------------


class SearchDocument(NamedTuple):
    """What one object contributes to the index: plain text (no HTML), title first."""

    title: str
    body: str


DocumentFunc = Callable[[Any], "SearchDocument | tuple[str, str]"]
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SearchKind:
    kind: str
    model: type[models.Model]
    document: DocumentFunc
    queryset: Callable[[], models.QuerySet[Any]] | None = None

    def objects(self) -> models.QuerySet[Any]:
        """Every object that belongs in the index (what ``reindex`` rebuilds from)."""
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()


_registry: dict[str, SearchKind] = {}
_KIND = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*")


def _check_kind(kind: str) -> None:
    if not _KIND.fullmatch(kind) or len(kind) > SearchEntry._meta.get_field("kind").max_length:
        raise ValueError(f"search kind must look like 'app.model', got {kind!r}")


def register(
    kind: str,
    *,
    model: type[models.Model],
    document: DocumentFunc,
    queryset: Callable[[], models.QuerySet[Any]] | None = None,
) -> None:
    """Declare a kind: ``document(obj)`` returns its SearchDocument(title, body) (a plain tuple will do).

    ``queryset()`` returns the objects that belong in the index (default: all of ``model``), e.g. only
    published items with what ``document`` reads prefetched; ``reindex`` iterates it in chunks.
    Registering a kind again with the same model replaces it (module reloads); another model is an error.
    """
    _check_kind(kind)
    current = _registry.get(kind)
    if current is not None and current.model is not model:
        raise ImproperlyConfigured(f"search kind {kind!r} is already registered for {current.model.__name__}")
    _registry[kind] = SearchKind(kind=kind, model=model, document=document, queryset=queryset)


def unregister(kind: str) -> None:
    """Forget a kind (tests); its entries stay until removed."""
    _registry.pop(kind, None)


def registered_kinds() -> list[str]:
    """Return the registered kinds, sorted."""
    return sorted(_registry)


def _registered(kind: str) -> SearchKind:
    try:
        return _registry[kind]
    except KeyError:
        raise ImproperlyConfigured(
            f"search kind {kind!r} is not registered: call zhengwu.core.search.register({kind!r}, model=…, "
            "document=…) from a module the app's AppConfig.ready() imports"
        ) from None


# --- Writing ----------------------------------------------------------------------------------------------------


def _chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _plain(text: object) -> str:
    # PostgreSQL text cannot hold NUL; nothing else is changed (the body is shown in snippets).
    return str(text or "").replace("\x00", "").strip()


def _upsert(kind: str, now: datetime, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Write (object_id, title, title_tokens, body, body_tokens) rows of ``kind``: insert, or update if changed."""
    connection = connections[router.db_for_write(SearchEntry)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            stamp = SearchEntry._meta.get_field("updated_at").get_db_prep_save(now, connection)
            cursor.execute(_SQLITE_UPSERT, [json.dumps(rows, ensure_ascii=False), kind, stamp, kind])
        elif connection.vendor == "postgresql":
            cursor.execute(_PG_UPSERT, [*map(list, zip(*rows, strict=True)), kind, now, kind])
        else:
            raise NotSupportedError(f"core.search supports SQLite and PostgreSQL, not {connection.vendor}")


def _flush_pending() -> None:
    """PostgreSQL: merge the GIN index's pending list now, after a bulk write.

    New entries go to a pending list (fastupdate) that every search reads in full until autovacuum merges it
    (up to 4 MB): after a 5 000-document rebuild the median query took 35 ms instead of 9.5 ms. Turning
    fastupdate off instead made the rebuild 3 times slower. Only the index owner may merge; for anyone else
    it is left to autovacuum.
    """
    connection = connections[router.db_for_write(SearchEntry)]
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list('core_searchentry_fts_gin'::regclass)")
    except DatabaseError:
        pass


def index_documents(kind: str, documents: Iterable[tuple[int, SearchDocument | tuple[str, str]]]) -> int:
    """Insert or update the entries of ``kind`` for ``(object_id, (title, body))`` pairs; return how many.

    One upsert statement per CHUNK documents, in one transaction; unchanged documents are left alone. For apps
    that already hold the text (bulk imports); ``index`` builds it from objects.
    """
    _check_kind(kind)
    now = timezone.now()
    count = 0
    with transaction.atomic(using=router.db_for_write(SearchEntry)):
        for chunk in _chunks(documents, CHUNK):
            rows: dict[int, tuple[int, str, str, str, str]] = {}  # one row per object: the last one wins
            for object_id, (title, body) in chunk:
                key, title, body = int(object_id), _plain(title), _plain(body)
                rows[key] = (
                    key,
                    title,
                    zh_tokens(title[:MAX_INDEXED_CHARS]),
                    body,
                    zh_tokens(body[:MAX_INDEXED_CHARS]),
                )
            _upsert(kind, now, list(rows.values()))
            count += len(rows)
    if count >= BULK:
        _flush_pending()
    return count


def index(kind: str, objects: Iterable[models.Model]) -> int:
    """Insert or update the entries of ``objects`` (a registered kind's model instances); return how many.

    Call it after commit (``transaction.on_commit``) when an object changes.
    """
    document = _registered(kind).document
    return index_documents(kind, ((obj.pk, document(obj)) for obj in objects))


def remove(kind: str, ids: Iterable[int]) -> int:
    """Delete the entries of ``kind`` for these object ids (missing ones are ignored); return how many."""
    deleted = 0
    for chunk in _chunks(sorted({int(i) for i in ids}), CHUNK):
        deleted += SearchEntry.objects.filter(kind=kind, object_id__in=chunk).delete()[0]
    return deleted


def reindex(kind: str, *, progress: ProgressCallback | None = None) -> int:
    """Rebuild ``kind`` from its registered queryset in one transaction; return the number of objects indexed.

    Entries of objects no longer in the queryset are removed. ``progress(done, total)`` is called before the
    first chunk and after each one.
    """
    entry = _registered(kind)
    objects = entry.objects()
    total = objects.count()
    done, seen = 0, set()
    if progress:
        progress(0, total)
    with transaction.atomic(using=router.db_for_write(SearchEntry)):
        for chunk in _chunks(objects.iterator(chunk_size=CHUNK), CHUNK):
            index_documents(kind, ((obj.pk, entry.document(obj)) for obj in chunk))
            seen.update(obj.pk for obj in chunk)
            done += len(chunk)
            if progress:
                progress(done, max(total, done))
        stale = set(SearchEntry.objects.filter(kind=kind).values_list("object_id", flat=True)) - seen
        remove(kind, stale)
    _flush_pending()
    return done


# --- Searching --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One result. ``score`` orders the hits: integer part = title boost (0–4), fraction = database relevance."""

    object_id: int
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int  # every match (exact), not just this page
    hits: list[Hit]


_EMPTY = SearchResult(total=0, hits=[])
IdFilter = Iterable[int] | models.QuerySet[Any] | None


def _where(
    connection: BaseDatabaseWrapper, kind: str, parsed: _Query, ids: IdFilter
) -> tuple[str, list[Any], str, list[Any]]:
    """Return (FROM … WHERE sql, its params, score sql, its params) for this vendor."""
    if connection.vendor == "sqlite":
        sql, params = _SQLITE_FROM, [parsed.fts5(), kind]
        score, score_params = _SQLITE_SCORE, []
    elif connection.vendor == "postgresql":
        sql, params = _PG_FROM, [parsed.tsquery(), kind]
        score, score_params = _PG_SCORE, [parsed.tsquery()]
    else:
        raise NotSupportedError(f"core.search supports SQLite and PostgreSQL, not {connection.vendor}")
    if isinstance(ids, models.QuerySet):
        subquery = (ids if ids._fields else ids.values("pk")).order_by()  # type: ignore[attr-defined]
        sub_sql, sub_params = subquery.query.get_compiler(connection=connection).as_sql()
        sql += f" AND e.object_id IN ({sub_sql})"
        params += list(sub_params)
    elif ids is not None:
        id_list = [int(i) for i in ids]
        if connection.vendor == "sqlite":  # one parameter for any number of ids
            sql += " AND e.object_id IN (SELECT value FROM json_each(%s))"
            params.append(json.dumps(id_list))
        else:
            sql += " AND e.object_id = ANY(%s::bigint[])"
            params.append(id_list)
    return sql, params, score, score_params


def _title_tier(title: str, parsed: _Query) -> int:
    """4: the title is the query; 3: starts with it; 2: contains it; 1: contains every term; 0: otherwise."""
    normal = _normalise(title)
    if not all(t in normal for t in parsed.terms):  # most candidates: the terms are in the body only
        return 0
    compact = "".join(_terms(title))
    if compact == parsed.compact:
        return 4
    if compact.startswith(parsed.compact):
        return 3
    return 2 if parsed.compact in compact else 1


def search(
    kind: str,
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    ids: IdFilter = None,
) -> SearchResult:
    """Return one page of the entries of ``kind`` matching ``query``, best first, with the exact total.

    ``ids`` restricts the search to these object ids (a list, or a QuerySet of one column / of the kind's
    model, run as a subquery), e.g. an app's department or scope filter. A blank or punctuation-only query
    returns nothing; one over MAX_QUERY_LENGTH characters raises InvalidInput. Two queries run (the matches,
    the bodies of this page for snippets), three past FETCH_LIMIT matches (a count).
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    parsed = _parse(query)
    if parsed is None:
        return _EMPTY
    if ids is not None and not isinstance(ids, models.QuerySet):
        ids = list(ids)
        if not ids:
            return _EMPTY
    connection = connections[router.db_for_read(SearchEntry)]
    where, params, score, score_params = _where(connection, kind, parsed, ids)
    window = max(FETCH_LIMIT, offset + limit)
    sql = f"SELECT e.object_id, e.title, {score} AS score {where} ORDER BY score DESC, e.object_id LIMIT %s"  # noqa: S608 - fixed SQL, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*score_params, *params, window + 1])
        rows: list[tuple[int, str, float]] = cursor.fetchall()
        total = len(rows)
        if total > window:
            del rows[window:]
            cursor.execute(f"SELECT count(*) {where}", params)  # noqa: S608 - as above
            total = cursor.fetchone()[0]

    def relevance(row: tuple[int, str, float]) -> float:
        value = max(float(row[2] or 0), 0.0)
        return value / (1 + value)  # 0 ≤ fraction < 1, in the database's order

    # The title boost reorders the best CANDIDATES rows only: every page sees the same order, and a title
    # match already ranks high by the database's weights.
    head = [(_title_tier(row[1], parsed) + relevance(row), row) for row in rows[:CANDIDATES]]
    head.sort(key=lambda scored: (-scored[0], scored[1][0]))
    ranked = head + [(relevance(row), row) for row in rows[CANDIDATES:]]
    page = ranked[offset : offset + limit]
    if not page:
        return SearchResult(total=total, hits=[])
    bodies = dict(
        SearchEntry.objects.filter(kind=kind, object_id__in=[row[0] for _, row in page]).values_list(
            "object_id", "body"
        )
    )
    hits = [
        Hit(
            object_id=row[0],
            score=round(value, 6),
            title_html=mark_safe(_mark(row[1], parsed.pattern)),  # noqa: S308 - escaped by _mark
            snippet_html=_snippet(bodies.get(row[0], ""), parsed.pattern),
        )
        for value, row in page
    ]
    return SearchResult(total=total, hits=hits)
