"""core.search: CJK tokens, exact 1-/2-character recall, ranking, highlighting, ids, remove, reindex, both DBs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.safestring import SafeString

from tests.factories import OrganisationFactory
from zhengwu.core import search
from zhengwu.core.exceptions import InvalidInput
from zhengwu.core.models import Organisation, SearchEntry

pytestmark = pytest.mark.django_db

KIND = "test.org"


def org_document(org: Organisation) -> search.SearchDocument:
    return search.SearchDocument(title=org.name, body=org.address)


@pytest.fixture
def kind():
    """A test kind over core.Organisation: title = name, body = address."""
    search.register(KIND, model=Organisation, document=org_document)
    yield KIND
    search.unregister(KIND)


@pytest.fixture
def make(kind, regions):
    """Create an organisation and index it; return it."""
    counter = iter(range(10_000))

    def make(name: str, address: str = "") -> Organisation:
        org = OrganisationFactory(code=f"S{next(counter)}", name=name, address=address, region=regions["lc"])
        search.index(kind, [org])
        return org

    return make


def long_body(title: str, body: str) -> None:
    """Index a document directly: bodies longer than an organisation's address field."""
    search.index_documents(KIND, [(1, (title, body))])


def found(query: str, **kwargs) -> list[int]:
    return [hit.object_id for hit in search.search(KIND, query, **kwargs).hits]


# --- Tokens -------------------------------------------------------------------------------------------------


def test_tokens_are_ascii_words_digit_runs_and_cjk_bigrams_and_unigrams():
    tokens = search.zh_tokens("ICP备案，社保卡")
    assert set(tokens.split()) == {"icp", "备案", "社保", "保卡", "备", "案", "社", "保", "卡"}
    assert "案社" not in tokens  # no bigram across punctuation


def test_tokens_fold_full_width_and_split_letters_from_digits():
    assert search.zh_tokens("ＩＣＰ２０２４ 粤B12345").split() == ["icp", "2024", "b", "12345", "粤"]


def test_tokens_of_a_run_are_its_bigrams_in_order_then_its_unigrams():
    assert search.zh_tokens("不动产登记").split() == [
        "不动",
        "动产",
        "产登",
        "登记",
        "不",
        "动",
        "产",
        "登",
        "记",
    ]
    assert search.zh_tokens("𠮷野家").split() == ["𠮷野", "野家", "𠮷", "野", "家"]  # beyond the BMP


def test_tokens_of_punctuation_only_are_empty():
    assert search.zh_tokens("，。！？——（）《》 ...") == ""


# --- Recall -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["社保", "医保", "执照"])
def test_two_character_queries_find_text_containing_them_literally(make, query):
    in_title = make(f"{query}业务办理")
    in_body = make("综合窗口", f"本窗口受理{query}相关事项。")
    make("社会保险登记", "医疗保险、营业许可、驾驶证照")  # the characters, never the word
    assert sorted(found(query)) == sorted([in_title.pk, in_body.pk])


def test_shebao_does_not_find_shehui_baoxian(make):
    make("社会保险费申报")
    assert found("社保") == []


def test_four_character_query_needs_the_whole_word(make):
    licence = make("个体工商户营业执照核发")
    make("营业场所证照执照", "营业执")  # 营业 and 执照 apart, 业执 too: every bigram, never the word
    assert found("营业执照") == [licence.pk]


def test_three_character_run_is_checked_as_a_substring(make):
    card = make("社保卡申领")
    make("社保转移", "请携带医保卡原件")  # 社保 and 保卡, not 社保卡
    assert found("社保卡") == [card.pk]
    assert search.search(KIND, "社保卡").total == 1


def test_a_run_never_matches_across_punctuation_or_from_title_into_body(kind):
    search.index_documents(
        KIND, [(1, ("申领社保", "卡片遗失")), (2, ("综合窗口", "社保，卡片")), (3, ("社保卡", ""))]
    )
    assert found("社保卡") == [3]


def test_one_character_query_matches_its_unigram(make):
    card = make("社保卡申领")
    make("户籍迁入")
    assert found("卡") == [card.pk]


def test_mixed_ascii_and_cjk_query(make):
    icp = make("网站ICP备案")
    lower = make("互联网信息服务", "办理icp备案需要域名证书")
    make("ICPX备案")  # another word
    make("ICP许可")  # 备案 missing
    assert sorted(found("ICP备案")) == sorted([icp.pk, lower.pk])
    assert sorted(found("icp 备案")) == sorted([icp.pk, lower.pk])


