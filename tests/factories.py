"""Factories shared by every app's tests."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from zhengwu.core.choices import OrgKind, RegionKind, RegionLevel
from zhengwu.core.models import Organisation, Region, User

PASSWORD = "Test@Pass2026"


def region(code: str, name: str, level: int, parent: Region | None = None, kind: str = "") -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code.ljust(12, "0"), defaults={"name": name, "level": level, "parent": parent, "kind": kind}
    )
    return obj


def lechang_regions() -> dict[str, Region]:
    """Province → city → county → two towns → a village in each (real Lechang codes)."""
    gd = region("44", "广东省", RegionLevel.PROVINCE, kind=RegionKind.PROVINCE)
    sg = region("4402", "韶关市", RegionLevel.CITY, gd, RegionKind.CITY)
    lc = region("440281", "乐昌市", RegionLevel.COUNTY, sg, RegionKind.COUNTY)
    lcjd = region("440281001", "乐城街道", RegionLevel.TOWN, lc, RegionKind.SUBDISTRICT)
    ws = region("440281111", "五山镇", RegionLevel.TOWN, lc, RegionKind.TOWN)
    qingling = region("440281111201", "青岭村", RegionLevel.VILLAGE, ws, RegionKind.VILLAGERS)
    other_county = region("440282", "南雄市", RegionLevel.COUNTY, sg, RegionKind.COUNTY)
    return {"gd": gd, "sg": sg, "lc": lc, "lcjd": lcjd, "ws": ws, "qingling": qingling, "nx": other_county}


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试单位{n}")
    code = factory.Sequence(lambda n: f"ORG{n}")
    kind = OrgKind.DEPARTMENT
    region = factory.LazyFunction(lambda: lechang_regions()["lc"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(seq: int, *, birth: str = "19900101", area: str = "440281") -> str:
    """Return a valid 18-digit 身份证号 (GB 11643 check character) for sequence number ``seq`` (0-999)."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_ending_x() -> str:
    """Return a valid 身份证号 whose check character is X (the case users type as lower-case x)."""
    return next(n for n in (resident_id(i) for i in range(1000)) if n.endswith("X"))
