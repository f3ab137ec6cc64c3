"""`zhengwu seed_demo [--seed N] [--scale N] [--reset-passwords]`: build the Lechang demo (idempotent)."""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhengwu.core import context
from zhengwu.core.exceptions import DomainError
from zhengwu.demo.data import COUNTY_CODE
from zhengwu.demo.seed import STEPS, SeedContext, summary_counts


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"规模应为正整数，收到 {value}")
    return int(value)


class Command(BaseCommand):
    help = "生成乐昌市演示数据(区划、单位、演示账号、自然人、工作日历)；可重复执行，同一 --seed 结果相同。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="随机种子(默认 2026)")
        parser.add_argument("--scale", type=_positive, default=1, help="数据规模倍数(默认 1，用于压测)")
        parser.add_argument(
            "--reset-passwords", action="store_true", help="把已存在的演示账号密码重置为公布的演示密码"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = SeedContext(
            seed=options["seed"], scale=options["scale"], reset_passwords=options["reset_passwords"]
        )
        self.stdout.write(f"生成乐昌市演示数据：随机种子 {ctx.seed}，规模 ×{ctx.scale}")
        if settings.ZHENGWU_REGION_CODE[:6] != COUNTY_CODE:
            self.stdout.write(
                self.style.WARNING(
                    f"注意：本实例配置的区划代码为 {settings.ZHENGWU_REGION_CODE}，演示数据属于乐昌市({COUNTY_CODE})。"
                )
            )
        # One request id for the whole run groups its audit entries.
        token = context.current.set(context.RequestContext(request_id=str(uuid.uuid4())))
        started = time.perf_counter()
        try:
            for number, step in enumerate(STEPS, start=1):
                self.stdout.write(f"[{number}/{len(STEPS)}] {step.title}……", ending="")
                self.stdout.flush()
                tick = time.perf_counter()
                try:
                    with transaction.atomic():
                        result = step.run(ctx)
                except DomainError as exc:
                    raise CommandError(f"{step.title}失败：{exc.message}") from None
                except ValidationError as exc:
                    raise CommandError(f"{step.title}失败：{'；'.join(exc.messages)}") from None
                self.stdout.write(f"{result.line()}（{time.perf_counter() - tick:.1f} 秒）")
        finally:
            context.current.reset(token)
        counts = "，".join(f"{label} {value}" for label, value in summary_counts().items())
        self.stdout.write(
            self.style.SUCCESS(f"完成：{counts}；用时 {time.perf_counter() - started:.1f} 秒。")
        )
        self.stdout.write("演示账号见 zhengwu demo_accounts。")
