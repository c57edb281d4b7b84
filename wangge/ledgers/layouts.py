"""The fields an import understands, the Chinese headers that name them in the two shipped
layouts (and their synonyms), the words that name each enumerated value, and the optional
mapping file for any other layout.

A layout is the set of fields read from a file; a header names a field when its normalised
form (NFKC, no spaces, no `*` marks, no bracketed notes) is one of the field's synonyms. A
mapping file names further headers per field (and further words per value) and takes
precedence over the synonyms.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.ledgers.errors import LedgerError
from wangge.ledgers.models import Layout
from wangge.lib.errors import DomainError
from wangge.people.models import Education, MemberKind, PoliticalStatus, Relation, ResidenceStatus

# --- fields and their headers ---------------------------------------------------------------

# Field → (label, header synonyms). Labels are shown to users (reasons, the error report).
FIELDS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "name": (gettext_lazy("full name"), ("姓名", "名字", "居民姓名", "人员姓名", "党员姓名", "户成员姓名")),
    "gender": (gettext_lazy("gender"), ("性别",)),
    "ethnicity": (gettext_lazy("ethnicity"), ("民族",)),
    "birth_date": (gettext_lazy("birth date"), ("出生日期", "出生年月日", "出生年月", "生日", "出生时间")),
    "id_number": (
        gettext_lazy("ID number"),
        (
            "公民身份号码",
            "身份证号",
            "身份证号码",
            "身份证",
            "公民身份证号",
            "公民身份证号码",
            "证件号码",
            "证件号",
            "身份证件号码",
        ),
    ),
    "phone": (
        gettext_lazy("phone"),
        ("联系电话", "联系方式", "手机号", "手机号码", "手机", "电话", "电话号码", "移动电话", "联系手机"),
    ),
    "education": (gettext_lazy("education"), ("学历", "文化程度", "最高学历", "学历层次")),
    "member_kind": (gettext_lazy("member category"), ("人员类别", "党员类别", "党员类型", "人员类型")),
    "org_unit": (gettext_lazy("organisation unit"), ("所在党组织", "所在党支部", "党组织", "所在支部", "党组织名称")),
    "home_community": (gettext_lazy("home community"), ("报到社区", "报到社区名称", "报到的社区")),
    "reported_on": (gettext_lazy("registered with the community on"), ("报到时间", "报到日期")),
    "employer": (gettext_lazy("employer"), ("工作单位", "单位", "工作单位及职务", "就业单位", "单位名称")),
    "community": (gettext_lazy("community"), ("社区", "所属社区", "社区名称", "居委会", "社区(居委会)")),
    "grid": (gettext_lazy("grid"), ("网格", "所属网格", "网格名称", "网格号")),
    "building": (gettext_lazy("building"), ("楼栋", "楼号", "楼栋号", "楼幢", "楼", "幢号", "栋号", "楼宇")),
    "unit": (gettext_lazy("unit (单元)"), ("单元", "单元号")),
    "room": (gettext_lazy("room number"), ("门牌号", "房号", "房间号", "户号", "室号", "门牌", "房号(门牌号)")),
    "relation": (gettext_lazy("relation"), ("与户主关系", "户主关系", "与户主的关系", "关系")),
    "registered_address": (
        gettext_lazy("registered address (户籍地址)"),
        ("户籍地址", "户籍地", "户籍所在地", "户口所在地", "户籍详细地址"),
    ),
    "current_address": (
        gettext_lazy("current address"),
        ("现住址", "现居住地址", "居住地址", "现居住地", "住址", "现住地址", "实际居住地址"),
    ),
    "residence_status": (gettext_lazy("residence status"), ("人户状态", "人户情况", "人户关系", "人户一致情况")),
    "political_status": (gettext_lazy("political affiliation"), ("政治面貌",)),
    "disability": (gettext_lazy("Disability"), ("残疾类别/等级", "残疾类别及等级", "残疾情况", "残疾类别等级", "残疾")),
    "disability_kind": (gettext_lazy("disability category"), ("残疾类别", "残疾类型", "残疾种类")),
    "disability_level": (gettext_lazy("disability grade"), ("残疾等级", "残疾级别")),
    "chronic_illness": (gettext_lazy("Chronic illness"), ("慢性病", "慢性病情况", "患慢性病", "慢性病名称")),
    "support": (
        gettext_lazy("Subsistence support"),
        ("低保/特困", "低保特困", "低保/特困情况", "救助类别", "救助类型"),
    ),
    "low_income": (gettext_lazy("subsistence allowance (低保)"), ("低保", "是否低保", "低保户", "低保对象")),
    "extreme_poverty": (gettext_lazy("extreme poverty support (特困)"), ("特困", "是否特困", "特困人员", "特困供养")),
    "elderly_alone": (gettext_lazy("Elderly living alone"), ("独居老人", "是否独居老人", "独居")),
    "left_behind_child": (gettext_lazy("Left-behind child"), ("留守儿童", "是否留守儿童")),
}

PERSON_FIELDS = ("name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "employer")
ADDRESS_FIELDS = ("registered_address", "current_address")
HOUSEHOLD_FIELDS = ("community", "grid", "building", "unit", "room", "relation")
SENSITIVE_FIELDS = (
    "disability",
    "disability_kind",
    "disability_level",
    "chronic_illness",
    "support",
    "low_income",
    "extreme_poverty",
    "elderly_alone",
    "left_behind_child",
)
MEMBER_FIELDS = ("member_kind", "org_unit", "home_community", "reported_on")


@dataclass(frozen=True)
class LayoutSpec:
    code: str
    fields: tuple[str, ...]
    required: tuple[str, ...]


LAYOUTS: dict[str, LayoutSpec] = {
    Layout.MEMBERS: LayoutSpec(
        Layout.MEMBERS,
        PERSON_FIELDS + ADDRESS_FIELDS + ("political_status",) + MEMBER_FIELDS,
        ("name", "member_kind", "home_community"),
    ),
    Layout.GRID: LayoutSpec(
        Layout.GRID,
        PERSON_FIELDS + ADDRESS_FIELDS + ("residence_status", "political_status") + HOUSEHOLD_FIELDS + SENSITIVE_FIELDS,
        ("name", "community", "building", "room"),
    ),
}


def field_label(name: str) -> str:
    return str(FIELDS[name][0]) if name in FIELDS else str(FACT_LABELS.get(name, name))


# Facts compared between a row and the registry (review items name these), with their labels.
FACT_LABELS: dict[str, Promise] = {
    "name": gettext_lazy("full name"),
    "gender": gettext_lazy("gender"),
    "birth_date": gettext_lazy("birth date"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("phone"),
    "ethnicity": gettext_lazy("ethnicity"),
    "registered_address": gettext_lazy("registered address (户籍地址)"),
    "current_address": gettext_lazy("current address"),
    "residence_status": gettext_lazy("residence status"),
    "political_status": gettext_lazy("political affiliation"),
    "education": gettext_lazy("education"),
    "employer": gettext_lazy("employer"),
    "household": gettext_lazy("household"),
    "relation": gettext_lazy("relation"),
    "disability": gettext_lazy("Disability"),
    "chronic_illness": gettext_lazy("Chronic illness"),
    "support": gettext_lazy("Subsistence support"),
    "elderly_alone": gettext_lazy("Elderly living alone"),
    "left_behind_child": gettext_lazy("Left-behind child"),
    "member_kind": gettext_lazy("member category"),
    "home_community": gettext_lazy("home community"),
    "reported_on": gettext_lazy("registered with the community on"),
    "org_unit": gettext_lazy("organisation unit"),
}


# --- header normalisation -------------------------------------------------------------------

_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_BRACKETS = re.compile(r"[()（）\[\]【】]")
_HEADER_NOISE = re.compile(r"[\s*:：_]+")


def normalise_header(value: object) -> str:
    """The comparable form of a header: NFKC, no bracketed notes, spaces, `*` marks or colons.

    "公民身份号码（必填）", "* 姓名" and "联系 电话" become "公民身份号码", "姓名", "联系电话";
    a header that is only a bracketed note keeps its text ("(单元)" → "单元").
    """
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    stripped = _BRACKETED.sub("", text)
    text = stripped if _HEADER_NOISE.sub("", stripped) else _BRACKETS.sub("", text)
    return _HEADER_NOISE.sub("", text).replace("、", "/")


# --- enumerated values ----------------------------------------------------------------------

FALSE_WORDS = frozenset({"否", "无", "不是", "没有", "n", "no", "false", "0", "×", "x", "-", "/", "—", "非"})
TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "●"})
EMPTY_WORDS = frozenset({"无", "-", "/", "—", "--", "——", "空", "暂无", "不详", "null", "none", "n/a"})

GENDERS = {"男": "male", "男性": "male", "m": "male", "male": "male", "女": "female", "女性": "female", "f": "female"}
GENDERS["female"] = "female"

EDUCATION: dict[str, str] = {
    **dict.fromkeys(["文盲", "未上学", "未上过学", "无学历", "半文盲", "文盲或半文盲", "学龄前"], Education.NONE),
    **dict.fromkeys(["小学", "小学及以下", "小学毕业"], Education.PRIMARY),
    **dict.fromkeys(["初中", "初级中学", "初中毕业"], Education.JUNIOR),
    **dict.fromkeys(["高中", "高级中学", "高中毕业"], Education.SENIOR),
    **dict.fromkeys(
        ["中专", "职高", "技校", "中技", "中等专科", "中等职业教育", "中专/中技", "中专及技校"], Education.VOCATIONAL
    ),
    **dict.fromkeys(["大专", "专科", "大学专科", "高职", "大专及以上"], Education.COLLEGE),
    **dict.fromkeys(["本科", "大学本科", "大学", "学士"], Education.BACHELOR),
    **dict.fromkeys(["硕士", "研究生", "硕士研究生"], Education.MASTER),
    **dict.fromkeys(["博士", "博士研究生"], Education.DOCTOR),
}

POLITICAL: dict[str, str] = {
    **dict.fromkeys(["中共党员", "党员", "中国共产党党员", "共产党员", "中共正式党员"], PoliticalStatus.MEMBER),
    **dict.fromkeys(["中共预备党员", "预备党员"], PoliticalStatus.PROBATIONARY),
    **dict.fromkeys(["共青团员", "团员", "中国共产主义青年团团员"], PoliticalStatus.LEAGUE),
    **dict.fromkeys(
        [
            "民主党派",
            "民革",
            "民革党员",
            "民盟",
            "民盟盟员",
            "民建",
            "民建会员",
            "民进",
            "民进会员",
            "农工党",
            "农工党党员",
            "致公党",
            "致公党党员",
            "九三学社",
            "九三学社社员",
            "台盟",
            "台盟盟员",
        ],
        PoliticalStatus.DEMOCRATIC_PARTY,
    ),
    **dict.fromkeys(["群众", "无党派", "无党派人士", "无党派民主人士"], PoliticalStatus.MASSES),
}

RESIDENCE: dict[str, str] = {
    **dict.fromkeys(["人户一致", "人在户在", "户在人在"], ResidenceStatus.CONSISTENT),
    **dict.fromkeys(["人在户不在", "户不在人在", "人在户外"], ResidenceStatus.RESIDENT_ONLY),
    **dict.fromkeys(["户在人不在", "人不在户在"], ResidenceStatus.REGISTERED_ONLY),
}

MEMBER_KINDS: dict[str, str] = {
    **dict.fromkeys(["在职党员", "在职", "在职党员(报到)"], MemberKind.IN_SERVICE),
    **dict.fromkeys(["离退休党员", "退休党员", "离休党员", "离退休", "退休"], MemberKind.RETIRED),
    **dict.fromkeys(["学生党员", "高校学生党员", "大学生党员", "学生"], MemberKind.STUDENT),
}

RELATIONS: dict[str, str] = {
    **dict.fromkeys(["户主", "本人", "户主本人"], Relation.HEAD),
    **dict.fromkeys(["配偶", "妻", "夫", "妻子", "丈夫", "之妻", "之夫"], Relation.SPOUSE),
    **dict.fromkeys(
        [
            "子",
            "女",
            "儿子",
            "女儿",
            "长子",
            "次子",
            "三子",
            "长女",
            "次女",
            "三女",
            "独生子",
            "独生女",
            "之子",
            "之女",
            "子女",
        ],
        Relation.CHILD,
    ),
    **dict.fromkeys(["父亲", "母亲", "父", "母", "父母", "公公", "婆婆", "岳父", "岳母"], Relation.PARENT),
    **dict.fromkeys(["孙子", "孙女", "外孙", "外孙子", "外孙女", "孙子女"], Relation.GRANDCHILD),
    **dict.fromkeys(
        ["祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "姥爷", "姥姥", "祖父母", "外祖父母"], Relation.GRANDPARENT
    ),
    **dict.fromkeys(["兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹"], Relation.SIBLING),
    **dict.fromkeys(["其他", "儿媳", "女婿", "其他亲属", "保姆", "租户", "非亲属"], Relation.OTHER),
}

DISABILITY_KINDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")

# The 56 ethnic groups by their short names: "汉" is written "汉族".
ETHNIC_GROUPS = frozenset([
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家",
    "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜",
    "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒",
    "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴",
    "珞巴", "基诺",
])  # fmt: skip

VALUE_WORDS: dict[str, dict[str, str]] = {
    "gender": GENDERS,
    "education": EDUCATION,
    "political_status": POLITICAL,
    "residence_status": RESIDENCE,
    "member_kind": MEMBER_KINDS,
    "relation": RELATIONS,
}


def _value_key(value: str) -> str:
    return normalise_header(value).lower()


# --- the mapping file -----------------------------------------------------------------------


@dataclass
class Mapping:
    """Further headers per field and further words per enumerated value (from `--mapping`)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "values": self.values}

    @classmethod
    def from_dict(cls, data: object) -> "Mapping":
        """Validate a mapping document: `{"columns": {field: header | [headers]}, "values":
        {field: {word: value}}}`; a document without either key is read as `columns` alone."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise DomainError(
                LedgerError.MAPPING_FORMAT, _("The mapping file must hold an object of field names and headers.")
            )
        columns_doc = data.get("columns", {} if "values" in data else data)
        values_doc = data.get("values", {})
        if not isinstance(columns_doc, dict) or not isinstance(values_doc, dict):
            raise DomainError(
                LedgerError.MAPPING_FORMAT, _("The mapping file must hold an object of field names and headers.")
            )
        columns: dict[str, list[str]] = {}
        for name, headers in columns_doc.items():
            if name not in FIELDS:
                raise DomainError(
                    LedgerError.MAPPING_UNKNOWN_FIELD,
                    _("The mapping names an unknown field “%(field)s”; known fields: %(known)s.")
                    % {"field": name, "known": ", ".join(FIELDS)},
                )
            listed = [headers] if isinstance(headers, str) else headers
            if not isinstance(listed, list) or not all(isinstance(h, str) and h.strip() for h in listed):
                raise DomainError(
                    LedgerError.MAPPING_FORMAT,
                    _("The mapping for “%(field)s” must be a header or a list of headers.") % {"field": name},
                )
            columns[name] = listed
        values: dict[str, dict[str, str]] = {}
        for name, words in values_doc.items():
            allowed = VALUE_CHOICES.get(name)
            if allowed is None or not isinstance(words, dict):  # [] : any name
                raise DomainError(
                    LedgerError.MAPPING_UNKNOWN_FIELD,
                    _("The mapping names an unknown field “%(field)s”; known fields: %(known)s.")
                    % {"field": name, "known": ", ".join(VALUE_CHOICES)},
                )
            for value in words.values():
                if allowed and value not in allowed:
                    raise DomainError(
                        LedgerError.MAPPING_UNKNOWN_VALUE,
                        _("The mapping gives “%(value)s” for %(field)s; allowed: %(allowed)s.")
                        % {"value": value, "field": name, "allowed": ", ".join(allowed)},
                    )
            values[name] = {str(k): str(v) for k, v in words.items()}
        return cls(columns, values)


# Fields whose words a mapping may extend, and what they may map to (org units and
# communities map a word in the file to the name used in the platform).
VALUE_CHOICES: dict[str, list[str]] = {
    "gender": ["male", "female"],
    "education": list(Education.values),
    "political_status": list(PoliticalStatus.values),
    "residence_status": list(ResidenceStatus.values),
    "member_kind": list(MemberKind.values),
    "relation": list(Relation.values),
    # Names: a word in the file → the area's or unit's name in the platform.
    "community": [],
    "home_community": [],
    "org_unit": [],
}


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file (JSON, or YAML by its .yaml/.yml suffix)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise DomainError(
            LedgerError.MAPPING_UNREADABLE, _("The mapping file “%(name)s” cannot be read.") % {"name": path.name}
        ) from None
    try:
        data = yaml.safe_load(text) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except (ValueError, yaml.YAMLError):
        raise DomainError(
            LedgerError.MAPPING_UNREADABLE,
            _("The mapping file “%(name)s” is not valid JSON or YAML.") % {"name": path.name},
        ) from None
    return Mapping.from_dict(data)


@dataclass
class Vocabulary:
    """Words → values for each enumerated field: the built-in ones plus the mapping's."""

    words: dict[str, dict[str, str]]

    @classmethod
    def build(cls, mapping: Mapping) -> "Vocabulary":
        words = {name: {_value_key(k): v for k, v in table.items()} for name, table in VALUE_WORDS.items()}
        for name, extra in mapping.values.items():
            words.setdefault(name, {}).update({_value_key(k): v for k, v in extra.items()})
        return cls(words)

    def lookup(self, name: str, value: str) -> str | None:
        return self.words[name].get(_value_key(value))

    def alias(self, name: str, value: str) -> str:
        """The platform's name for a community or unit named `value` in the file (mapping), else `value`."""
        table = self.words.get(name)
        return table.get(_value_key(value), value) if table else value


def header_index(layout: LayoutSpec, mapping: Mapping) -> dict[str, str]:
    """Normalised header → field, for the layout's fields (the mapping's headers first)."""
    index: dict[str, str] = {}
    for name, headers in mapping.columns.items():
        if name in layout.fields:
            for header in headers:
                index.setdefault(normalise_header(header), name)
    for name in layout.fields:
        for header in FIELDS[name][1]:
            index.setdefault(normalise_header(header), name)
    return index
