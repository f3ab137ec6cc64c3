"""`zhengwu audit_verify`: walk the audit hash chain; exit 1 when it is broken."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.core.audit import audit_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，发现篡改或删除时以状态码 1 退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"审计日志哈希链完整：共校验 {report.checked} 条。"))
            return
        self.stderr.write(
            self.style.ERROR(
                f"审计日志哈希链断开：第 {report.first_bad_id} 条（{report.reason}）；已校验 {report.checked} 条。"
            )
        )
        sys.exit(1)
