"""API schemas of the service catalogue (XIn / XOut). The catalogue is public information: the public schemas
carry what a published guide says; who drafted or reviewed a version is only in the staff history."""

# No ``from __future__ import annotations``: ninja resolves these annotations at runtime (see core/api.py).
from datetime import datetime

from ninja import Field, Schema

from zhengwu.catalog.choices import Channel, ItemLevel, ItemType, OnlineDepth, TongbanScope


class ItemFilter(Schema):
    """Filters of the item list (all optional; combined with AND)."""

    department: int | None = Field(None, description="实施主体的单位 id(见 /catalog/departments)")
    type: ItemType | None = Field(None, description="事项类型代码：XK 行政许可、JF 行政给付、GG 公共服务…")
    level: ItemLevel | None = Field(
        None, description="实施层级：county 县级、town 镇(街)级、village 村(居)级"
    )
    channel: Channel | None = Field(None, description="上线渠道：web 网上办事大厅、yueshengshi 粤省事…")
    topic: str = Field("", description="主题代码(见 /catalog/topics)")
    tongban: TongbanScope | None = Field(
        None, description="通办范围：city 市内、province 省内、national 跨省"
    )
    high_frequency: bool | None = Field(None, description="只看(true)或排除(false)高频事项")
    one_window: bool | None = Field(None, description="只看(true)或排除(false)已配置一窗受理的事项")
    online_depth: OnlineDepth | None = Field(None, description="网上办理深度 1–4(4 = 全程网办)")
    q: str = Field("", description="事项名称或编码包含的文字(全文检索请用 /catalog/items/search)")

    def selector_filters(self) -> dict[str, object]:
        """The keyword arguments of selectors.item_filter."""
        return {
            "department": self.department,
            "item_type": self.type.value if self.type else "",
            "level": self.level.value if self.level else "",
            "channel": self.channel.value if self.channel else "",
            "topic": self.topic.strip(),
            "tongban": self.tongban.value if self.tongban else "",
            "high_frequency": self.high_frequency,
            "one_window": self.one_window,
            "online_depth": int(self.online_depth) if self.online_depth else None,
            "q": self.q.strip(),
        }


class DepartmentRef(Schema):
    id: int
    code: str = Field(description="内部代码")
    name: str


class ChannelOut(Schema):
    channel: str = Field(description="渠道代码")
    label: str = Field(description="渠道名称")
    url: str = Field(description="该渠道的办理入口(可能为空)")


class TopicRef(Schema):
    code: str
    name: str
    kind: str = Field(description="person 个人办事(人生阶段) / enterprise 法人办事(企业阶段)")


class ItemOut(Schema):
    """A published item as the list shows it; the guide's headline facts are included."""

    id: int
    impl_code: str = Field(description="实施编码")
    base_code: str = Field(description="基本编码")
    name: str = Field(description="事项名称")
    item_type: str = Field(description="事项类型代码")
    item_type_label: str = Field(description="事项类型")
    on_application: bool = Field(description="依申请")
    department: DepartmentRef = Field(description="实施主体")
    level: str = Field(description="实施层级代码")
    level_label: str = Field(description="实施层级")
    service_object: str = Field(description="服务对象代码")
    service_object_label: str = Field(description="服务对象")
    handling_kind: str | None = Field(description="办件类型代码：immediate 即办件 / promised 承诺件")
    handling_kind_label: str | None = Field(description="办件类型")
    statutory_days: int | None = Field(description="法定办结时限(工作日)")
    promised_days: int | None = Field(description="承诺办结时限(工作日)")
    time_limit: str = Field(description="办结时限的文字表述，如“即办”“5个工作日”")
    visits: int | None = Field(description="跑动次数：0、1、2，3 表示多次")
    visits_label: str | None = Field(description="跑动次数")
    online_depth: int | None = Field(description="网上办理深度 1–4")
    online_depth_label: str | None = Field(description="网上办理深度")
    channels: list[ChannelOut] = Field(description="上线渠道")
    tongban_scope: str = Field(description="通办范围代码(空 = 不通办)")
    tongban_mode: str = Field(description="通办模式代码")
    one_window: bool = Field(description="已配置一窗受理")
    high_frequency: bool = Field(description="高频事项(按近12个月办件量排名计算)")
    published_at: datetime | None = Field(description="现行办事指南的发布时间")
    url: str = Field(description="公众办事指南页面")