def test_separate_terms_are_all_required(make):
    both = make("城乡居民医保参保登记", "社保经办机构")
    make("医保报销")
    assert found("医保 社保") == [both.pk]


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "——《》", None])
def test_blank_or_punctuation_only_query_returns_nothing(make, query):
    make("社保卡申领")
    result = search.search(KIND, query)
    assert result.total == 0
    assert result.hits == []


def test_too_long_query_is_refused_in_chinese(make):
    with pytest.raises(InvalidInput) as exc:
        search.search(KIND, "社" * 101)
    assert "不能超过100个字" in exc.value.message
    assert search.search(KIND, "社" * 100).total == 0  # exactly the limit is fine


def test_query_words_that_look_like_fts_operators_are_plain_words(make):
    org = make("Open Data and NOT NEAR", "or")
    assert found("and not near or") == [org.pk]


# --- Ranking ------------------------------------------------------------------------------------------------


def test_title_match_ranks_before_body_matches(make):
    body_heavy = make("养老保险关系转移", "社保 社保 社保：已参加社保的职工跨地区就业，凭社保缴费凭证办理。")
    titled = make("社保卡申领", "携带身份证。")
    assert found("社保") == [titled.pk, body_heavy.pk]


def test_title_equal_then_starting_then_containing(make):
    contains = make("城乡居民社保卡补领")
    starts = make("社保卡补领")
    equal = make("社保卡")
    body = make("补领证件", "社保卡遗失后补领")
    assert found("社保卡") == [equal.pk, starts.pk, contains.pk, body.pk]
    scores = [hit.score for hit in search.search(KIND, "社保卡").hits]
    assert scores == sorted(scores, reverse=True)
    assert int(scores[0]) == 4
    assert int(scores[-1]) == 0


# --- Highlighting ---------------------------------------------------------------------------------------------


def test_highlight_escapes_html_then_marks_terms(make):
    make("<script>alert('社保')</script>", "<b>社保</b> & 医保")
    hit = search.search(KIND, "社保").hits[0]
    assert isinstance(hit.title_html, SafeString)
    assert hit.title_html == "&lt;script&gt;alert(&#x27;<mark>社保</mark>&#x27;)&lt;/script&gt;"
    assert hit.snippet_html == "&lt;b&gt;<mark>社保</mark>&lt;/b&gt; &amp; 医保"


def test_every_term_is_marked_and_ascii_case_is_kept(make):
    make("网站ICP备案", "icp备案：ICP 备案号")
    hit = search.search(KIND, "icp备案").hits[0]
    assert hit.title_html == "网站<mark>ICP</mark><mark>备案</mark>"
    assert hit.snippet_html == "<mark>icp</mark><mark>备案</mark>：<mark>ICP</mark> <mark>备案</mark>号"


def test_a_term_is_never_matched_inside_an_escaped_entity(make):
    make("amp 社保", "a & b")
    assert search.search(KIND, "amp").hits[0].title_html == "<mark>amp</mark> 社保"
    assert search.highlight("a & b", "amp") == "a &amp; b"


def test_snippet_is_about_eighty_characters_around_the_first_match(kind):
    before = "申请人应当如实填写申请表格并提交相关证明材料" * 4
    after = "窗口工作人员当场核验原件后退回复印件留存备查" * 4
    long_body("综合窗口", f"{before}\n凭社保缴费凭证办理。{after}")
    snippet = str(search.search(KIND, "社保").hits[0].snippet_html)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>社保</mark>" in snippet
    text = snippet.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert 70 <= len(text) <= search.SNIPPET_LENGTH
    assert "\n" not in snippet


def test_snippet_starts_at_the_sentence_of_the_match(kind):
    long_body("综合窗口", "甲" * 100 + "。凭社保缴费凭证办理。" + "乙" * 100)
    snippet = search.search(KIND, "社保").hits[0].snippet_html
    assert snippet.startswith("…凭<mark>社保</mark>缴费凭证办理。乙")


