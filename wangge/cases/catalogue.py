"""The default two-level catalogue of case categories, in Chinese, with time limits, and the
default routing of its groups to departments.

`install_default_catalogue(district)` copies the catalogue (and the departments) into a
district, which can then edit it; `install_default_routing(district)` adds one district-wide
routing rule per group.
"""

from django.db import transaction

from wangge.areas.models import AreaNode
from wangge.cases.models import (
    Category,
    CategoryQuestion,
    HandlingUnit,
    QuestionType,
    RoutingRule,
    TimeLimitUnit,
    UnitKind,
)

# (code, name, [(code, name, time limit, unit, return visit, public location)])
DEFAULT_CATALOGUE = [
    (
        "CG",
        "城市管理",
        [
            ("CG01", "占道经营", 2, TimeLimitUnit.WORKING_DAYS, True, True),
            ("CG02", "违章搭建", 10, TimeLimitUnit.WORKING_DAYS, True, True),
            ("CG03", "乱张贴乱涂画", 3, TimeLimitUnit.WORKING_DAYS, False, True),
        ],
    ),
    (
        "HJ",
        "环境卫生",
        [
            ("HJ01", "垃圾堆放", 1, TimeLimitUnit.WORKING_DAYS, True, True),
            ("HJ02", "道路不洁", 8, TimeLimitUnit.WORKING_HOURS, False, True),
            ("HJ03", "公厕问题", 2, TimeLimitUnit.WORKING_DAYS, False, True),
        ],
    ),
    (
        "SZ",
        "市政设施",
        [
            ("SZ01", "路灯不亮", 3, TimeLimitUnit.WORKING_DAYS, True, True),
            ("SZ02", "道路破损", 5, TimeLimitUnit.WORKING_DAYS, True, True),
            ("SZ03", "井盖缺失", 4, TimeLimitUnit.WORKING_HOURS, True, True),
            ("SZ04", "排水不畅", 3, TimeLimitUnit.WORKING_DAYS, True, True),
        ],
    ),
    (
        "WY",
        "物业管理",
        [
            ("WY01", "电梯故障", 1, TimeLimitUnit.WORKING_DAYS, True, False),
            ("WY02", "楼道堆物", 3, TimeLimitUnit.WORKING_DAYS, True, False),
            ("WY03", "供暖问题", 2, TimeLimitUnit.WORKING_DAYS, True, False),
        ],
    ),
    (
        "MD",
        "矛盾纠纷",
        [
            ("MD01", "邻里纠纷", 10, TimeLimitUnit.WORKING_DAYS, True, False),
            ("MD02", "物业纠纷", 10, TimeLimitUnit.WORKING_DAYS, True, False),
            ("MD03", "家庭纠纷", 10, TimeLimitUnit.WORKING_DAYS, True, False),
        ],
    ),
    (
        "MS",
        "民生服务",
        [
            ("MS01", "困难求助", 5, TimeLimitUnit.WORKING_DAYS, True, False),
            ("MS02", "政策咨询", 3, TimeLimitUnit.WORKING_DAYS, True, False),
            ("MS03", "为老服务", 5, TimeLimitUnit.WORKING_DAYS, True, False),
        ],
    ),
]

DEFAULT_DEPARTMENTS = ["城市管理局", "住房和城乡建设局", "生态环境局", "市场监督管理局", "民政局", "司法局"]

# Group → the department answering for it (归口办理): city management and sanitation with the
# urban management bureau, municipal facilities and property management with housing and
# urban-rural development, disputes with justice (people's mediation), livelihood services with
# civil affairs. The other departments join cases as co-handlers.
DEFAULT_ROUTING = [
    ("CG", "城市管理局"),
    ("HJ", "城市管理局"),
    ("SZ", "住房和城乡建设局"),
    ("WY", "住房和城乡建设局"),
    ("MD", "司法局"),
    ("MS", "民政局"),
]


def install_default_catalogue(district: AreaNode) -> list[Category]:
    """Copy the default catalogue into `district` (skipping codes it already has)."""
    existing = set(Category.objects.filter(district=district).values_list("code", flat=True))
    created: list[Category] = []
    with transaction.atomic():
        for order, (group_code, group_name, children) in enumerate(DEFAULT_CATALOGUE):
            group = Category.objects.filter(district=district, code=group_code).first()
            if group is None:
                group = Category.objects.create(district=district, code=group_code, name=group_name, order=order)
            for child_order, (code, name, limit, unit, visit, public_location) in enumerate(children):
                if code in existing:
                    continue
                created.append(
                    Category.objects.create(
                        district=district,
                        parent=group,
                        code=code,
                        name=name,
                        time_limit=limit,
                        time_limit_unit=unit,
                        return_visit_required=visit,
                        public_location=public_location,
                        order=child_order,
                    )
                )
        streetlight = next((c for c in created if c.code == "SZ01"), None)
        if streetlight is not None:
            CategoryQuestion.objects.create(
                category=streetlight,
                code="lamp_count",
                label="不亮的路灯数量",
                datatype=QuestionType.NUMBER,
                required=False,
                order=1,
            )
            CategoryQuestion.objects.create(
                category=streetlight,
                code="since",
                label="从什么时候开始",
                datatype=QuestionType.SINGLE,
                required=True,
                order=2,
                choices=[
                    {"key": "today", "name": "今天"},
                    {"key": "week", "name": "一周内"},
                    {"key": "longer", "name": "一周以上"},
                ],
            )
        for name in DEFAULT_DEPARTMENTS:
            HandlingUnit.objects.get_or_create(district=district, kind=UnitKind.DEPARTMENT, name=name)
    return created


def install_default_routing(district: AreaNode, *, first_priority: int = 100, step: int = 10) -> list[RoutingRule]:
    """One district-wide rule per catalogue group to its department (`DEFAULT_ROUTING`), tried in
    that order from `first_priority`; groups that already have a district-wide rule are skipped,
    so rules for smaller areas or single categories can be given lower numbers and win."""
    with transaction.atomic():
        groups = {c.code: c for c in Category.objects.filter(district=district, parent__isnull=True)}
        units = {u.name: u for u in HandlingUnit.objects.filter(district=district, kind=UnitKind.DEPARTMENT)}
        covered = set(
            RoutingRule.objects.filter(district=district, area__isnull=True).values_list("category_id", flat=True)
        )
        rules = []
        for position, (group_code, unit_name) in enumerate(DEFAULT_ROUTING):
            group = groups.get(group_code)
            if group is None or group.pk in covered:
                continue
            unit = units.get(unit_name)
            if unit is None:
                unit = HandlingUnit.objects.create(district=district, kind=UnitKind.DEPARTMENT, name=unit_name)
                units[unit_name] = unit
            rules.append(
                RoutingRule.objects.create(
                    district=district, priority=first_priority + position * step, category=group, unit=unit
                )
            )
    return rules
