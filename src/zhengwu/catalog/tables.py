"""Table definitions of the catalogue's staff lists (core.tables: one definition → page, sort, xlsx export)."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.catalog.choices import Channel
from zhengwu.catalog.models import GuideVersion, Item
from zhengwu.core.tables import Column, Table

# Short channel names for the dense list (the full names are on the item page and in the guide).
CHANNEL_SHORT = {
    Channel.HALL_WEB: _("网上办事大厅"),
    Channel.YUESHIDA: _("粤省事"),
    Channel.YUESHANGTONG: _("粤商通"),
    Channel.KIOSK: _("自助终端"),
}
_CHANNELS = list(Channel.values)


def _channels(item: Item) -> str:
    listed = sorted(item.channels.all(), key=lambda c: _CHANNELS.index(c.channel))
    return "、".join(str(CHANNEL_SHORT.get(c.channel, c.channel)) for c in listed)


def _local(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""  # type: ignore[arg-type]


def _yes(flag: bool) -> str:
    return str(_("是")) if flag else ""


def _guide_state(item: Item) -> str:
    guide = item.current_guide
    state = f"v{guide.number}" if guide is not None else str(_("未发布"))
    return state if item.is_active else f"{state}（{_('停用')}）"


def _depth(item: Item) -> str:
    """四级 rather than 四级(全程网办): the level names are in the filter and the note."""
    guide = item.current_guide
    return guide.get_online_depth_display().split("(")[0] if guide is not None else ""


def _tongban(item: Item) -> str:
    if not item.tongban_scope:
        return ""
    return str(item.get_tongban_scope_display())


def high_frequency_definition() -> str:
    """The 高频事项 definition as configured (ZHENGWU_HIGH_FREQUENCY_MONTHS / _SHARE)."""
    return str(_("近%(months)s个月办件量前%(share)s%%")) % {
        "months": settings.ZHENGWU_HIGH_FREQUENCY_MONTHS,
        "share": f"{settings.ZHENGWU_HIGH_FREQUENCY_SHARE * 100:g}",
    }


def item_table() -> Table:
    """The item table, its note carrying the configured 高频 definition."""
    note = str(_("高频事项：%(definition)s；承诺时限与网办深度取现行指南")) % {
        "definition": high_frequency_definition()
    }
    return replace(ITEM_TABLE, note=note)


ITEM_TABLE = Table(
    name=_("政务服务事项"),
    columns=[
        Column(
            "impl_code",
            _("实施编码"),
            sort="impl_code",
            css="mono",
            width=26,
            link=lambda i: reverse("catalog:item-detail", args=[i.pk]),
        ),
        Column(
            "name",
            _("事项名称"),
            sort="name",
            width=40,
            link=lambda i: reverse("catalog:item-detail", args=[i.pk]),
        ),
        Column(
            "department",
            _("实施主体"),
            value=lambda i: i.department.short_name or i.department.name,
            sort="department__code",
            width=28,
        ),
        Column("item_type", _("事项类型"), value=lambda i: i.get_item_type_display(), sort="item_type"),
        Column("level", _("层级"), value=lambda i: i.get_level_display(), sort="level"),
        Column(
            "time_limit",
            _("承诺时限"),
            value=lambda i: i.current_guide.time_limit_text if i.current_guide else "",
        ),
        Column("online_depth", _("网办深度"), value=_depth, sort="current_guide__online_depth"),
        Column("channels", _("上线渠道"), value=_channels, width=30),
        Column("tongban", _("通办"), value=_tongban, sort="tongban_scope"),
        Column("one_window", _("一窗"), value=lambda i: _yes(i.one_window), sort="one_window"),
        Column("high_frequency", _("高频"), value=lambda i: _yes(i.high_frequency), sort="volume_rank_pct"),
        Column("guide", _("现行指南"), value=_guide_state),
        Column(
            "updated_at",
            _("更新"),
            value=lambda i: timezone.localtime(i.updated_at).strftime("%Y-%m-%d"),
            sort="updated_at",
            width=12,
        ),
    ],
)


def _guide_link(g: GuideVersion) -> str:
    return reverse("catalog:guide-detail", args=[g.pk])


REVIEW_TABLE = Table(
    name=_("待审核办事指南"),
    note=_("起草人不能审核自己起草的版本"),
    columns=[
        Column("item.impl_code", _("实施编码"), css="mono", width=26, sort="item__impl_code"),
        Column("item.name", _("事项名称"), link=_guide_link, width=40, sort="item__name"),
        Column(
            "department", _("实施主体"), value=lambda g: g.item.department.name, sort="item__department__code"
        ),
        Column("number", _("版本"), value=lambda g: f"v{g.number}", css="num"),
        Column(
            "created_by",
            _("起草人"),
            value=lambda g: (g.created_by.display_name or g.created_by.username) if g.created_by else "",
        ),
        Column(
            "submitted_at",
            _("提交时间"),
            value=lambda g: _local(g.submitted_at),
            sort="submitted_at",
            width=18,
        ),
        Column("change_note", _("修订说明"), width=40),
        Column("open", "", value=lambda g: _("审核"), link=_guide_link, export=False),
    ],
)