def test_title_only_match_gets_the_start_of_the_body(kind):
    long_body("社保卡申领", "携带身份证原件到窗口办理。" * 20)
    snippet = search.search(KIND, "社保").hits[0].snippet_html
    assert snippet.startswith("携带身份证原件")
    assert snippet.endswith("…")


# --- Restriction, paging -----------------------------------------------------------------------------------------


def test_ids_restrict_the_search(make):
    a, b, c = make("社保卡申领"), make("社保转移"), make("社保查询")
    assert sorted(found("社保", ids=[a.pk, c.pk])) == sorted([a.pk, c.pk])
    assert found("社保", ids=[]) == []
    assert search.search(KIND, "社保", ids=[b.pk]).total == 1


def test_ids_may_be_a_queryset_run_as_a_subquery(make):
    a, _ = make("社保卡申领", "乐昌市"), make("社保转移", "南雄市")
    only_lechang = Organisation.objects.filter(address="乐昌市")
    assert found("社保", ids=only_lechang) == [a.pk]
    assert found("社保", ids=only_lechang.values_list("pk", flat=True)) == [a.pk]


def test_kinds_are_separate(make, regions):
    org = make("社保卡申领")
    search.index_documents("test.other", [(org.pk, ("社保另一种", ""))])
    assert found("社保") == [org.pk]
    assert [h.object_id for h in search.search("test.other", "社保").hits] == [org.pk]


def test_pages_and_exact_total_beyond_the_ranked_candidates(make, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 4)
    orgs = [make(f"社保业务{n:02d}") for n in range(10)]
    first = search.search(KIND, "社保", limit=3)
    assert first.total == 10
    seen = [
        h.object_id for page in range(4) for h in search.search(KIND, "社保", limit=3, offset=page * 3).hits
    ]
    assert sorted(seen) == sorted(o.pk for o in orgs)
    assert search.search(KIND, "社保", limit=3, offset=30) == search.SearchResult(total=10, hits=[])


