"""`zhengwu import_data KIND FILE [--mode atomic|valid_only] [--user NAME]`: the web import, from a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.choices import ImportMode, ImportStatus
from zhengwu.core.exceptions import DomainError
from zhengwu.core.imports import cli_progress_bar, import_file_job, import_job_run, importers
from zhengwu.core.models import User


class Command(BaseCommand):
    help = "从 xlsx/csv 文件导入数据，显示进度，逐行报告错误(与网页导入相同的校验)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="导入类型：" + "、".join(sorted(importers())))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ATOMIC,
            help="atomic：全部成功才提交(默认)；valid_only：仅提交有效行",
        )
        parser.add_argument("--user", default="", help="以该账号身份导入(记入审计日志)")
        parser.add_argument("--max-errors", type=int, default=20, help="终端显示的错误行数上限")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, path = options["kind"], options["file"]
        if kind not in importers():
            raise CommandError(f"未知的导入类型 {kind}：可选 {'、'.join(sorted(importers()))}。")
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"账号 {options['user']} 不存在或已停用。")
            permission = importers()[kind].permission
            if not actor.has_perm(permission):
                raise CommandError(f"账号 {actor.username} 没有“{importers()[kind].label}”的权限。")
        try:
            job = import_file_job(kind=kind, path=path, mode=options["mode"], actor=actor)
            job = import_job_run(job, progress=cli_progress_bar(getattr(self.stdout, "_out", self.stdout)))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write("")
        errors = list(job.row_errors.order_by("row", "id")[: options["max_errors"]])
        for err in errors:
            self.stdout.write(
                f"  第{err.row}行 {err.column}：{err.message}" + (f"（{err.value}）" if err.value else "")
            )
        if job.error_rows > len(errors):
            self.stdout.write(f"  …… 另有错误，完整明细见网页“数据导入”任务 #{job.pk}")
        summary = (
            f"任务 #{job.pk}：{job.get_status_display()}。数据行 {job.total_rows}，新增 {job.created_rows}，"
            f"更新 {job.updated_rows}，错误行 {job.error_rows}。{job.message}"
        )
        if job.status in {ImportStatus.SUCCEEDED, ImportStatus.PARTIAL}:
            self.stdout.write(self.style.SUCCESS(summary))
        else:
            raise CommandError(summary)
