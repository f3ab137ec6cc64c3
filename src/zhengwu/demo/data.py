"""Fixed inputs of the Lechang demo (facts and [U] defaults from reference/demo-data.md).

Nothing here is a reported figure: these are the units, names and generation parameters from which the
demo's records are built. Tags follow demo-data.md: [S#] sourced, [U] plausible default.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengwu.core.choices import OrgKind, Role

COUNTY_CODE = "440281"
DEMO_PASSWORD = "Lechang@2026"  # noqa: S105 - the published password of the demo accounts
DEMO_URL = "http://127.0.0.1:8000/"
SEED_USERNAME = "seed_demo"  # shown in the audit log for writes made by the seeding itself

# --- Regions ---------------------------------------------------------------------------------------------

# Town-level units the Ministry list lacks: the two 政企合一 units of the NBS codes [S1].
MANAGEMENT_AREAS: list[tuple[str, str]] = [
    ("440281451", "坪梅矿务局坪石管理区"),
    ("440281452", "坪梅矿务局梅田管理区"),
]

# 9-digit town code → (居委会/社区, 村委会) to hold. Sourced counts where demo-data.md gives them
# (乐城 11+16 [S6], 北乡 8 [S5], 九峰 1+12 [S4], 五山 11 [S2], 两江 7 [S3]); the rest are [U] so that
# the county holds about 215 村(居) in all (DESIGN.md §5).
VILLAGE_PLAN: dict[str, tuple[int, int]] = {
    "440281001": (11, 16),  # 乐城街道
    "440281102": (0, 8),  # 北乡镇
    "440281103": (1, 12),  # 九峰镇
    "440281104": (1, 12),  # 廊田镇
    "440281105": (1, 11),  # 长来镇
    "440281106": (1, 13),  # 梅花镇
    "440281107": (1, 10),  # 三溪镇
    "440281108": (2, 14),  # 坪石镇
    "440281110": (1, 11),  # 黄圃镇
    "440281111": (0, 11),  # 五山镇
    "440281112": (0, 7),  # 两江镇
    "440281113": (1, 10),  # 沙坪镇
    "440281114": (1, 11),  # 云岩镇
    "440281115": (1, 10),  # 秀水镇
    "440281117": (1, 9),  # 大源镇
    "440281118": (1, 11),  # 庆云镇
    "440281119": (1, 10),  # 白石镇
    "440281451": (2, 0),  # 坪石管理区
    "440281452": (2, 0),  # 梅田管理区
}


@dataclass(frozen=True)
class KnownVillage:
    """A real 村(居) name; ``code`` is empty when only the name is known (a code is then arranged)."""

    town: str
    name: str
    code: str = ""
    urban_rural: str = ""
    source: str = ""


_WUSHAN = "五山镇2011年统计用区划代码及城乡分类(公开资料转载)"
_LIANGJIANG = "两江镇概况(公开资料)，代码为演示编排，未经核实"
_MEIHUA = "乐昌市政府网站转载页面(梅花镇村委会)，代码为演示编排，未经核实"

KNOWN_VILLAGES: list[KnownVillage] = [
    KnownVillage("440281111", "青岭村", "440281111201", "220", _WUSHAN),
    KnownVillage("440281111", "石下村", "440281111202", "220", _WUSHAN),
    KnownVillage("440281111", "山溪村", "440281111203", "220", _WUSHAN),
    KnownVillage("440281111", "坪田村", "440281111204", "220", _WUSHAN),
    KnownVillage("440281111", "牛头洞村", "440281111205", "220", _WUSHAN),
    KnownVillage("440281111", "小山村", "440281111206", "220", _WUSHAN),
    KnownVillage("440281111", "嶂下村", "440281111207", "220", _WUSHAN),
    KnownVillage("440281111", "麻坑村", "440281111208", "121", _WUSHAN),
    KnownVillage("440281111", "文书村", "440281111209", "220", _WUSHAN),
    KnownVillage("440281111", "大乐村", "440281111210", "220", _WUSHAN),
    KnownVillage("440281111", "沙田村", "440281111211", "220", _WUSHAN),
    *(
        KnownVillage("440281112", name, source=_LIANGJIANG)
        for name in ["曹家洞村", "凰落村", "上长塘村", "岐乐村", "茶坪村", "普乐村", "上斜村"]
    ),
    *(KnownVillage("440281106", name, source=_MEIHUA) for name in ["大坪村", "大塘边村", "马糍湖村"]),
]

# Stems for generated names (typical of northern Guangdong place names; combinations are invented).
VILLAGE_FIRST = list("上下大小新黄石白龙马牛茶沙樟松竹梅桃杉枫水高长横岩清和安太中楼罗邓谢李")
VILLAGE_SECOND = list("坪塘坑洞岭田口头背岗湾冲寨围洲源溪江水山坝径陂角垌排岩坳")
URBAN_COMMUNITY_STEMS = [
    "人民路", "解放路", "新华", "建设", "文化", "昌山", "河南", "东门", "西门", "北门", "南门",
    "和平", "公园", "城南", "城北", "桂花", "沿江", "东风", "站前", "迎宾", "武江", "新城",
]  # fmt: skip
TOWN_COMMUNITY_STEMS = ["新街", "圩镇", "站前", "沿河", "矿区", "工人村", "新城", "河西", "桥头", "老街"]

# 城乡分类代码 [S10]: 乐城街道 is the urban core; each 镇 has one 镇中心区 unit, the rest are 村庄 [U].
URBAN_CORE = "111"
URBAN_FRINGE = "112"
TOWN_CENTRE_AREA = "121"
VILLAGE_AREA = "220"
SPECIAL_AREA = "123"

# --- Organisations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    short_name: str = ""
    parent: str = ""
    phone: str = ""


# The 28 units of demo-data.md §2 (27 government departments + the bureau itself). Code = §2 code-hint.
DEPARTMENTS: list[OrgSpec] = [
    OrgSpec("BGS", "乐昌市人民政府办公室", OrgKind.DEPARTMENT, "市政府办", phone="0751-5551077"),
    OrgSpec("FGJ", "乐昌市发展和改革局", OrgKind.DEPARTMENT, "发改局"),
    OrgSpec("JYJ", "乐昌市教育局", OrgKind.DEPARTMENT, "教育局"),
    OrgSpec("GXJ", "乐昌市工业和信息化局(挂科学技术局牌子)", OrgKind.DEPARTMENT, "工信局"),
    OrgSpec("GAJ", "乐昌市公安局", OrgKind.DEPARTMENT, "公安局"),
    OrgSpec("MZJ", "乐昌市民政局", OrgKind.DEPARTMENT, "民政局"),
    OrgSpec("SFJ", "乐昌市司法局", OrgKind.DEPARTMENT, "司法局"),
    OrgSpec("CZJ", "乐昌市财政局", OrgKind.DEPARTMENT, "财政局"),
    OrgSpec("RSJ", "乐昌市人力资源和社会保障局", OrgKind.DEPARTMENT, "人社局"),
    OrgSpec("ZRZYJ", "乐昌市自然资源局", OrgKind.DEPARTMENT, "自然资源局"),
    OrgSpec("ZJJ", "乐昌市住房和城乡建设管理局", OrgKind.DEPARTMENT, "住建管理局"),
    OrgSpec("JTJ", "乐昌市交通运输局", OrgKind.DEPARTMENT, "交通运输局"),
    OrgSpec("SWJ", "乐昌市水务局", OrgKind.DEPARTMENT, "水务局"),
    OrgSpec("NYNCJ", "乐昌市农业农村局", OrgKind.DEPARTMENT, "农业农村局"),
    OrgSpec("SWJ2", "乐昌市商务局", OrgKind.DEPARTMENT, "商务局"),
    OrgSpec("WGLTJ", "乐昌市文化广电旅游体育局", OrgKind.DEPARTMENT, "文广旅体局"),
    OrgSpec("WJJ", "乐昌市卫生健康局", OrgKind.DEPARTMENT, "卫健局"),
    OrgSpec("TYJRJ", "乐昌市退役军人事务局", OrgKind.DEPARTMENT, "退役军人局"),
    OrgSpec("YJJ", "乐昌市应急管理局", OrgKind.DEPARTMENT, "应急管理局"),
    OrgSpec("SJJ", "乐昌市审计局", OrgKind.DEPARTMENT, "审计局"),
    OrgSpec("SCJGJ", "乐昌市市场监督管理局", OrgKind.DEPARTMENT, "市场监管局"),
    OrgSpec("TJJ", "乐昌市统计局", OrgKind.DEPARTMENT, "统计局"),
    OrgSpec("YBJ", "乐昌市医疗保障局", OrgKind.DEPARTMENT, "医保局"),
    OrgSpec("LYJ", "乐昌市林业局", OrgKind.DEPARTMENT, "林业局"),
    OrgSpec("CGJ", "乐昌市城市管理和综合执法局", OrgKind.DEPARTMENT, "城管执法局"),
    OrgSpec("ZSJ", "乐昌市政务服务和数据管理局", OrgKind.BUREAU, "政数局", phone="0751-5572990"),
    OrgSpec("XFJ", "乐昌市信访局", OrgKind.DEPARTMENT, "信访局"),
    OrgSpec("WSJRB", "乐昌市人民政府外事金融工作办公室", OrgKind.DEPARTMENT, "外事金融办"),  # [U]
]

# Halls and the vertical / branch / public-utility units with hall windows (demo-data.md §2, [U]).
SERVICE_UNITS: list[OrgSpec] = [
    OrgSpec("HALL", "乐昌市政务服务中心", OrgKind.HALL, "市政务服务中心", parent="ZSJ"),
    OrgSpec("GAJ-HZ", "乐昌市公安局户政大厅", OrgKind.BRANCH_HALL, "户政大厅", parent="GAJ"),
    OrgSpec("GAJ-CRJ", "乐昌市公安局出入境管理大队", OrgKind.VERTICAL, "出入境大队", parent="GAJ"),
    OrgSpec("GAJ-CGS", "乐昌市公安局交警大队车管所", OrgKind.VERTICAL, "车管所", parent="GAJ"),
    OrgSpec("ZRZYJ-BDC", "乐昌市不动产登记中心", OrgKind.VERTICAL, "不动产登记中心", parent="ZRZYJ"),
    OrgSpec("RSJ-SB", "乐昌市社会保险基金管理局", OrgKind.VERTICAL, "社保局", parent="RSJ"),
    OrgSpec("YBJ-JB", "乐昌市医疗保障事业管理中心", OrgKind.VERTICAL, "医保经办", parent="YBJ"),
    OrgSpec("MZJ-HY", "乐昌市婚姻登记处", OrgKind.VERTICAL, "婚姻登记处", parent="MZJ"),
    OrgSpec("SFJ-GZ", "乐昌市公证处", OrgKind.VERTICAL, "公证处", parent="SFJ"),
    OrgSpec("HBJ", "韶关市生态环境局乐昌分局", OrgKind.VERTICAL, "生态环境分局"),
    OrgSpec("TAX", "国家税务总局乐昌市税务局", OrgKind.VERTICAL, "税务局"),
    OrgSpec("TAX-BS", "国家税务总局乐昌市税务局办税服务厅", OrgKind.BRANCH_HALL, "办税服务厅", parent="TAX"),
    OrgSpec("GJJ", "韶关市住房公积金管理中心乐昌管理部", OrgKind.VERTICAL, "公积金管理部"),
    OrgSpec("XFJY", "乐昌市消防救援大队", OrgKind.VERTICAL, "消防救援大队"),
    OrgSpec("YCJ", "乐昌市烟草专卖局", OrgKind.VERTICAL, "烟草专卖局"),
    OrgSpec("GDJ", "乐昌供电局", OrgKind.VERTICAL, "供电局"),
    OrgSpec("ZLS", "乐昌市自来水公司", OrgKind.VERTICAL, "自来水公司"),
    OrgSpec("RQ", "乐昌市燃气公司", OrgKind.VERTICAL, "燃气公司"),
    OrgSpec("EMS", "中国邮政乐昌市分公司(EMS证照寄递)", OrgKind.VERTICAL, "邮政EMS"),
    OrgSpec("CL", "乐昌市残疾人联合会", OrgKind.VERTICAL, "残联"),
]

# Town-level government: 街道 → 办事处, 镇 → 人民政府; 16镇1街道 run a 便民服务中心 (demo-data.md §2).
TOWN_GOV_PREFIX = "TG"  # TG001 乐城街道办事处 …
TOWN_CENTRE_PREFIX = "T"  # T001 乐城街道便民服务中心 …

# --- Demo accounts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    role: str
    org_code: str  # "" = no organisation (群众)
    duty: str


PERSONAS: list[Persona] = [
    Persona("citizen", "李乐民", Role.CITIZEN, "", "群众：查指南、申办、评价、12345诉求"),
    Persona("clerk", "黄晓敏", Role.CLERK, "HALL", "市政务服务中心综合窗口"),
    Persona("handler", "邓志刚", Role.HANDLER, "ZRZYJ", "自然资源局审批人员"),
    Persona("handler2", "刘秀英", Role.HANDLER, "SCJGJ", "市场监管局审批人员"),
    Persona("operator", "谢婷", Role.OPERATOR, "ZSJ", "政数局运营(12345话务/派单)"),
    Persona("town", "曾建华", Role.TOWN_STAFF, "T001", "乐城街道便民服务中心"),
    Persona("supervisor", "罗文静", Role.SUPERVISOR, "ZSJ", "政数局效能督查"),
    Persona("sysadmin", "周立新", Role.SYSADMIN, "ZSJ", "系统管理员(三员)"),
    Persona("secadmin", "吴国安", Role.SECADMIN, "ZSJ", "安全管理员(三员)"),
    Persona("auditadmin", "郑审言", Role.AUDITADMIN, "ZSJ", "审计管理员(三员)"),
]

# --- People ----------------------------------------------------------------------------------------------

PERSONS_PER_SCALE = 300
# Share of generated residents living in 乐城街道 (≈30% per demo-data.md §8 [derived]); the rest are
# spread over the other units in proportion to their number of 村(居).
URBAN_CORE_SHARE = 0.30
BIRTH_YEARS = (1935, 2020)
MOBILE_BORN_BY = 2009  # residents born later (under ≈16) are generated without a mobile number
MOBILE_SHARE = 0.9  # share of the others who leave a mobile number

# Common surnames of northern Guangdong (Hakka areas), roughly by frequency; names are combinations.
SURNAMES = list("李黄邓刘陈张谢曾罗何朱邱钟吴林叶廖杨赖欧王周徐胡温蔡彭唐袁郭梁")
GIVEN_MALE = list("伟强军平志明建国华文斌杰涛海东辉林锋勇俊峰新荣超德亮成永福")
GIVEN_FEMALE = list("芳丽娟敏秀英玉兰红梅霞琴燕静雪婷慧萍艳珍凤娜佳莉琳晶")
MOBILE_PREFIXES = [
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "157",
    "158", "159", "176", "177", "180", "181", "182", "186", "187", "188", "189", "199",
]  # fmt: skip
