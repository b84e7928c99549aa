"""What extraction produces from one document: facts with their provenance.

These records are the interface between the extractors and the store; every
value keeps where it came from (page, section path, sentence, character span
in ``Document.text``, and the rule that produced it).
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict


@dataclass
class Provenance:
    page: int | None = None
    section: str = ""            # heading path joined with " > "
    sentence: str = ""           # the sentence or table row the value came from
    start: int | None = None     # character span in Document.text
    end: int | None = None
    rule: str = ""               # rule id that produced the fact
    source: str = "text"         # "text" (narrative) or "table"
    table: int | None = None     # block order of the table, for table values
    row: int | None = None
    col: int | None = None
    #: how the text was read: "file" (text layer, Word XML, text file) or
    #: "ocr" (recognised from a page image, see extractors/ocr_trust.py)
    origin: str = "file"
    #: OCR only: the lowest recogniser confidence (0–1) of the figure's
    #: digits and decimal point
    confidence: float | None = None


def _flat_row(fact) -> dict:
    """A fact as one flat dict: its fields with its provenance's fields
    beside them (the shape of a ``metrics``/``candidates``/``awards`` row)."""
    d = asdict(fact)
    d.update(d.pop("prov"))
    return d


@dataclass
class Metric:
    metric: str                  # catalog id, e.g. "students_fulltime"
    value: float
    unit: str                    # canonical unit: persons, yuan, m2, percent, ratio, volumes, count
    year: int | None             # the year the value refers to
    raw: str = ""                # the figure as written, e.g. "2259.88万元"
    approximate: bool = False
    name_zh: str = ""
    prov: Provenance = field(default_factory=Provenance)

    to_row = _flat_row


@dataclass
class Candidate:
    """A figure bound to a metric term that the evidence around it kept out
    of ``metrics``: a value for a reviewer to confirm, never compared.

    ``reason`` is the kind of evidence (``change``, ``target``, ``subset``,
    ``part``, ``other_entity``, ``region``, ``cumulative``, ``per_unit``,
    ``range``, ``qualified``, ``split_number``, ``section``, ``year``,
    ``out_of_range``, ``excluded``, ``ambiguous_binding``, ``average``,
    ``bound``; ``CANDIDATE_REASONS`` gives the Chinese labels);
    ``year`` is the year the figure would refer to (None when unclear); the
    rest as :class:`Metric`."""
    metric: str
    value: float
    unit: str
    year: int | None
    reason: str
    raw: str = ""
    approximate: bool = False
    name_zh: str = ""
    prov: Provenance = field(default_factory=Provenance)

    to_row = _flat_row


#: reason → label (Chinese / English) of a review candidate
CANDIDATE_REASONS = {
    "change": "变化量 a change", "target": "计划或标准 a plan, standard or capacity",
    "subset": "部分 a part of the population", "part": "部分（校区、专业…）a part (campus, major…)",
    "other_entity": "其他主体 another entity", "region": "地区数字 the region's figure",
    "cumulative": "多年累计或平均 several years together", "per_unit": "单个单位 one unit's figure",
    "range": "范围 a range", "qualified": "限定人群 a qualified group",
    "split_number": "被空格拆开的数字 a number split by spaces", "section": "章节不符 outside its sections",
    "year": "年份不明或为将来 an unclear or future year", "out_of_range": "超出合理范围 out of the plausible range",
    "ambiguous_binding": "对应不明（分别为…项数不符）ambiguous binding",
    "average": "平均数，不是总数 an average, not a total",
    "bound": "界限（不足、以下、保持在…以上）a bound, not the value",
    "excluded": "指标词前有排除词（计划、新增、生均…）a word before the term makes it another thing",
}


@dataclass
class Award:
    competition: str
    level: str | None            # 国家 / 省 / 自治区 / 市 / 地区 / 县 / 校
    event: str | None            # 赛项
    prize: str | None            # 一等奖 / 金奖 / 第一名 / 优胜奖 / 优秀指导教师奖 …
    person: str | None           # one row per person
    role: str | None             # student / teacher / team
    year: int | None = None
    prov: Provenance = field(default_factory=Provenance)

    to_row = _flat_row


@dataclass
class Flag:
    kind: str                    # conflict / missing_part / missing_table / sum_mismatch / out_of_range …
    severity: str                # error / warning / info
    message: str                 # Chinese and English
    metric: str | None = None
    rule: str = ""
    source_a: dict | None = None  # {"value":…, "page":…, "section":…, "sentence":…}
    source_b: dict | None = None

    def to_row(self) -> dict:
        return asdict(self)


@dataclass
class Facts:
    attributes: dict = field(default_factory=dict)   # school, year, level, region, title …
    metrics: list[Metric] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    #: figures kept out of ``metrics`` for review (see :class:`Candidate`)
    candidates: list[Candidate] = field(default_factory=list)
    rules_version: str = ""
