"""`zhengwu search_reindex [kind ...]`: rebuild the search index of some kinds (default: every registered kind)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core import search
from zhengwu.core.imports import cli_progress_bar


class Command(BaseCommand):
    help = "重建全文搜索索引：按已注册的类型(如 catalog.item)重新生成搜索条目；不指定类型时重建全部。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kinds", nargs="*", metavar="kind", help="搜索类型，如 catalog.item(可多个)")

    def handle(self, *args: Any, **options: Any) -> None:
        known = search.registered_kinds()
        kinds = list(dict.fromkeys(options["kinds"])) or known
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise CommandError(
                f"未注册的搜索类型：{'、'.join(unknown)}。已注册的类型：{'、'.join(known) or '无'}"
            )
        if not kinds:
            self.stdout.write("没有已注册的搜索类型。")
            return
        out = getattr(self.stdout, "_out", self.stdout)  # the bar writes "\r…" itself, without a newline
        for kind in kinds:
            self.stdout.write(f"{kind}：重建索引 …")
            started = time.perf_counter()
            count = search.reindex(kind, progress=cli_progress_bar(out))
            seconds = time.perf_counter() - started
            if out.isatty():
                self.stdout.write("")  # end the bar's line
            self.stdout.write(self.style.SUCCESS(f"{kind}：已索引 {count} 条，用时 {seconds:.1f} 秒。"))