def test_query_count_does_not_grow_with_results(make, django_assert_max_num_queries):
    make("社保业务")
    with django_assert_max_num_queries(2) as few:  # the matches, the bodies of the page
        assert len(search.search(KIND, "社保").hits) == 1
    for n in range(25):
        make(f"社保业务{n}", "社保" * n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(search.search(KIND, "社保").hits) == 20


# --- Writing ----------------------------------------------------------------------------------------------------


def test_index_updates_an_entry_in_place(make):
    org = make("社保卡申领")
    org.name = "医保卡申领"
    search.index(KIND, [org])
    search.index(KIND, [org])  # unchanged: the FTS update is skipped on SQLite; still found once
    assert SearchEntry.objects.filter(kind=KIND).count() == 1
    assert found("社保") == []
    assert found("医保") == [org.pk]


def test_an_unchanged_document_is_not_written_again(make):
    org = make("社保卡申领")
    before = SearchEntry.objects.get(kind=KIND, object_id=org.pk).updated_at
    search.index(KIND, [org])
    assert SearchEntry.objects.get(kind=KIND, object_id=org.pk).updated_at == before
    org.address = "乐昌市"
    search.index(KIND, [org])
    assert SearchEntry.objects.get(kind=KIND, object_id=org.pk).updated_at > before


def test_remove_deletes_entries(make):
    a, b = make("社保卡申领"), make("社保转移")
    assert search.remove(KIND, [a.pk, 999_999]) == 1
    assert found("社保") == [b.pk]


def test_a_plain_queryset_delete_keeps_the_index_in_step(make):
    make("社保卡申领")
    SearchEntry.objects.all().delete()
    assert found("社保") == []
    org = make("社保转移")
    assert found("社保") == [org.pk]


def test_index_needs_a_registered_kind(regions):
    org = OrganisationFactory(region=regions["lc"])
    with pytest.raises(ImproperlyConfigured, match="not registered"):
        search.index("test.nobody", [org])


def test_a_kind_cannot_be_registered_for_two_models(kind):
    with pytest.raises(ImproperlyConfigured):
        search.register(KIND, model=SearchEntry, document=org_document)
    with pytest.raises(ValueError, match="app.model"):
        search.register("No Kind", model=Organisation, document=org_document)


def test_documents_may_be_plain_tuples_and_nul_free(kind):
    search.index_documents(KIND, [(7, ("社保\x00卡", None)), (8, search.SearchDocument("医保", "x"))])
    assert found("社保卡") == [7]
    assert SearchEntry.objects.get(kind=KIND, object_id=8).body == "x"


def test_reindex_rebuilds_from_the_model_and_drops_stale_entries(make, regions):
    org = make("社保卡申领")
    Organisation.objects.filter(pk=org.pk).update(name="医保卡申领")  # changed behind the index's back
    search.index_documents(KIND, [(999_999, ("社保幽灵", ""))])  # an object that no longer exists
    calls = []
    count = search.reindex(KIND, progress=lambda done, total: calls.append((done, total)))
    total = Organisation.objects.count()
    assert count == total
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert found("社保") == []
    assert found("医保") == [org.pk]
    assert SearchEntry.objects.filter(kind=KIND).count() == total


def test_reindex_uses_the_registered_queryset(kind, make):
    search.register(
        KIND,
        model=Organisation,
        document=org_document,
        queryset=lambda: Organisation.objects.filter(name__startswith="社保"),
    )
    keep, drop = make("社保卡申领"), make("医保卡申领")
    assert search.reindex(KIND) == 1
    assert found("申领") == [keep.pk]
    assert drop.pk not in found("卡")


def test_search_reindex_command_rebuilds_with_progress(make, capsys):
    make("社保卡申领")
    SearchEntry.objects.all().delete()
    call_command("search_reindex", KIND)
    out = capsys.readouterr().out
    assert f"{KIND}：已索引" in out
    assert "100%" in out
    assert len(found("社保")) == 1


def test_search_reindex_command_refuses_unknown_kinds(kind):
    with pytest.raises(CommandError, match="未注册的搜索类型：nope.kind"):
        call_command("search_reindex", "nope.kind")


# --- Databases ----------------------------------------------------------------------------------------------

CORPUS = [
    ("社保卡申领", "申请人携带居民身份证到人社局社保窗口办理。"),
    ("养老保险关系转移", "已参加社保的职工跨地区就业的，凭社保缴费凭证办理转移。"),
    ("城乡居民医保参保登记", "城乡居民持户口簿办理医保参保。"),
    ("个体工商户营业执照核发", "申请人提交经营场所证明，领取营业执照。"),
    ("网站ICP备案", "互联网信息服务ICP备案，需提供域名证书。"),
    ("社会保险费申报", "用人单位按月申报社会保险费。"),
    ("食品经营许可", "从事食品销售和餐饮服务的，应当取得食品经营许可证。"),
    ("不动产登记", "不动产首次登记、转移登记、抵押登记。"),
    ("户籍迁入", "因婚姻、投靠等原因迁入户籍，社保关系随迁。"),
    ("公积金提取", "职工购房、退休可提取住房公积金。"),
]
EXPECTED = {
    "社保": [0, 1, 8],
    "医保": [2],
    "执照": [3],
    "营业执照": [3],
    "社保卡": [0],
    "登记": [7, 2],
    "ICP备案": [4],
    "许可": [6],
    "食品经营许可": [6],
    "保险": [5, 1],
    "公积金": [9],
    "卡": [0],
    "社会保险": [5],
    "火星移民": [],
}


@pytest.mark.parametrize(("query", "expected"), EXPECTED.items())
def test_the_same_ranked_results_on_every_database(kind, query, expected):
    """This test runs on SQLite and on PostgreSQL (make test): one expected list for both."""
    search.index_documents(kind, [(n + 1, doc) for n, doc in enumerate(CORPUS)])
    assert found(query) == [n + 1 for n in expected]


def test_the_database_index_exists_and_is_used(kind):
    search.index_documents(kind, [(n + 1, doc) for n, doc in enumerate(CORPUS)])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_searchentry'"
            )
            assert {r[0] for r in cursor.fetchall()} == {
                "core_searchentry_fts_ai",
                "core_searchentry_fts_ad",
                "core_searchentry_fts_au",
            }
            cursor.execute(
                "SELECT count(*) FROM core_searchentry_fts WHERE core_searchentry_fts MATCH '\"社保\"'"
            )
            assert cursor.fetchone()[0] == 3
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT e.object_id FROM core_searchentry e"
                " WHERE e.search_vector @@ to_tsquery('simple'::regconfig, %s)",
                ["'社保'"],
            )
            plan = "\n".join(r[0] for r in cursor.fetchall())
            assert "core_searchentry_fts_gin" in plan
