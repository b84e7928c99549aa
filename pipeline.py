"""nianbao's orchestrator and its command line.

Data flows one way: ingest (parse a file into the document model) →
extractors (facts with provenance) → store (SQLite) → queries.  The Python API
is the functions below; the ``nianbao`` command (click) is a thin layer over
them.  ``python pipeline.py …`` works from a checkout as well.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

if __package__ in (None, "") and str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import SUPPORTED_EXTENSIONS, IngestError, parse  # noqa: E402
from ingest.model import Document  # noqa: E402
from store import DEFAULT_DB, Store  # noqa: E402


# ---------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------
@dataclass
class Outcome:
    """What processing one file produced (picklable, so workers can send it)."""
    path: str
    sha256: str
    size: int
    mtime: float | None
    doc: Document | None = None
    facts: object | None = None
    error: str | None = None
    status: str = "ok"
    seconds: float = 0.0


@dataclass
class Summary:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    needs_ocr: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"已入库 ingested: {len(self.ingested)}   未变 unchanged: {len(self.unchanged)}   "
               f"重复 duplicates: {len(self.duplicates)}   需OCR needs_ocr: {len(self.needs_ocr)}   "
               f"失败 failed: {len(self.failed)}   页 pages: {self.pages}   用时 time: {self.seconds:.1f}s"]
        for p, other in self.duplicates:
            out.append(f"  重复 duplicate  {p}  = {other}")
        for p in self.needs_ocr:
            out.append(f"  需OCR needs_ocr  {p}: 没有文本层（扫描件）/ no text layer (scanned)")
        for p, err in self.failed:
            out.append(f"  失败 failed  {p}: {err}")
        return out


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def iter_inputs(paths) -> list[tuple[str, Path]]:
    """Expand files and folders (recursively) into (display path, file path)
    pairs, in a stable order.  Files inside folders are kept when their
    extension is one nianbao reads; files named explicitly are always kept
    (so that a wrong one gets its clear error)."""
    out: list[tuple[str, Path]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS and not f.name.startswith(("~$", ".")):
                    out.append((str(f), f))
        else:
            out.append((str(p), p))
    return out


def extract_facts(doc: Document):
    """Run the extractors on a parsed document."""
    from extractors.extract import extract
    return extract(doc)


def _stat_hash(display: str, path: Path) -> Outcome:
    try:
        st = path.stat()
        return Outcome(path=display, sha256=sha256_file(path), size=st.st_size, mtime=st.st_mtime)
    except OSError as e:
        return Outcome(path=display, sha256="", size=0, mtime=None, status="failed",
                       error=f"unreadable: 无法读取文件 / cannot read the file ({e.strerror or e})")


def process_file(display: str, path: Path, *, extract: bool = True, out: Outcome | None = None) -> Outcome:
    """Parse and extract one file.  Never raises for a bad file: the reason is
    in ``Outcome.error``."""
    t0 = time.perf_counter()
    out = out or _stat_hash(display, path)
    if out.error:
        return out
    try:
        doc = parse(path, display_path=display)
        out.doc = doc
        out.status = doc.status
        if extract and doc.status == "ok":
            out.facts = extract_facts(doc)
    except IngestError as e:
        out.error, out.status = str(e), "failed"
    except Exception as e:  # a parser bug must not stop the batch
        out.error = f"parse_failed: 解析出错 / the parser failed ({type(e).__name__}: {e})"
        out.status = "failed"
    out.seconds = time.perf_counter() - t0
    return out


def ingest_paths(paths, db_path: str | Path = DEFAULT_DB, *, force: bool = False, progress=None) -> Summary:
    """Ingest files and folders into the database and return a summary.

    A file whose bytes are already stored under its path is skipped
    (unchanged) unless ``force``; the same bytes under another name are stored
    once and the name remembered (duplicate)."""
    t0 = time.perf_counter()
    summary = Summary()
    store = Store(db_path)
    try:
        for display, path in iter_inputs(paths):
            out = _stat_hash(display, path)
            if out.error:
                summary.failed.append((display, out.error))
                _tick(progress, out)
                continue
            seen = store.document_by_sha(out.sha256)
            known = store.path_record(display)
            if seen and not force:
                if known and known["document_id"] == seen["id"]:
                    summary.unchanged.append(display)
                    _tick(progress, out)
                    continue
                store.add_path(display, seen["id"], out.sha256, out.size, out.mtime)
                summary.duplicates.append((display, seen["path"]))
                _tick(progress, out)
                continue
            out = process_file(display, path, out=out)
            store.save(path=display, sha256=out.sha256, size=out.size, mtime=out.mtime, doc=out.doc,
                       facts=out.facts, error=out.error, status=out.status)
            if out.error:
                summary.failed.append((display, out.error))
            elif out.status == "needs_ocr":
                summary.needs_ocr.append(display)
            else:
                summary.ingested.append(display)
                summary.pages += out.doc.page_count if out.doc else 0
            _tick(progress, out)
    finally:
        store.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _tick(progress, out: Outcome) -> None:
    if progress:
        progress(out)


def outline_lines(doc: Document) -> list[str]:
    """The recovered heading tree with pages and the tables under each heading."""
    lines = [f"{doc.path}  [{doc.format}, {doc.page_count} 页/pages, {len(doc.headings())} 标题/headings, "
             f"{len(doc.tables())} 表格/tables, parser {doc.parser}]"]
    if doc.status != "ok":
        lines.append(f"  状态 status: {doc.status}")
    for w in doc.warnings:
        lines.append(f"  ! {w}")
    level = 0
    for b in doc.blocks:
        page = f"  p.{b.page}" if b.page else ""
        if b.kind == "heading":
            level = b.level or 1
            label = f"{b.number} {b.title}" if b.number else b.title
            lines.append(f"{'  ' * (level - 1)}{label}{page}")
        elif b.kind == "table":
            title = b.title or "(无标题 untitled)"
            lines.append(f"{'  ' * level}[表 table] {title}  {b.n_rows}×{b.n_cols}{page}")
    return lines


def run_sql(db_path, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    """Run one statement on a read-only connection; return (columns, rows)."""
    store = Store(db_path, readonly=True)
    try:
        cur = store.db.execute(sql, params or [])
        cols = [d[0] for d in cur.description or []]
        return cols, cur.fetchall()
    finally:
        store.close()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
DB_OPTION = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                         help="数据库文件 / SQLite database file")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao", message="nianbao %(version)s")
def cli():
    """年报 nianbao — 把职业教育质量年度报告读入 SQLite 数据库。

    Read vocational schools' annual quality reports (.docx, .pdf, .txt) into a
    normalized SQLite database: structure, figures with their sources, review
    flags.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@DB_OPTION