class MaterialOut(Schema):
    order: int
    name: str = Field(description="材料名称")
    required: bool = Field(description="必要")
    copies: int = Field(description="份数")
    form: str = Field(
        description="材料形式代码：original 原件、copy 复印件、both 原件和复印件、electronic 电子材料"
    )
    form_label: str
    source: str = Field(
        description="来源代码：applicant 申请人自备、government 政府部门核发、shared 数据共享免提交…"
    )
    source_label: str
    note: str = Field(description="填报须知")
    blank_form_url: str | None = Field(description="空白表格下载地址")
    sample_url: str | None = Field(description="示例样表下载地址")


class StepOut(Schema):
    order: int
    name: str = Field(description="环节名称")
    description: str = Field(description="办理内容")
    days: int | None = Field(description="环节时限(工作日)")
    is_special: bool = Field(description="特殊环节(听证、检测、专家评审等)")
    counts_in_limit: bool = Field(description="计入办结时限")


class GuideOut(Schema):
    """One version of a 办事指南 with its materials and steps."""

    id: int
    number: int = Field(description="版本号")
    status: str = Field(
        description="状态代码：draft 草稿、review 待审核、published 已发布、superseded 历史版本"
    )
    status_label: str
    handling_kind: str
    handling_kind_label: str
    statutory_days: int | None
    promised_days: int | None
    time_limit: str = Field(description="办结时限的文字表述")
    fee_mode: str = Field(description="free 不收费 / charged 收费 / 空 = 未填写")
    fee_mode_label: str
    fee_detail: str = Field(description="收费项目、标准及依据")
    legal_basis: str = Field(description="设定依据")
    conditions: str = Field(description="受理条件")
    location: str = Field(description="办理地点")
    hours: str = Field(description="办理时间")
    consult_phone: str = Field(description="咨询电话")
    complaint_phone: str = Field(description="监督投诉电话")
    visits: int
    visits_label: str
    online_depth: int
    online_depth_label: str
    online_url: str = Field(description="网上办理入口")
    result_name: str = Field(description="审批结果(证照名称)")
    faq: str = Field(description="常见问题")
    change_note: str = Field(description="修订说明")
    published_at: datetime | None
    materials: list[MaterialOut] = Field(description="申请材料")
    steps: list[StepOut] = Field(description="办理流程")


class ItemDetailOut(ItemOut):
    """A published item with its current guide, topics and channels."""

    handle_code: str = Field(description="业务办理项编码")
    topics: list[TopicRef] = Field(description="主题")
    guide: GuideOut = Field(description="现行办事指南")


class ItemRef(Schema):
    id: int
    impl_code: str
    name: str


class GuideDetailOut(GuideOut):
    item: ItemRef = Field(description="所属事项")


class GuideHistoryOut(Schema):
    """A version in an item's history (staff)."""

    id: int
    number: int
    status: str
    status_label: str
    change_note: str = Field(description="修订说明")
    created_at: datetime
    created_by: str | None = Field(description="起草人")
    submitted_at: datetime | None
    reviewed_by: str | None = Field(description="审核人")
    review_comment: str
    published_at: datetime | None


class SearchHitOut(Schema):
    id: int
    impl_code: str
    name: str
    department: DepartmentRef
    score: float = Field(description="相关度(越大越相关)")
    title_html: str = Field(description="事项名称，命中的词用 <mark> 标出(已转义的 HTML)")
    snippet_html: str = Field(description="指南摘录，命中的词用 <mark> 标出(已转义的 HTML)")
    url: str = Field(description="公众办事指南页面")


class SearchOut(Schema):
    query: str
    count: int = Field(description="命中的事项总数")
    items: list[SearchHitOut]


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    published: int = Field(description="已发布办事指南的在用事项数")


class TopicOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    published: int = Field(description="已发布办事指南的在用事项数")


class RuleOut(Schema):
    code: str
    label: str = Field(description="核查的要素")
    description: str


class DepartmentCompletenessOut(Schema):
    department: DepartmentRef
    audited: int = Field(description="纳入核查的依申请在用事项数")
    complete: int = Field(description="无任何缺失或不合规要素的事项数")
    problems: int = Field(description="发现的问题数")
    rate: float | None = Field(description="完整率 0–1(无事项时为空)")


class CompletenessOut(Schema):
    definition: str = Field(description="完整率的口径")
    rules: list[RuleOut] = Field(description="启用的核查规则")
    audited: int
    complete: int
    rate: float | None = Field(description="全县(市)完整率 0–1")
    departments: list[DepartmentCompletenessOut]
