#!/usr/bin/env python3
"""Regenerate nianbao's sample corpus from its specs.

    .venv/bin/python corpus/generate.py            # everything
    .venv/bin/python corpus/generate.py --only A    # reports whose name starts with A
    .venv/bin/python corpus/generate.py --no-bad    # skip tests/fixtures/bad

One source of truth: ``corpus/specs/<name>.yaml`` (one per report) plus the
filler sentences in ``corpus/specs/_fillers.yaml`` and the appendix-table
layouts in this file.  Every figure a report prints comes from its spec's
``facts``; the expected JSON (``corpus/expected/<file>.json``) is computed from
the same facts, so the two cannot drift apart.  After writing the files the
script re-reads them (python-docx / pypdfium2 / GB18030 text) and checks that
every expected figure, heading and table cell really is in the output.

Needs LibreOffice (``soffice``) and CJK fonts for the docx -> pdf conversions:
    apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-zenhei
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SPECS = HERE / "specs"
REPORTS = HERE / "reports"
EXPECTED = HERE / "expected"
BAD = HERE.parent / "tests" / "fixtures" / "bad"

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"

# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_to_int(s: str) -> int:
    """三百八十六 -> 386, 九十六 -> 96, 十二 -> 12 (no 亿; enough for the corpus)."""
    total, section, num = 0, 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            num = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit == 10000:
                section = (section + num) * unit
                total += section
                section = 0
            else:
                section += (num or 1) * unit
            num = 0
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + section + num


UNIT_FACTOR = {"万元": 10000, "亿元": 100000000, "万册": 10000, "万平方米": 10000,
               "亩": 666.67, "万": 10000}


def normalize(display: str, unit: str | None = None):
    """The catalog value of a figure as printed: '2,356.8' + 万元 -> 23568000."""
    s = str(display).strip()
    if s.startswith("百分之"):
        s = s[3:]
    s = s.replace(",", "").replace("，", "")
    if re.fullmatch(r"[零〇一二两三四五六七八九十百千万]+", s):
        v = cn_to_int(s)
    else:
        v = float(s)
    f = UNIT_FACTOR.get(unit or "", 1)
    v = v * f
    if unit == "亩":
        return round(v, 2)
    if abs(v - round(v)) < 1e-6:
        return int(round(v))
    return round(v, 4)


# --------------------------------------------------------------------------
# appendix table layouts (official 6-table set; rows: 序号, 指标, 单位, key)
# 指标 None = vertically merged with the row above (the 学时 line of a course row)
# --------------------------------------------------------------------------
APPENDIX_TITLES = {
    "scorecard": "人才培养质量计分卡",
    "student_feedback": "学生反馈表",
    "teaching_resources": "教学资源表",
    "service_contribution": "服务贡献表",
    "international_influence": "国际影响表",
    "policy_implementation": "落实政策表",
}

APPENDIX_ROWS = {
    "scorecard": [
        ("1", "毕业生人数", "人", "grads"),
        ("2", "毕业去向落实人数", "人", "placed"),
        ("", "其中：毕业生升学人数", "人", "further"),
        ("", "升入本科人数", "人", "bachelor"),
        ("3", "毕业生本省去向落实率", "%", "inprov"),
        ("4", "月收入", "元", "income"),
        ("5", "毕业生面向三次产业就业人数", "人", "ind_total"),
        ("", "其中：面向第一产业", "人", "ind1"),
        ("", "面向第二产业", "人", "ind2"),
        ("", "面向第三产业", "人", "ind3"),
        ("6", "自主创业率", "%", "startup"),
        ("7", "毕业三年晋升比例", "%", "promo"),
    ],
    "student_feedback": [
        ("1", "问卷调查人数", "人", "survey_n"),
        ("2", "在校生满意度", "%", "sat"),
        ("", "其中：思政课教学满意度", "%", "sat_sz"),
        ("", "公共基础课（不含思政课）教学满意度", "%", "sat_gg"),
        ("", "专业课教学满意度", "%", "sat_zy"),
        ("3", "课堂育人满意度", "%", "sat_kt"),
        ("4", "课外育人满意度", "%", "sat_kw"),
        ("5", "学生工作满意度", "%", "sat_xg"),
        ("6", "教学管理满意度", "%", "sat_gl"),
        ("7", "后勤服务满意度", "%", "sat_hq"),
    ],
    "teaching_resources": [
        ("1", "生师比*", ":", "ratio"),
        ("2", "双师素质专任教师比例*", "%", "dual_ratio"),
        ("3", "高级专业技术职务专任教师比例*", "%", "senior_ratio"),
        ("4", "专业群数量*", "个", "groups"),
        ("", "专业数量*", "个", "majors"),
        ("5", "教学计划内课程总数*", "门", "courses"),
        ("", None, "学时", "course_hours"),
        ("", "其中：课证融通课程数*", "门", "kz_courses"),
        ("", "网络教学课程数", "门", "net_courses"),
        ("6", "在线精品课程数*", "门", "online"),
        ("", "其中：国家级数量*", "门", "online_nat"),
        ("", "省级数量", "门", "online_prov"),
        ("", "校级数量", "门", "online_sch"),
        ("7", "编写教材数", "本", "textbooks"),
        ("", "其中：校企合作编写教材数量", "本", "textbooks_coop"),
        ("8", "互联网出口带宽*", "Mbps", "bw"),
        ("9", "校园网主干最大带宽*", "Mbps", "bb"),
        ("10", "生均校内实践教学工位数*", "个/生", "stations"),
        ("11", "生均教学科研仪器设备值*", "元/生", "equip_ps"),
    ],
    "service_contribution": [
        ("1", "毕业生初次就业人数*", "人", "first_emp"),
        ("", "其中：A类：留在当地就业*", "人", "empA"),
        ("", "B类：到西部和东北地区就业*", "人", "empB"),
        ("", "C类：到中小微企业等基层就业*", "人", "empC"),
        ("", "D类：到大型企业就业*", "人", "empD"),
        ("2", "横向技术服务到款额", "万元", "hx"),
        ("", "横向技术服务产生的经济效益", "万元", "hx_eco"),
        ("3", "纵向科研经费到款额*", "万元", "zx"),
        ("4", "技术产权交易收入*", "万元", "ip_income"),
        ("5", "知识产权项目数*", "项", "ip"),
        ("", "其中：专利授权数量*", "项", "patents"),
        ("", "其中：发明专利授权数量*", "项", "inv_patents"),
        ("6", "非学历培训项目数*", "项", "train_proj"),
        ("", "非学历培训学时*", "学时", "train_hours"),
        ("", "公益项目培训学时*", "学时", "pub_hours"),
        ("", "非学历培训到账经费", "万元", "train_income"),
    ],
    "international_influence": [
        ("1", "接收国外留学生专业数", "个", "intl_majors"),
        ("", "接收国外留学生人数", "人", "intl_students"),
        ("", "接收国外访学教师人数", "人", "intl_visitors"),
        ("2", "开发并被国外采用的职业教育标准数量", "个", "std"),
        ("", "其中：专业标准", "个", "std_major"),
        ("", "课程标准", "个", "std_course"),
        ("", "开发并被国外采用的职业教育资源数量", "个", "res"),
        ("", "开发并被国外采用的职业教育装备数量", "个", "equip_abroad"),
        ("3", "在国外开办学校数", "所", "abroad_schools"),
        ("", "其中：专业数量", "个", "abroad_majors"),
        ("", "在校生数", "人", "abroad_students"),
        ("4", "中外合作办学专业数", "个", "joint_majors"),
        ("", "其中：在校生数", "人", "joint_students"),
        ("5", "专任教师赴国外指导和开展培训时间", "人日", "abroad_days"),
        ("6", "在国外组织担任职务的专任教师数", "人", "intl_posts"),
        ("7", "国外技能大赛获奖数量", "项", "intl_awards"),
    ],
    "policy_implementation": [
        ("1", "全日制在校生人数*", "人", "students"),
        ("2", "年生均财政拨款水平", "元", "funding_ps"),
        ("3", "年度财政专项拨款", "万元", "special"),
        ("4", "教职员工额定编制数", "人", "quota"),
        ("", "教职工总数", "人", "staff"),
        ("", "其中：专任教师总数", "人", "teachers"),
        ("", "思政课教师数*", "人", "sz_teachers"),
        ("", "体育课专任教师数", "人", "pe_teachers"),
        ("", "美育课专任教师数", "人", "art_teachers"),
        ("", "辅导员人数*", "人", "counselors"),
        ("", "班主任人数", "人", "class_teachers"),
        ("5", "参加国家学生体质健康标准测试人数", "人", "fitness_n"),
        ("", "其中：学生体质测评合格率", "%", "fitness_rate"),
        ("6", "职业技能等级证书（含职业资格证书）获取人数", "人", "certs"),
        ("7", "企业提供的校内实践教学设备值", "万元", "ent_equip"),
        ("8", "与企业共建开放型区域产教融合实践中心", "个", "centers"),
        ("9", "聘请行业导师人数*", "人", "mentors"),
        ("", "其中：聘请大国工匠、劳动模范人数", "人", "masters"),
        ("", "行业导师年课时总量*", "课时", "mentor_hours"),
        ("", "年支付行业导师课酬", "万元", "mentor_pay"),
        ("10", "年实习专项经费", "万元", "intern_fund"),
        ("", "其中：年实习责任保险经费", "万元", "insurance"),
    ],
}
ZHONGZHI_NOT_REPORTED = {"abroad_schools", "abroad_majors", "abroad_students"}


# --------------------------------------------------------------------------
# spec expansion: YAML -> a flat list of blocks every writer renders
# --------------------------------------------------------------------------
class Spec:
    def __init__(self, path: Path, fillers: dict):
        self.path = path
        self.d = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.name = path.stem
        self.facts = {k: str(v) for k, v in (self.d.get("facts") or {}).items()}
        self.facts.setdefault("school", self.d["school"])
        self.facts.setdefault("s", self.d.get("short", self.d["school"]))
        self.facts.setdefault("year", str(self.d["year"]))
        self.facts.setdefault("prev", str(self.d["year"] - 1))
        self.facts.setdefault("next", str(self.d["year"] + 1))
        self.fillers = fillers
        self.rng = random.Random(self.name)
        self.used_fillers: dict[str, list[str]] = {}
        self.used_facts: set[str] = set()
        self.blocks = self._expand()

    # -- text -------------------------------------------------------------
    def fmt(self, text: str) -> str:
        text = str(text)
        for key in re.findall(r"\{(\w+)\}", text):
            if key not in self.facts:
                raise KeyError(f"{self.name}: unknown fact {{{key}}} in {text[:40]!r}")
            self.used_facts.add(key)
        return text.format_map(self.facts)

    def filler(self, topic: str, n_sent: int | None = None) -> str:
        pool = self.fillers[topic]
        avail = self.used_fillers.setdefault(topic, [])
        k = min(n_sent or self.rng.randint(3, 5), len(pool))
        sents: list[str] = []
        while len(sents) < k:
            if not avail:       # pool used up: reshuffle, never repeat within a paragraph
                fresh = [x for x in pool if x not in sents]
                self.rng.shuffle(fresh)
                avail.extend(fresh)
            sents.append(avail.pop(0))
        short = self.facts["s"]
        if short != "学校":   # 学院 / 全市: adapt sentence openings
            sents = [short + x[2:] if x.startswith("学校") else x for x in sents]
        return self.fmt("".join(sents))

    # -- blocks -----------------------------------------------------------
    def _expand(self) -> list[dict]:
        out: list[dict] = []
        for item in self.d["body"]:
            if isinstance(item, list):          # [level, number, title]
                lvl, num, title = item
                if isinstance(num, (int, float)):
                    raise ValueError(f"{self.name}: quote the heading number {num!r} ({title})")
                out.append({"kind": "heading", "level": int(lvl),
                            "num": None if num in (None, "", "~") else str(num),
                            "title": self.fmt(title)})
                continue
            (kind, val), = item.items()
            if kind == "p":
                out.append({"kind": "para", "text": self.fmt(val)})
            elif kind == "fill":
                topic, n = (val, 1) if isinstance(val, str) else val
                for _ in range(int(n)):
                    out.append({"kind": "para", "text": self.filler(topic)})
            elif kind == "case":
                out.append({"kind": "case_title", "text": self.fmt(val["title"])})
                for p in val["paras"]:
                    out.append({"kind": "para", "text": self.fmt(p)})
            elif kind == "image":
                out.append({"kind": "image", "text": val})
            elif kind == "pagebreak":
                out.append({"kind": "pagebreak"})
            elif kind == "toc":
                out.append({"kind": "toc"})
            elif kind == "table":
                out.append(self._table(val))
            elif kind == "awards":
                out.extend(self._awards(val))
            elif kind == "appendix":
                for tdef in val:
                    out.append({"kind": "pagebreak_soft"})
                    out.append(self._appendix_table(tdef))
            elif kind == "caption":
                out.append({"kind": "caption", "text": self.fmt(val)})
            else:
                raise ValueError(f"{self.name}: unknown block {kind}")
        return out

    def _table(self, t: dict) -> dict:
        header = [[self.fmt(c) if c is not None else None for c in r] for r in t["header"]]
        rows = [[self.fmt(c) if c is not None else None for c in r] for r in t["rows"]]
        grid = header + rows
        ncols = max(len(r) for r in grid)
        spans = [tuple(s) for s in t.get("spans", [])]
        # covered cells -> None
        for (r0, c0, r1, c1) in spans:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        grid[r][c] = None
        spot = t.get("spot")  # row indexes (in data rows) to spot-check
        return {"kind": "table", "caption": self.fmt(t["caption"]), "grid": grid,
                "header_rows": len(header), "ncols": ncols, "spans": spans,
                "spot": spot, "raw_rows": t["rows"], "appendix": False,
                "font": t.get("font")}

    def _appendix_table(self, tdef: dict) -> dict:
        tid = tdef["id"]
        cols = [self.fmt(c) for c in tdef.get("cols", ["{year}年"])]
        vals = tdef.get("values", {})
        level = self.d["level"]
        layout = APPENDIX_ROWS[tid]
        header = ["序号", "指标", "单位"] + cols
        grid = [header]
        raw = [None]
        spans = []
        group_start = None
        label_start = None
        for i, (seq, label, unit, key) in enumerate(layout):
            r = len(grid)
            v = vals.get(key)
            if v is None:
                if level == "中职" and key in ZHONGZHI_NOT_REPORTED:
                    v = ["中职不填报"] * len(cols)
                else:
                    v = ["0"] * len(cols)
            elif not isinstance(v, list):
                v = [v]
            if len(v) != len(cols):
                raise ValueError(f"{self.name}: {tid}.{key} needs {len(cols)} values")
            cells = [seq, label if label is not None else "", unit] + [self.fmt(x) for x in v]
            if seq:
                group_start = r
            if label is None:
                spans.append((label_start, 1, r, 1))
            else:
                label_start = r
            grid.append(cells)
            raw.append([seq, label, unit] + [str(x) for x in v])
            nxt = layout[i + 1][0] if i + 1 < len(layout) else "END"
            if nxt and group_start is not None and r > group_start:
                spans.append((group_start, 0, r, 0))
        # merge label vertical spans into grid None
        for (r0, c0, r1, c1) in spans:
            for rr in range(r0, r1 + 1):
                for cc in range(c0, c1 + 1):
                    if (rr, cc) != (r0, c0):
                        grid[rr][cc] = None
        num = tdef.get("num")
        title = APPENDIX_TITLES[tid]
        caption = tdef.get("caption") or f"附表{num}{title}"
        spot_keys = tdef.get("spot") or [k for k in vals][:4]
        spot = [i for i, row in enumerate(layout) if row[3] in spot_keys]
        return {"kind": "table", "caption": self.fmt(caption), "grid": grid, "header_rows": 1,
                "ncols": len(header), "spans": spans, "spot": spot, "appendix": True,
                "table_id": tid, "font": None}

    def _awards(self, spec: dict) -> list[dict]:
        """Render award lists in prose from the structured award data."""
        awards = self.d.get("awards", [])
        sel = [a for a in awards if a["competition"] == spec["competition"]] if "competition" in spec else awards
        if spec.get("style") == "table":
            header = ["序号", "比赛名称", "赛项", "获奖等级", "获奖人员", "类别"]
            rows = []
            for i, a in enumerate(sel, 1):
                role = {"student": "学生", "teacher": "教师", "team": "团体"}[a["role"]]
                rows.append([str(i), a["competition"], a["event"], a["prize"], "、".join(a["persons"]), role])
            t = {"caption": spec["caption"], "header": [header], "rows": rows,
                 "spot": spec.get("spot", [0, 1])}
            return [self._table(t)]
        comp = spec["competition"]
        parts = []
        for a in sel:
            names = "、".join(a["persons"])
            if a["role"] == "teacher":
                parts.append(f"{names}老师获{a['event']}赛项{a['prize']}")
            elif a["role"] == "team":
                parts.append(f"由{names}组成的团队获{a['event']}{a['prize']}")
            else:
                parts.append(f"{names}获{a['event']}赛项{a['prize']}")
        text = self.fmt(spec.get("intro", "在{comp}中，").replace("{comp}", comp)) + "；".join(parts) + "。"
        if spec.get("outro"):
            text += self.fmt(spec["outro"])
        return [{"kind": "para", "text": text}]

    # -- numbering --------------------------------------------------------
    def auto_numbers(self) -> None:
        """Fill displayed numbers of Word auto-numbered headings."""
        style = self.d.get("autonum")
        if not style:
            return
        counters = [0, 0, 0, 0]
        cn = "零一二三四五六七八九十"

        def cnum(n):
            if n <= 10:
                return cn[n]
            if n < 20:
                return "十" + (cn[n - 10] if n > 10 else "")
            return cn[n // 10] + "十" + (cn[n % 10] if n % 10 else "")

        for b in self.blocks:
            if b["kind"] != "heading" or b.get("unnumbered"):
                continue
            if b["num"] == "NONE":
                b["num"] = None
                b["unnumbered"] = True
                continue
            lvl = b["level"]
            counters[lvl - 1] += 1
            for k in range(lvl, 4):
                counters[k] = 0
            c = counters
            if style == "decimal":
                b["num"] = ".".join(str(x) for x in c[:lvl])
            elif style == "chinese":
                b["num"] = {1: f"{cnum(c[0])}、", 2: f"（{cnum(c[1])}）", 3: f"{c[2]}."}[lvl]
            b["auto"] = True

    # -- expected ---------------------------------------------------------
    def value(self, ref) -> object:
        """ref = [fact, unit] or a literal number."""
        if isinstance(ref, list):
            fact, unit = ref
            if fact not in self.facts:
                raise KeyError(f"{self.name}: unknown fact {fact}")
            self.used_facts.add(fact)
            return normalize(self.facts[fact], unit)
        return ref

    def outline(self):
        return [[b["level"], b["num"], re.sub(r"\s+", "", b["title"])] for b in self.blocks if b["kind"] == "heading"]

    def tables(self):
        out = []
        for b in self.blocks:
            if b["kind"] != "table":
                continue
            grid = b["grid"]
            hdr = [c if c is not None else "" for c in grid[0]]
            rows = []
            data = grid[b["header_rows"]:]
            for i in (b["spot"] or list(range(min(3, len(data))))):
                row = data[i]
                cells = [c for c in row if c]
                if b["appendix"] or (grid[0] and grid[0][0] == "序号"):
                    # drop the 序号 cell (but keep a 合计 label spanning it)
                    cells = [c for j, c in enumerate(row) if c and not (j == 0 and re.fullmatch(r"\d+", c))]
                rows.append(cells)
            out.append({"title": re.sub(r"\s+", "", b["caption"]), "n_cols": b["ncols"],
                        "header": hdr, "rows_contain": rows})
        return out

    def expected(self, file: str, fmt: str, pages: int | None) -> dict:
        d = self.d
        ex = d.get("expected", {})
        res = {
            "file": file, "format": fmt, "school": d["school"], "year": d["year"],
            "level": d["level"], "region": d.get("region"),
        }
        if d.get("title_year") and d["title_year"] != d["year"]:
            res["title_year"] = d["title_year"]
        res["pages"] = pages
        res["outline"] = self.outline()
        res["tables"] = self.tables()
        res["metrics"] = {k: self.value(v) for k, v in ex.get("metrics", {}).items()}
        res["approximate"] = list(ex.get("approximate", []))
        res["previous_year"] = {k: self.value(v) for k, v in ex.get("previous_year", {}).items()}
        res["conflicts"] = {k: [self.value(x) for x in v] for k, v in ex.get("conflicts", {}).items()}
        res["decoys"] = [self.fmt(x) for x in ex.get("decoys", [])]
        res["decoy_values"] = {k: [self.value(x) for x in v] for k, v in ex.get("decoy_values", {}).items()}
        # a previous-year value must never be stored as the report year's value either
        for m, v in res["previous_year"].items():
            good = [res["metrics"].get(m)] + res["conflicts"].get(m, [])
            lst = res["decoy_values"].setdefault(m, [])
            if v not in good and v not in lst:
                lst.append(v)
        res["awards"] = [{k: a[k] for k in ("competition", "event", "level", "prize", "persons", "role")}
                         for a in d.get("awards", [])]
        res["missing_parts"] = list(ex.get("missing_parts", []))
        res["missing_tables"] = list(ex.get("missing_tables", []))
        res["other_expected_flags"] = [self.fmt(x) for x in ex.get("other_expected_flags", [])]
        return res


# --------------------------------------------------------------------------
# Word writer
# --------------------------------------------------------------------------
def _docx():
    import docx  # noqa
    from docx.enum.section import WD_SECTION  # noqa
    return docx


def _set_fonts(rpr_parent, east: str, ascii_: str = "Times New Roman"):
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement
    rPr = rpr_parent.get_or_add_rPr()
    rFonts = rPr.find(qn("w:rFonts"))
    if rFonts is None:
        rFonts = OxmlElement("w:rFonts")
        rPr.insert(0, rFonts)
    for a in list(rFonts.attrib):
        del rFonts.attrib[a]
    rFonts.set(qn("w:ascii"), ascii_)
    rFonts.set(qn("w:hAnsi"), ascii_)
    rFonts.set(qn("w:eastAsia"), east)
    rFonts.set(qn("w:cs"), ascii_)


def write_docx(spec: Spec, path: Path) -> None:
    docx = _docx()
    from docx.shared import Pt, Cm, RGBColor
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement

    d = spec.d
    mode = d["docx_headings"]          # heading_styles | autonum | outline_styles
    doc = docx.Document()
    cp = doc.core_properties
    cp.title = d["title"]
    cp.author = d.get("author", d["school"])
    import datetime as _dt
    cp.created = cp.modified = _dt.datetime(d.get("title_year", d["year"]) + (0 if d.get("title_year") else 1), 1, 15, 9, 0, 0)
    cp.last_modified_by = cp.author
    cp.comments = ""
    cp.revision = 1

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.6)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.3)

    normal = doc.styles["Normal"]
    _set_fonts(normal.element, SERIF)
    normal.font.size = Pt(12)
    pf = normal.paragraph_format
    pf.line_spacing = 1.5
    pf.space_after = Pt(0)

    body_style = doc.styles.add_style("正文缩进", WD_STYLE_TYPE.PARAGRAPH)
    body_style.base_style = normal
    body_style.paragraph_format.first_line_indent = Pt(24)
    body_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    cap_style = doc.styles.add_style("表格标题", WD_STYLE_TYPE.PARAGRAPH)
    cap_style.base_style = normal
    cap_style.font.bold = True
    cap_style.font.size = Pt(11)
    cap_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap_style.paragraph_format.space_before = Pt(6)
    _set_fonts(cap_style.element, SANS)

    sizes = {1: 16, 2: 14, 3: 12}
    hstyles = {}
    if mode in ("heading_styles", "autonum"):
        for lvl in (1, 2, 3):
            st = doc.styles[f"Heading {lvl}"]
            _set_fonts(st.element, SANS)
            st.font.size = Pt(sizes[lvl])
            st.font.color.rgb = RGBColor(0, 0, 0)
            st.font.bold = True
            st.paragraph_format.space_before = Pt(12 if lvl == 1 else 6)
            st.paragraph_format.space_after = Pt(6 if lvl == 1 else 3)
            hstyles[lvl] = st
    else:  # custom styles with an outline level, not Word's Heading styles
        names = {1: "报告一级标题", 2: "报告二级标题", 3: "报告三级标题"}
        for lvl in (1, 2, 3):
            st = doc.styles.add_style(names[lvl], WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = normal
            st.font.bold = True
            st.font.size = Pt(sizes[lvl])
            _set_fonts(st.element, SANS if lvl == 1 else SERIF)
            st.paragraph_format.space_before = Pt(10)
            st.paragraph_format.space_after = Pt(4)
            st.paragraph_format.keep_with_next = True
            if lvl == 2:
                st.paragraph_format.first_line_indent = Pt(24)
            ppr = st.element.get_or_add_pPr()
            ol = OxmlElement("w:outlineLvl")
            ol.set(qn("w:val"), str(lvl - 1))
            ppr.append(ol)
            hstyles[lvl] = st

    if mode == "autonum":
        _add_heading_numbering(doc, d["autonum"])

    # header / footer
    if d.get("running_header"):
        hp = sec.header.paragraphs[0]
        hp.text = spec.fmt(d["running_header"])
        hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in hp.runs:
            r.font.size = Pt(9)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pre = fp.add_run("— ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    fp._p.append(fld)
    fp.add_run(" —")
    _ = pre

    # cover
    for line, size in _cover_lines(spec):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(size * 1.5 if size >= 20 else 6)
        run = p.add_run(line)
        run.font.size = Pt(size)
        run.font.bold = size >= 18
        _set_fonts(run._r, SANS)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for b in spec.blocks:
        k = b["kind"]
        if k == "heading":
            st = hstyles[b["level"]]
            text = b["title"] if mode == "autonum" else ((b["num"] or "") + (d.get("num_sep", "") if b["num"] and b["num"].startswith("第") else "") + b["title"])
            p = doc.add_paragraph(text, style=st)
            if mode == "autonum" and b.get("unnumbered"):
                numPr = p._p.get_or_add_pPr().get_or_add_numPr()
                numPr.get_or_add_ilvl().val = 0
                numPr.get_or_add_numId().val = 0
            if b["level"] == 1 and mode != "autonum" and b["num"] is None:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif k == "para":
            doc.add_paragraph(b["text"], style=body_style)
        elif k == "case_title":
            p = doc.add_paragraph(style=body_style)
            run = p.add_run(b["text"])
            run.bold = True
        elif k == "caption":
            doc.add_paragraph(b["text"], style=cap_style)
        elif k == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif k in ("pagebreak_soft", "image", "toc"):
            continue
        elif k == "table":
            doc.add_paragraph(b["caption"], style=cap_style)
            _docx_table(doc, b)
            doc.add_paragraph()
    doc.save(path)


def _cover_lines(spec: Spec):
    d = spec.d
    lines = []
    for item in d.get("cover", []):
        lines.append((spec.fmt(item[0]), item[1]))
    return lines


def _add_heading_numbering(doc, style: str) -> None:
    """Word multilevel list linked to Heading 1-3 (numPr in the styles)."""
    from docx.oxml.ns import qn
    from docx.oxml import parse_xml
    W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    if style == "decimal":
        lv = [("decimal", "%1", "space"), ("decimal", "%1.%2", "space"), ("decimal", "%1.%2.%3", "space")]
    else:
        lv = [("chineseCounting", "%1、", "nothing"), ("chineseCounting", "（%2）", "nothing"),
              ("decimal", "%3.", "nothing")]
    lvls = ""
    for i, (fmt, text, suff) in enumerate(lv):
        lvls += (f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                 f'<w:pStyle w:val="Heading{i + 1}"/><w:suff w:val="{suff}"/>'
                 f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                 f'<w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>')
    numbering = doc.part.numbering_part.element
    absn = parse_xml(f'<w:abstractNum {W} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>')
    num = parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(absn)
    else:
        numbering.append(absn)
    numbering.append(num)
    for i in range(3):
        st = doc.styles[f"Heading {i + 1}"]
        numPr = st.element.get_or_add_pPr().get_or_add_numPr()
        numPr.get_or_add_ilvl().val = i
        numPr.get_or_add_numId().val = 90


def _docx_table(doc, b: dict) -> None:
    from docx.shared import Pt
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.enum.table import WD_TABLE_ALIGNMENT
    grid = b["grid"]
    nrows, ncols = len(grid), b["ncols"]
    t = doc.add_table(rows=nrows, cols=ncols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(grid):
        for c in range(ncols):
            txt = row[c] if c < len(row) else None
            if txt:
                cell = t.cell(r, c)
                p = cell.paragraphs[0]
                run = p.add_run(txt)
                run.font.size = Pt(b.get("font") or 10.5)
                if r < b["header_rows"]:
                    run.bold = True
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif c != 1 or not b["appendix"]:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for c in range(ncols):
        for r in range(nrows):
            for p in t.cell(r, c).paragraphs:
                p.paragraph_format.line_spacing = 1.15
                p.paragraph_format.first_line_indent = Pt(0)
    from docx.shared import Cm
    if b["appendix"]:
        rest = (15.8 - 1.4 - 7.6 - 1.8) / (ncols - 3)
        widths = [1.4, 7.6, 1.8] + [rest] * (ncols - 3)
    else:   # proportional to the longest cell text of each column
        lens = [max(4, min(16, max(len(row[c] or "") for row in grid))) for c in range(ncols)]
        widths = [15.8 * n / sum(lens) for n in lens]
    t.autofit = False
    for c in range(ncols):
        t.columns[c].width = Cm(widths[c])       # w:gridCol (LibreOffice reads this)
        for r in range(nrows):
            t.cell(r, c).width = Cm(widths[c])   # w:tcW (Word reads this)
    for (r0, c0, r1, c1) in b["spans"]:
        t.cell(r0, c0).merge(t.cell(r1, c1))


# --------------------------------------------------------------------------
# LibreOffice
# --------------------------------------------------------------------------
def soffice_convert(files: list[Path], fmt: str, outdir: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise SystemExit("soffice not found: apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-zenhei")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as prof:
        cmd = [exe, f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", fmt,
               "--outdir", str(outdir)] + [str(f) for f in files]
        subprocess.run(cmd, check=True, timeout=600, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# reportlab writer (report D: another producer)
# --------------------------------------------------------------------------
_RL_FONTS = False


def _rl_fonts():
    global _RL_FONTS
    if _RL_FONTS:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.lib.fonts import addMapping
    pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))
    pdfmetrics.registerFont(TTFont("WQY-Bold", WQY, subfontIndex=0))
    addMapping("WQY", 0, 0, "WQY")
    addMapping("WQY", 1, 0, "WQY-Bold")
    addMapping("WQY", 0, 1, "WQY")
    addMapping("WQY", 1, 1, "WQY-Bold")
    _RL_FONTS = True


def write_reportlab(spec: Spec, path: Path) -> None:
    _rl_fonts()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.platypus import (BaseDocTemplate, PageTemplate, Frame, Paragraph, Spacer,
                                    Table, TableStyle, PageBreak, Flowable, KeepTogether)
    from reportlab.platypus.tableofcontents import TableOfContents

    d = spec.d
    body = ParagraphStyle("body", fontName="WQY", fontSize=11, leading=19, firstLineIndent=22,
                          alignment=TA_JUSTIFY, wordWrap="CJK", spaceAfter=2)
    cap = ParagraphStyle("cap", fontName="WQY-Bold", fontSize=10.5, leading=16, alignment=TA_CENTER,
                         spaceBefore=6, spaceAfter=4, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName="WQY", fontSize=9, leading=12, wordWrap="CJK")
    cell_c = ParagraphStyle("cellc", parent=cell, alignment=TA_CENTER)
    cover = ParagraphStyle("cover", fontName="WQY-Bold", fontSize=24, leading=36, alignment=TA_CENTER)
    cover2 = ParagraphStyle("cover2", fontName="WQY", fontSize=15, leading=24, alignment=TA_CENTER)
    toc_styles = [ParagraphStyle("toc1", fontName="WQY", fontSize=11, leading=18, leftIndent=0),
                  ParagraphStyle("toc2", fontName="WQY", fontSize=10, leading=16, leftIndent=20)]
    hsize = {1: 16, 2: 13.5, 3: 12}

    class Heading(Flowable):
        """A heading drawn in larger 'bold' text (fill + stroke render mode)."""

        def __init__(self, text, level):
            super().__init__()
            self.text, self.level = text, level
            self.size = hsize[level]

        def wrap(self, aw, ah):
            self.aw = aw
            return aw, self.size * 1.9

        def draw(self):
            c = self.canv
            c.saveState()
            c.setLineWidth(0.35)
            t = c.beginText()
            t.setTextRenderMode(2)
            t.setFont("WQY-Bold", self.size)
            x = 0 if self.level > 1 else 0
            if self.level == 1 and self.text in ("前言", "目录"):
                x = (self.aw - c.stringWidth(self.text, "WQY-Bold", self.size)) / 2
            t.setTextOrigin(x + (22 if self.level == 3 else 0), self.size * 0.55)
            t.textOut(self.text)
            c.drawText(t)
            c.restoreState()

    header_text = spec.fmt(d["running_header"])

    def on_page(canvas, doc_):
        canvas.saveState()
        w, h = A4
        if doc_.page > 1:
            canvas.setFont("WQY", 8.5)
            canvas.drawString(2.5 * cm, h - 1.5 * cm, spec.fmt(d["school"]))
            canvas.drawRightString(w - 2.5 * cm, h - 1.5 * cm, header_text)
            canvas.setLineWidth(0.5)
            canvas.line(2.5 * cm, h - 1.65 * cm, w - 2.5 * cm, h - 1.65 * cm)
            canvas.setFont("WQY", 9)
            canvas.drawCentredString(w / 2, 1.4 * cm, f"第 {doc_.page} 页")
        canvas.restoreState()

    class Doc(BaseDocTemplate):
        def afterFlowable(self, fl):
            if isinstance(fl, Heading) and fl.level <= 2 and getattr(fl, "toc", True):
                self.notify("TOCEntry", (fl.level - 1, fl.text, self.page))

    doc = Doc(str(path), pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm,
              topMargin=2.4 * cm, bottomMargin=2.2 * cm, title=d["title"], author=d["school"],
              invariant=1)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="f")
    doc.addPageTemplates([PageTemplate(id="p", frames=[frame], onPage=on_page)])

    story = [Spacer(1, 5 * cm)]
    for line, size in _cover_lines(spec):
        st = cover if size >= 18 else cover2
        story += [Paragraph(line, st), Spacer(1, 0.6 * cm)]
    story.append(PageBreak())
    for b in spec.blocks:
        k = b["kind"]
        if k == "heading":
            txt = (b["num"] or "") + b["title"]
            story.append(Heading(txt, b["level"]))
        elif k == "toc":
            h = Heading("目录", 1)
            h.toc = False
            toc = TableOfContents(dotsMinLevel=0, levelStyles=toc_styles)
            story += [h, toc, PageBreak()]
        elif k == "para":
            story.append(Paragraph(b["text"], body))
        elif k == "case_title":
            story.append(Paragraph(f"<b>{b['text']}</b>", ParagraphStyle("ct", parent=body, fontName="WQY-Bold")))
        elif k == "caption":
            story.append(Paragraph(b["text"], cap))
        elif k == "pagebreak":
            story.append(PageBreak())
        elif k == "table":
            grid = b["grid"]
            data = []
            for r, row in enumerate(grid):
                data.append([Paragraph(c or "", cell_c if (r < b["header_rows"] or j != 1) else cell)
                             for j, c in enumerate(row)])
            widths = _rl_widths(b, doc.width)
            ts = [("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                  ("BACKGROUND", (0, 0), (-1, b["header_rows"] - 1), colors.Color(0.9, 0.9, 0.9))]
            for (r0, c0, r1, c1) in b["spans"]:
                ts.append(("SPAN", (c0, r0), (c1, r1)))
            tbl = Table(data, colWidths=widths, repeatRows=b["header_rows"], style=TableStyle(ts))
            story += [KeepTogether([Paragraph(b["caption"], cap)]), tbl, Spacer(1, 8)]
    doc.multiBuild(story)


def _rl_widths(b, width):
    n = b["ncols"]
    if b["appendix"]:
        rest = (width - 0.1 * width - 0.42 * width - 0.12 * width) / (n - 3)
        return [0.1 * width, 0.42 * width, 0.12 * width] + [rest] * (n - 3)
    if b.get("caption", "").find("获奖") >= 0 and n == 6:
        return [w * width for w in (0.07, 0.3, 0.2, 0.12, 0.21, 0.1)]
    return [width / n] * n


# --------------------------------------------------------------------------
# text writer (report E: a Word text dump in GB18030)
# --------------------------------------------------------------------------
def write_txt(spec: Spec, path: Path) -> None:
    d = spec.d
    lines: list[str] = []
    for line, _ in _cover_lines(spec):
        lines.append(line)
    lines.append("")
    for b in spec.blocks:
        k = b["kind"]
        if k == "heading":
            lines.append((b["num"] or "") + b["title"])
            lines.append("")
        elif k in ("para", "case_title"):
            lines.append(b["text"])
            lines.append("")
        elif k == "image":
            lines.append(f"[image: {b['text']}]")
        elif k == "caption":
            lines.append(" " + b["text"])
        elif k == "table":
            lines.append(b["caption"])
            lines.append("")
            for r, row in enumerate(b["grid"]):
                for c, cell in enumerate(row):
                    # a vertically merged (covered) cell prints as an empty cell;
                    # a horizontally covered one does not print at all
                    covered_h = cell is None and any(
                        r0 <= r <= r1 and c0 < c <= c1 and c1 > c0 for (r0, c0, r1, c1) in b["spans"])
                    if covered_h:
                        continue
                    lines.append("\t" + (cell or ""))
                lines.append("")
            lines.append("")
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(text.encode(d.get("encoding", "gb18030")))


# --------------------------------------------------------------------------
# read back for the self-check
# --------------------------------------------------------------------------
def read_back(path: Path) -> tuple[str, int | None]:
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(str(path))
        parts = []
        for i in range(len(pdf)):
            tp = pdf[i].get_textpage()
            parts.append(tp.get_text_range())
            tp.close()
        n = len(pdf)
        pdf.close()
        return "\n".join(parts), n
    if path.suffix == ".docx":
        import docx
        doc = docx.Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        for t in doc.tables:
            for row in t.rows:
                for c in row.cells:
                    parts.append(c.text)
        return "\n".join(parts), None
    return path.read_bytes().decode("gb18030"), None


def squash(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s)


def self_check(spec: Spec, path: Path, exp: dict, text: str) -> list[str]:
    problems = []
    flat = squash(text)
    for key in sorted(spec.used_facts):
        v = squash(spec.facts[key])
        if v and v not in flat:
            problems.append(f"fact {key}={spec.facts[key]!r} not found")
    for what in ("school", "region"):
        if exp[what] and squash(exp[what]) not in flat:
            problems.append(f"{what} {exp[what]} not found")
    for lvl, num, title in exp["outline"]:
        s = squash((num or "") + title)
        if path.suffix == ".docx" and spec.d.get("autonum"):
            s = squash(title)
        if s not in flat:
            problems.append(f"heading {num} {title} not found")
    for t in exp["tables"]:
        if squash(t["title"]) not in flat:
            problems.append(f"table caption {t['title']} not found")
        for row in t["rows_contain"]:
            for c in row:
                if squash(c) not in flat:
                    problems.append(f"table {t['title']}: cell {c!r} not found")
    for a in exp["awards"]:
        for p in a["persons"]:
            if p not in flat:
                problems.append(f"award person {p} not found")
    for m, vals in exp["decoy_values"].items():
        good = [exp["metrics"].get(m)] + list(exp["conflicts"].get(m, []))
        for v in vals:
            if v in good:
                problems.append(f"decoy {m}={v} equals an expected value")
    if exp["pages"] is not None and not (8 <= exp["pages"] <= 30):
        problems.append(f"{exp['pages']} pages (want 8-30)")
    if path.suffix == ".pdf" and path.stat().st_size >= 1_000_000:
        problems.append(f"{path.stat().st_size} bytes (want < 1 MB)")
    return problems


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
def build(only: str | None = None) -> list[dict]:
    fillers = yaml.safe_load((SPECS / "_fillers.yaml").read_text(encoding="utf-8"))
    specs = [Spec(p, fillers) for p in sorted(SPECS.glob("[A-Z]*.yaml"))]
    if only:
        specs = [s for s in specs if s.name.startswith(only)]
    REPORTS.mkdir(exist_ok=True)
    EXPECTED.mkdir(exist_ok=True)
    made: list[tuple[Spec, Path]] = []
    to_pdf: list[tuple[Spec, Path]] = []
    for s in specs:
        s.auto_numbers()
        for fmt in s.d["formats"]:
            out = REPORTS / f"{s.name}.{fmt}"
            if fmt == "docx":
                write_docx(s, out)
                made.append((s, out))
            elif fmt == "pdf" and s.d.get("producer") == "reportlab":
                write_reportlab(s, out)
                made.append((s, out))
            elif fmt == "pdf":
                to_pdf.append((s, out))
            elif fmt == "txt":
                write_txt(s, out)
                made.append((s, out))
    if to_pdf:
        with tempfile.TemporaryDirectory() as tmp:
            soffice_convert([REPORTS / f"{s.name}.docx" for s, _ in to_pdf], "pdf", Path(tmp))
            for s, out in to_pdf:
                shutil.move(str(Path(tmp) / f"{s.name}.pdf"), out)
                made.append((s, out))
    summary = []
    failed = False
    for s, out in sorted(made, key=lambda x: x[1].name):
        text, pages = read_back(out)
        exp = s.expected(out.name, out.suffix[1:], pages)
        (EXPECTED / f"{out.name}.json").write_text(
            json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        probs = self_check(s, out, exp, text)
        if probs:
            failed = True
            print(f"!! {out.name}:", *probs[:30], sep="\n   ")
        summary.append({"file": out.name, "pages": pages, "bytes": out.stat().st_size,
                        "chars": len(squash(text))})
    print(f"{'file':34} {'pages':>5} {'bytes':>9} {'chars':>7}")
    for r in summary:
        print(f"{r['file']:34} {str(r['pages'] or '-'):>5} {r['bytes']:>9} {r['chars']:>7}")
    if failed:
        raise SystemExit("self-check failed")
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="build only reports whose name starts with this")
    ap.add_argument("--no-bad", action="store_true", help="skip tests/fixtures/bad")
    a = ap.parse_args(argv)
    build(a.only)
    if not a.no_bad and not a.only:
        sys.path.insert(0, str(HERE))
        import make_bad
        make_bad.main()


if __name__ == "__main__":
    main()
