"""Shared catalogue fixtures: items with published guides (materials, steps, channels, topics).

``make_item(...)`` builds one item through the services (so constraints and audit run as in production) and
publishes its guide unless ``publish=False``; ``catalog_item`` is one complete published item.
Add fixtures here carefully: several test files use them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from zhengwu.catalog.choices import (
    Channel,
    FeeMode,
    HandlingKind,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TopicKind,
    Visits,
)
from zhengwu.catalog.models import Item, Topic
from zhengwu.catalog.services import guide_publish_new, item_upsert

_seq = count(1)

GUIDE_VALUES: dict[str, Any] = {
    "handling_kind": HandlingKind.PROMISED,
    "statutory_days": 20,
    "promised_days": 5,
    "fee_mode": FeeMode.FREE,
    "legal_basis": "《社会保险法》第五十八条",
    "conditions": "在本市参加社会保险的人员。",
    "location": "乐昌市政务服务中心一楼综合窗口",
    "hours": "周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）",
    "consult_phone": "0751-5551234",
    "complaint_phone": "0751-12345",
    "visits": Visits.ZERO,
    "online_depth": OnlineDepth.LEVEL4,
    "online_url": "https://www.gdzwfw.gov.cn/",
    "result_name": "社会保障卡",
    "faq": "问：可以委托他人办理吗？答：可以，需提供委托书。",
}
MATERIALS: list[dict[str, Any]] = [
    {
        "name": "居民身份证",
        "required": True,
        "copies": 1,
        "form": MaterialForm.ORIGINAL,
        "source": MaterialSource.SHARED,
    },
    {
        "name": "社会保障卡申领登记表",
        "required": True,
        "copies": 1,
        "form": MaterialForm.ORIGINAL,
        "source": MaterialSource.ISSUED_HERE,
        "note": "本人签名",
    },
    {
        "name": "委托书",
        "required": False,
        "copies": 1,
        "form": MaterialForm.ORIGINAL,
        "source": MaterialSource.APPLICANT,
    },
]
STEPS: list[dict[str, Any]] = [
    {"name": "申请", "description": "申请人提交材料", "days": None},
    {"name": "受理", "description": "窗口审核材料", "days": 1},
    {
        "name": "专家评审",
        "description": "组织专家评审",
        "days": 10,
        "is_special": True,
        "counts_in_limit": False,
    },
    {"name": "决定", "description": "作出决定并送达", "days": 2},
]


@pytest.fixture
def topics(db) -> dict[str, Topic]:
    return {
        "birth": Topic.objects.create(kind=TopicKind.PERSON, code="birth", name="出生", order=1),
        "retire": Topic.objects.create(kind=TopicKind.PERSON, code="retire", name="退休养老", order=2),
        "open": Topic.objects.create(
            kind=TopicKind.ENTERPRISE, code="open-business", name="准入准营", order=1
        ),
    }


@pytest.fixture
def make_item(orgs) -> Callable[..., Item]:
    def make(
        name: str = "社会保障卡申领",
        *,
        department: Any = None,
        impl_code: str | None = None,
        item_type: str = ItemType.PUBLIC_SERVICE,
        service_object: str = ServiceObject.PERSON,
        channels: tuple[str, ...] = (Channel.HALL_WEB, Channel.YUESHIDA),
        topics: tuple[Topic, ...] = (),
        publish: bool = True,
        materials: list[dict[str, Any]] | None = None,
        steps: list[dict[str, Any]] | None = None,
        **guide: Any,
    ) -> Item:
        n = next(_seq)
        item = item_upsert(
            impl_code=impl_code or f"11440281MB2C{n:06d}",
            department=department or orgs["rsj"],
            actor=None,
            channels=channels,
            topics=topics,
            name=name,
            base_code=f"GG{n:08d}",
            item_type=item_type,
            service_object=service_object,
        )
        if publish:
            guide_publish_new(
                item=item,
                actor=None,
                values={**GUIDE_VALUES, **guide},
                materials=MATERIALS if materials is None else materials,
                steps=STEPS if steps is None else steps,
                note="测试",
            )
            item.refresh_from_db()
        return item

    return make


@pytest.fixture
def catalog_item(make_item, topics) -> Item:
    return make_item(topics=(topics["birth"],))