@click.option("--force", is_flag=True, help="重新解析未变的文件 / re-parse files even when unchanged")
def ingest(paths, db_path, force):
    """入库：解析文件或文件夹（递归）并存入数据库。

    Ingest files or folders (recursive): parse, extract, store.  Prints a
    summary of what was ingested and what failed, with the reason.
    """
    n = len(iter_inputs(paths))
    with click.progressbar(length=n, label="入库 ingesting", file=sys.stderr,
                           show_pos=True) if sys.stderr.isatty() else _NullBar() as bar:
        summary = ingest_paths(paths, db_path, force=force, progress=lambda out: bar.update(1))
    for line in summary.lines():
        click.echo(line)
    click.echo(f"数据库 database: {db_path}")


class _NullBar:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def update(self, n):
        pass


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def outline(file):
    """大纲：显示一个文件解析出的标题树、页码和表格。

    Show the heading tree recovered from FILE with page numbers and the tables
    found under each heading — the quickest way to see whether a report parsed
    well.  Reads the file directly; no database needed.
    """
    try:
        doc = parse(file)
    except IngestError as e:
        raise click.ClickException(str(e))
    for line in outline_lines(doc):
        click.echo(line)


@cli.command()
@click.argument("query")
@DB_OPTION
@click.option("--csv", "fmt", flag_value="csv", help="输出 CSV / output CSV")
@click.option("--json", "fmt", flag_value="json", help="输出 JSON / output JSON")
def sql(query, db_path, fmt):
    """查询：在只读连接上执行 SQL。

    Run a SELECT on a read-only connection and print the rows as a table, CSV
    or JSON.  Example: nianbao sql "select school, year from documents"
    """
    import sqlite3
    try:
        cols, rows = run_sql(db_path, query)
    except (sqlite3.Error, FileNotFoundError) as e:
        raise click.ClickException(f"SQL 错误 / SQL error: {e}")
    if fmt == "json":
        click.echo(json.dumps([dict(zip(cols, r)) for r in rows], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        from tabulate import tabulate
        click.echo(tabulate(rows, headers=cols, tablefmt="simple"))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / output JSON")
def extract(file, as_json):
    """抽取：打印一个文件的属性、指标（含来源）和冲突，不写数据库。

    Print one file's attributes, metrics (with page, section and source
    sentence) and conflict flags, without a database.
    """
    try:
        doc = parse(file)
    except IngestError as e:
        raise click.ClickException(str(e))
    if doc.status != "ok":
        raise click.ClickException(f"{doc.status}: 没有可用的文本层 / no usable text layer")
    facts = extract_facts(doc)
    if as_json:
        from dataclasses import asdict
        click.echo(json.dumps({"attributes": facts.attributes, "rules_version": facts.rules_version,
                               "metrics": [m.to_row() for m in facts.metrics],
                               "flags": [f.to_row() for f in facts.flags]}, ensure_ascii=False, indent=2))
        return
    a = facts.attributes
    click.echo(f"学校 school: {a.get('school')}   年度 year: {a.get('year')}   层次 level: {a.get('level')}   "
               f"地区 region: {a.get('region')}")
    from tabulate import tabulate
    rows = [(m.metric, m.name_zh, _fmt_value(m.value), m.unit, m.year, "≈" if m.approximate else "",
             m.prov.source, m.prov.page or "", m.prov.sentence[:40]) for m in facts.metrics]
    click.echo(tabulate(rows, headers=["metric 指标", "名称", "value 数值", "unit 单位", "year 年", "约",
                                       "source 来源", "page 页", "sentence 原文"]))
    for f in facts.flags:
        click.echo(f"! {f.kind}: {f.message}")


def _fmt_value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def default_expected() -> list[Path]:
    root = Path(__file__).resolve().parent
    paths = sorted((root / "corpus" / "expected").glob("*.json"))
    seed = root.parent / "shared" / "seed" / "expected.json"
    return paths + ([seed] if seed.exists() else [])


@cli.command()
@click.argument("expected", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@DB_OPTION
def score(expected, db_path):
    """准确率：按期望值 JSON 给数据库中的指标打分（精确率、召回率、F1）。

    Score the metrics in the database against expected-values JSON files
    (default: corpus/expected/*.json and ../shared/seed/expected.json) and
    print precision, recall and F1 per format, per metric and overall.
    """
    from store.accuracy import report_lines, score as run_score
    store = Store(db_path, readonly=True)
    try:
        results, problems = run_score(store.db, expected or default_expected())
    finally:
        store.close()
    for line in report_lines(results, problems):
        click.echo(line)


def main():  # console-script entry point
    cli(prog_name="nianbao")


if __name__ == "__main__":
    main()
