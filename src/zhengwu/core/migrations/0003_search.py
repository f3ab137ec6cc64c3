"""The one search index (core.search, ADR 0012): SearchEntry rows plus a vendor-specific full-text index.

The token columns hold core.search.zh_tokens: words already split, lower-cased, space-separated. No database
extension is used.

SQLite: an FTS5 table over the token columns with the row table as external content (no second copy of the
text), kept in sync by triggers so every write path -- core.search's upsert, a queryset delete, a test flush --
updates it; the update trigger skips rows whose tokens did not change. tokenize='ascii': spaces separate and
every non-ASCII character is part of a token, exactly how the tokens were made, at half the cost of unicode61
(bench/search.py). A covering index (id, kind, object_id, title) serves the join from FTS matches to entries
without reading the wide rows. A later migration that makes Django rebuild core_searchentry on SQLite (most
ALTERs) drops these triggers and must create them again (tests/core/test_search.py checks they exist).

PostgreSQL: a stored generated column with the weighted tsvector of the tokens ('simple' config: title A,
body B), kept in the row, and a GIN index on it. Stored rather than an expression index: ranking reads the
vector of every match, and re-parsing the tokens per row made a 5 000-row match take 9 s instead of 50 ms.
"""

from django.db import migrations, models

SQLITE = [
    """CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
         title_tokens, body_tokens, content='core_searchentry', content_rowid='id', tokenize='ascii')""",
    """CREATE TRIGGER core_searchentry_fts_ai AFTER INSERT ON core_searchentry BEGIN
         INSERT INTO core_searchentry_fts(rowid, title_tokens, body_tokens)
         VALUES (new.id, new.title_tokens, new.body_tokens);
       END""",
    """CREATE TRIGGER core_searchentry_fts_ad AFTER DELETE ON core_searchentry BEGIN
         INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title_tokens, body_tokens)
         VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
       END""",
    """CREATE TRIGGER core_searchentry_fts_au AFTER UPDATE ON core_searchentry
       WHEN old.title_tokens IS NOT new.title_tokens OR old.body_tokens IS NOT new.body_tokens
         OR old.id IS NOT new.id
       BEGIN
         INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, title_tokens, body_tokens)
         VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
         INSERT INTO core_searchentry_fts(rowid, title_tokens, body_tokens)
         VALUES (new.id, new.title_tokens, new.body_tokens);
       END""",
    "CREATE INDEX core_searchentry_fts_lookup ON core_searchentry (id, kind, object_id, title)",
]
SQLITE_REVERSE = [
    "DROP INDEX IF EXISTS core_searchentry_fts_lookup",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_au",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_ad",
    "DROP TRIGGER IF EXISTS core_searchentry_fts_ai",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]
POSTGRES = [
    """ALTER TABLE core_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('simple'::regconfig, title_tokens), 'A')
         || setweight(to_tsvector('simple'::regconfig, body_tokens), 'B')) STORED""",
    # Keep the vector in the row (compressed if need be) rather than in the TOAST table: every match reads it
    # (ranking, phrase checks), and a TOAST fetch per row made queries 3-4 times slower.
    "ALTER TABLE core_searchentry ALTER COLUMN search_vector SET STORAGE MAIN",
    "ALTER TABLE core_searchentry SET (toast_tuple_target = 8160)",
    "CREATE INDEX core_searchentry_fts_gin ON core_searchentry USING gin (search_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS core_searchentry_fts_gin",
    "ALTER TABLE core_searchentry RESET (toast_tuple_target)",
    "ALTER TABLE core_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=60, verbose_name="类型")),
                ("object_id", models.BigIntegerField(verbose_name="对象ID")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("title", models.TextField(verbose_name="标题")),
                ("title_tokens", models.TextField(editable=False, verbose_name="标题分词")),
                ("body", models.TextField(blank=True, verbose_name="正文")),
                ("body_tokens", models.TextField(blank=True, editable=False, verbose_name="正文分词")),
            ],
            options={
                "verbose_name": "搜索条目",
                "verbose_name_plural": "搜索条目",
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="searchentry_kind_object_unique")
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
