"""The ``nianbao`` command: a thin layer over the Python API.

Each command parses its options, makes one call to the API —
:class:`nianbao.Database` for a database, ``nianbao.parse`` /
``nianbao.extract`` for one file — and prints what it returns with
:mod:`nianbao.cli.render`.  Bulk ingest lives in :mod:`nianbao.ingest.batch`
(``ingest_paths`` is re-exported here for scripts that import it from
``pipeline``).  ``python pipeline.py …`` works from a checkout as well.
"""
from __future__ import annotations

import codecs
import json
import sys
from pathlib import Path

import click

if __package__ in (None, ""):
    def _bootstrap() -> None:
        """``python pipeline.py …`` from a checkout that is not installed: make
        this folder importable as the package ``nianbao`` (what ``pip install
        -e .`` maps it to), through a link in a temporary folder put on
        ``sys.path`` so that worker processes find it too."""
        import hashlib
        import importlib.util
        import tempfile
        root = Path(__file__).resolve().parent
        if importlib.util.find_spec("nianbao") is not None:
            return
        link_dir = Path(tempfile.gettempdir()) / f"nianbao-src-{hashlib.sha1(str(root).encode()).hexdigest()[:12]}"
        try:
            link_dir.mkdir(exist_ok=True)
            if not (link_dir / "nianbao").exists():
                (link_dir / "nianbao").symlink_to(root, target_is_directory=True)
            sys.path.insert(0, str(link_dir))
        except OSError:  # no symlinks (Windows without rights): this process only
            spec = importlib.util.spec_from_file_location("nianbao", root / "__init__.py",
                                                          submodule_search_locations=[str(root)])
            sys.modules["nianbao"] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules["nianbao"])
    _bootstrap()

from nianbao.cli import render  # noqa: E402
from nianbao.cli.safe_text import terminal_text  # noqa: E402
from nianbao.database import Database  # noqa: E402
from nianbao.ingest import IngestError, parse  # noqa: E402
from nianbao.ingest.batch import Progress, Summary, ingest_paths, iter_inputs  # noqa: E402,F401
from nianbao.ingest.cluster import ClusterError  # noqa: E402
from nianbao.ingest.workers import FILE_TIMEOUT, MEMORY_LIMIT_MB, RunLocked, run_lock  # noqa: E402,F401
from nianbao.review import extract_and_review as extract_facts  # noqa: E402,F401
from nianbao.store import DEFAULT_DB  # noqa: E402
from nianbao.store.sql_guard import SQL_TIME_LIMIT  # noqa: E402


def _echo(lines) -> None:
    """Print lines made from report text and file names: control characters
    shown as escapes, so none can act on the terminal or start a new line."""
    for line in lines:
        click.echo(terminal_text(line))


def _json(data) -> None:
    from nianbao.export import tabular
    _echo_json(tabular.json_text(data))


def _echo_json(text: str) -> None:
    """JSON on a terminal in its encoding (readable there); redirected to a
    file or a pipe, UTF-8 whatever the console's encoding — JSON files are
    UTF-8 (RFC 8259), and ``json.load`` reads them so."""
    if _isatty(sys.stdout):
        click.echo(text)
    else:
        _write_utf8(text + "\n")


class _Commands(click.Group):
    """The command group: a database that cannot be read or written (full or
    failing disk, read-only, not SQLite, corrupt, newer, another program's)
    ends any command with one line in Chinese and English, not a traceback."""

    def invoke(self, ctx):
        import sqlite3

        from nianbao.store.errors import StorageError, storage_error
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _closed_output()
            ctx.exit(0)       # the reader stopped early (| head): no error of this command
        except (StorageError, sqlite3.Error, OSError) as e:
            err = storage_error(e, getattr(e, "path", None) or _DB_GIVEN.get("path") or "--db")
            if err is not None:
                raise click.ClickException(terminal_text(str(err))) from None
            if isinstance(e, OSError) and not e.filename:
                # no file named: the output (a full disk under `> file`), not the database
                raise click.ClickException(terminal_text(
                    f"无法写出结果 / cannot write the output: {e.strerror or e}")) from None
            raise


def _closed_output() -> None:
    """Standard output (or error) was closed by its reader: point both at
    the null device, so that nothing more is written there and Python's
    last flush at exit finds no broken pipe to complain about."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):   # no file descriptor (a test runner's streams)
        pass


def _memory_limit(value: int) -> int:
    """``--memory-limit``: 0 (none) or at least a worker's size at start (exit 2 below it)."""
    from nianbao.ingest.workers import MIN_MEMORY_LIMIT_MB, memory_limit_message
    if 0 < value < MIN_MEMORY_LIMIT_MB:
        raise click.BadParameter(memory_limit_message(value))
    return value


def _cluster_address(ctx, param, value):
    """``--cluster``: a scheduler address or ``local`` (exit 2 for another text)."""
    from nianbao.ingest.cluster import check_address
    why = value is not None and check_address(value)
    if why:
        raise click.BadParameter(why)
    return value and value.strip()


#: the --db of the command running, so that a storage fault names the file
_DB_GIVEN: dict[str, str] = {}


def _remember_db(ctx, param, value):
    _DB_GIVEN["path"] = value
    return value


DB_OPTION = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                         callback=_remember_db, help="数据库文件 / SQLite database file")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao", message="nianbao %(version)s")
def cli():
    """年报 nianbao — 把职业教育质量年度报告读入 SQLite 数据库。

    Read vocational schools' annual quality reports (.docx, .pdf, .txt) into a
    normalized SQLite database: structure, figures with their sources, review
    flags.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@DB_OPTION
@click.option("--force", is_flag=True, help="重新解析未变的文件 / re-parse files even when unchanged")
@click.option("--retry-failed", is_flag=True,
              help="重新读取上次失败、此后未变的文件 / re-read unchanged files that failed last time")
@click.option("--reextract", is_flag=True,
              help="用已存的文档模型对所有已存文档重新抽取，不重新解析（规则变更后）/ re-run extraction on every "
                   "stored document from its stored model, without re-parsing (after a rules change)")
@click.option("--workers", "-j", type=click.IntRange(min=0), default=None,
              help="工作进程数，默认为 CPU 核数；0 = 在本进程内、无时间与内存限制 / worker processes "
                   "(default: one per CPU; 0 = in this process, without time or memory limits)")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=FILE_TIMEOUT, show_default=True,
              help="每个文件的时间上限（秒）/ time limit per file, seconds")
@click.option("--memory-limit", type=click.IntRange(min=0), default=MEMORY_LIMIT_MB, show_default=True,
              callback=lambda ctx, param, value: _memory_limit(value),
              help="每个工作进程的常驻内存（RSS）上限，MB，至少 256；超出则该文件失败（memory:）；0 = 不限 / resident "
                   "memory (RSS) limit per worker, MB, at least 256: a file whose worker goes above it fails with "
                   "memory: (0: none)")
@click.option("--cluster", metavar="ADDRESS", default=None, callback=_cluster_address,
              help="在 Dask 集群的工作进程上解析与抽取（调度器地址 tcp://主机:8786；local = 在本机启动 --workers 个"
                   "进程），本进程仍是唯一写入者 / parse and extract on a Dask cluster's workers (scheduler address "
                   "tcp://host:8786; local = start --workers processes here); this process still writes the "
                   "database (needs pip install 'nianbao[cluster]')")
@click.option("--wait", "lock_wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="另一个入库任务占用数据库时等待的秒数，默认立即退出 / seconds to wait while another ingest run "
                   "holds the database (default: refuse at once)")
@click.option("--prune", is_flag=True,
              help="从数据库中移除已不在所给文件夹中的文件 / forget stored files that have left the folders given")
@click.option("--follow-symlinks", is_flag=True,
              help="跟随指向文件夹之外的符号链接（默认不跟随，列为跳过）/ follow symbolic links that lead outside the "
                   "folder (default: not followed, listed as skipped)")
@click.option("--no-ocr", "no_ocr", is_flag=True,
              help="不做OCR：扫描页和纯图片Word文件记为 needs_ocr / skip OCR: scanned pages and picture-only "
                   "Word files are stored as needs_ocr")
def ingest(paths, db_path, force, retry_failed, reextract, workers, timeout, memory_limit, cluster, lock_wait, prune,
           follow_symlinks, no_ocr):
    """入库：解析文件、文件夹（递归）和 ZIP 压缩包并存入数据库。

    Ingest files, folders (recursive) and .zip archives: parse, extract,
    store.  Unchanged files are skipped without being read, identical files
    stored once; parsing runs in worker processes (--workers), each file
    under a time and memory limit.  A progress bar on a terminal, plain lines
    in a pipe; a summary at the end: ingested, unchanged, duplicates,
    needs_ocr, failed (with reasons), skipped (links, unreadable folders),
    flagged, files not read (.rar, .xlsx …) with the reason.  Copies of one
    report (.docx/.pdf/.txt) count once; a newer file of the same school and
    year supersedes the older.  --prune forgets stored files that have left
    the folders given.  Scanned pages are read with OCR (offline; --no-ocr
    skips it), each file's time limit growing with its pages to OCR.  A
    failure of the machine (full or failing disk) is
    retried by the next run.  One run at a time per database: a second one
    waits --wait seconds, then stops.  Exit status 1 when every file given
    failed, or a path given does not exist (the others are read).
    """
    if not paths and not reextract:
        raise click.UsageError("请给出文件或文件夹（或 --reextract）/ give files or folders (or --reextract)")
    reporter = render.ProgressReporter(sys.stderr)
    try:
        summary = Database(db_path).ingest(paths, force=force, retry_failed=retry_failed, reextract=reextract,
                                           workers=workers, timeout=timeout, memory_limit_mb=memory_limit or None,
                                           lock_wait=lock_wait, progress=reporter, prune=prune,
                                           follow_symlinks=follow_symlinks, ocr=not no_ocr, cluster=cluster)
    except RunLocked as e:
        raise click.ClickException(terminal_text(str(e)))
    except ClusterError as e:
        reporter.close()
        raise click.ClickException(terminal_text(str(e)))
    except KeyboardInterrupt as e:
        reporter.close()
        what = "已终止 terminated" if isinstance(e, Terminated) else "已中断 interrupted"
        click.echo(f"{what}：已存的文档完整，再次运行将继续 / stored documents are complete; "
                   "run again to continue", err=True)
        sys.exit(143 if isinstance(e, Terminated) else 130)
    finally:
        reporter.close()
    _echo(render.summary_lines(summary))
    click.echo(f"数据库 database: {db_path}")
    from nianbao.ingest.walk import MISSING
    missing = [p for p, why in summary.skipped if why == MISSING]
    if missing:
        click.echo(terminal_text(f"路径不存在 / no such path: {'; '.join(missing)}"), err=True)
        sys.exit(1)
    if paths and summary.failed and not (summary.ingested or summary.unchanged or summary.duplicates
                                         or summary.needs_ocr or summary.reextracted):
        click.echo("所有文件都失败了 / every file failed", err=True)
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
def remove(paths, db_path):
    """移除：从数据库中去掉文件（或某文件夹、压缩包下的全部文件）。

    Forget stored files: each PATH is a stored path, or a folder or .zip
    whose stored files are all forgotten (whether or not they still exist on
    disk).  A report's values and flags go with its last file; corrections
    stay.  See also: nianbao ingest FOLDER --prune.
    """
    from nianbao.ingest.workers import RunLocked
    try:
        gone = _query(Database(db_path).remove, paths)
    except RunLocked as e:
        raise click.ClickException(str(e))
    if not gone:
        raise click.ClickException(terminal_text("数据库中没有这些路径 / no stored path matches: " + " ".join(paths)))
    for p in gone:
        click.echo(terminal_text(f"已移除 removed: {p}"))
    click.echo(f"共 {len(gone)} 个 / {len(gone)} paths removed")
    import os
    from nianbao.store.db import _under
    unmatched = [p for p in paths
                 if not any(_under(g, root) for g in gone for root in {str(Path(p)), os.path.abspath(p)})]
    if unmatched:      # the others were removed; these name nothing stored (a typo?)
        raise click.ClickException(terminal_text("数据库中没有这些路径 / no stored path matches: "
                                                 + " ".join(unmatched)))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def outline(file):
    """大纲：显示一个文件解析出的标题树、页码和表格。

    Show the heading tree recovered from FILE with page numbers and the tables
    found under each heading — the quickest way to see whether a report parsed
    well.  Reads the file directly; no database needed.
    """
    _echo(render.outline_lines(_parse(file)))


@cli.command()
@click.argument("query")
@DB_OPTION
@click.option("--csv", "fmt", flag_value="csv", help="输出 CSV / output CSV")
@click.option("--json", "fmt", flag_value="json", help="输出 JSON / output JSON")
@click.option("--time-limit", type=click.FloatRange(min=0), default=SQL_TIME_LIMIT, show_default=True,
              help="查询时间上限（秒），0 = 不限 / time limit of the query, seconds (0: none)")
def sql(query, db_path, fmt, time_limit):
    """查询：在只读连接上执行 SQL。

    Run a SELECT on a read-only connection and print the rows as a table, CSV
    or JSON.  Writes, ATTACH and VACUUM INTO are refused; a query stops after
    --time-limit seconds or on Ctrl-C.  CSV (UTF-8 with a byte-order mark,
    as every --csv) cells that Excel would run as a formula (= + - @) start
    with '.
    Example: nianbao sql "select school, year from documents"
    """
    import sqlite3
    try:
        res = Database(db_path).sql(query, time_limit=time_limit or None)
    except KeyboardInterrupt:
        click.echo("已中断 / interrupted", err=True)
        sys.exit(130)
    except (sqlite3.Error, FileNotFoundError) as e:
        raise click.ClickException(terminal_text(f"SQL 错误 / SQL error: {e}"))
    if fmt == "json":
        _json(res.dicts())
    elif fmt == "csv":
        from nianbao.export import tabular
        _echo_csv(tabular.csv_text(res.columns, res.rows, bom=False))   # formula-safe cells
    else:
        _echo(render.sql_lines(res.columns, res.rows))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / output JSON")
def extract(file, as_json):
    """抽取：打印一个文件的属性、指标（含来源）和冲突，以及待审候选，不写数据库。

    Print one file's attributes, metrics (with page, section and source
    sentence) and conflict flags, then the review candidates — figures kept
    out of the metrics because a cue made them unsure, with the reason —
    without a database.
    """
    doc = _parse(file)
    if doc.status not in ("ok", "ocr"):
        raise click.ClickException(f"{doc.status}: 没有可用的文本层 / no usable text layer")
    facts = extract_facts(doc)
    if as_json:
        _json(render.facts_json(facts))
    else:
        _echo(render.facts_lines(facts))


def _parse(file):
    """``nianbao.parse``, a file nianbao cannot read ending the command with its reason."""
    try:
        return parse(file)
    except IngestError as e:
        raise click.ClickException(terminal_text(str(e)))


@cli.command()
@click.argument("expected", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@DB_OPTION
@click.option("--realdev", "realdev_dir", is_flag=False, flag_value="", default=None, metavar="[DIR]",
              help="在真实文本开发集上评估（默认 ../shared/realdev）/ score extraction on the real-text "
                   "dev set (default ../shared/realdev), no database")
@click.option("--list", "list_n", type=click.IntRange(min=0), default=0, show_default=True,
              help="--realdev：列出前 N 个误报、漏报和标题错误 / list the first N false positives, misses, title errors")
@click.option("--json", "as_json", is_flag=True, help="--realdev：输出 JSON / output JSON")
@click.option("--predictions", type=click.Path(file_okay=False),
              help="--realdev：把预测写入此目录（pred_sentences.jsonl、pred_titles.jsonl）/ "
                   "write the predictions to this folder")
def score(expected, db_path, realdev_dir, list_n, as_json, predictions):
    """准确率：按期望值 JSON 给数据库中的指标打分（精确率、召回率、F1）。

    Score the metrics in the database against expected-values JSON files
    (default: corpus/expected/*.json and ../shared/seed/expected.json) and
    print precision, recall and F1 per format, per metric and overall
    (in-sample: the rules were written on them).

    With --realdev [DIR]: extract the real passages and titles of the realdev
    set in this process and print precision / recall overall, per level and
    per metric, the trap hits by kind, and school / level / year accuracy.
    """
    if realdev_dir is not None:
        _score_realdev(realdev_dir or None, list_n, as_json, predictions)
        return
    from nianbao.evaluate.accuracy import report_lines
    results, problems = _query(Database(db_path).score, expected or None)
    _echo(report_lines(results, problems))


def _score_realdev(directory, list_n, as_json, predictions) -> None:
    from nianbao.evaluate.realdev import RealdevMissing, evaluate
    try:
        result = evaluate(directory)
    except RealdevMissing as e:
        raise click.ClickException(str(e))
    if predictions:
        result.write_predictions(predictions)
    if as_json:
        _echo_json(json.dumps(result.summary(list_n), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(result.report(list_n)))


def _query(method, *args, **kw):
    """One read of the database; a missing database or a bad argument ends
    the command with its message."""
    from nianbao.export.output_file import OutputError
    try:
        return method(*args, **kw)
    except (FileNotFoundError, ValueError, OutputError) as e:
        raise click.ClickException(terminal_text(str(e)))


def _require_reports(db, schools=(), year: int | None = None) -> None:
    """End the command with one line (exit 1) when a ``--school`` or
    ``--year`` given matches no current report: a misspelled name (or a
    trailing space copied from Excel) must not read as "no flags" or "every
    part is there"."""
    schools = [s for s in schools if s is not None]
    if not schools and year is None:
        return
    for school in schools or [None]:
        if not _query(db.reports, school=school.strip() if school else None, year=year):
            what = (f"学校「{school}」" if school else "") + (f" {year} 年度" if year is not None else "")
            en = (f"of school '{school}'" if school else "") + (f" for {year}" if year is not None else "")
            raise click.ClickException(terminal_text(f"没有{what.strip()}的报告 / no report {en.strip()} "
                                                     "(nianbao sql \"select school, year from reports\" lists them)"))


def _output(fmt: str | None, *, records, table, lines) -> None:
    """Print as --json (``records()``), --csv (``table()`` → header, rows) or
    text (``lines()``)."""
    from nianbao.export import tabular
    if fmt == "json":
        _echo_json(tabular.json_text(records()))
    elif fmt == "csv":
        header, rows = table()
        _echo_csv(tabular.csv_text(header, rows, bom=False))
    else:
        _echo(lines())


def _echo_csv(text: str) -> None:
    """CSV text (no byte-order mark yet): on a screen in the console's
    encoding, report text's escape sequences shown, not obeyed; to a file or
    a pipe UTF-8 with a byte-order mark, whatever the console's encoding (GBK
    on a Chinese Windows): Excel and WPS read it so."""
    if _isatty(sys.stdout):
        _echo(text.splitlines())
    else:
        from nianbao.export.tabular import BOM
        _write_utf8(BOM + text)


def _write_utf8(text: str) -> None:
    """CSV goes out as UTF-8 bytes, whatever the console's encoding (GBK on a
    Chinese Windows) and without newline translation: Excel reads it by its
    byte-order mark."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:   # a stream without bytes underneath: text it is
        click.echo(text, nl=False)
        return
    out.write(text.encode("utf-8"))
    out.flush()


def _format_options(fn):
    """--json / --csv for a command that prints a list."""
    fn = click.option("--csv", "fmt", flag_value="csv",
                      help="输出 CSV（UTF-8 带 BOM，Excel 可直接打开）/ output CSV (UTF-8 with a byte-order mark: "
                           "opens in Excel with the Chinese intact)")(fn)
    return click.option("--json", "fmt", flag_value="json", help="输出 JSON / output JSON")(fn)


class CommaChoice(click.Choice):
    """A click.Choice that also takes a comma-separated list of choices."""

    def convert(self, value, param, ctx):
        parts = [p.strip() for p in str(value).replace("，", ",").split(",") if p.strip()]
        if not parts:
            self.fail("空值 / empty value", param, ctx)
        return ",".join(super(CommaChoice, self).convert(p, param, ctx) for p in parts)


class _FlagKinds(CommaChoice):
    """The flag kinds (``nianbao.review.report.flag_kinds``), read the first
    time they are needed — by ``flags --kind`` or its help — not at the
    start of every command (they load the review rules, ≈ 17 ms)."""

    def __init__(self):
        self.case_sensitive = True

    @property
    def choices(self):
        from nianbao.review.report import flag_kinds
        return tuple(flag_kinds())


def _flag_kind_choice() -> CommaChoice:
    return _FlagKinds()


@cli.command()
@DB_OPTION
@click.option("--school", help="学校名称（部分匹配）/ school name (substring)")
@click.option("--year", type=int, help="报告年度 / report year")
@_format_options
def check(db_path, school, year, fmt):
    """审阅：按官方模板逐份检查必备部分和附表（✓ 有 / ✗ 缺 / ⚠ 提示）。

    Check every stored report against its official template (by level and
    covered year): a checklist of the required parts and appendix tables
    (✓ present, ✗ missing, ⚠ warning: missing where the template is not
    evidence-backed, empty, out of order), then a summary of which schools
    miss what.  A report filed as .docx and .pdf is checked once (its most
    informative copy) and all its files are named.  --json: a list with one
    object per report; --csv: one row per report and item.
    """
    from nianbao.export import tabular
    db = Database(db_path)
    _require_reports(db, [school], year)
    lists = _query(db.check, school=school.strip() if school else None, year=year)
    _output(fmt, records=lambda: tabular.check_records(lists), table=lambda: tabular.check_table(lists),
            lines=lambda: render.check_lines(lists))


@cli.command()
@DB_OPTION
@click.option("--kind", type=_flag_kind_choice(),
              help="类型，可用逗号分隔多个 / flag kind(s), comma-separated")
@click.option("--school", help="学校名称（部分匹配）/ school name (substring)")
@click.option("--year", type=int, help="报告年度 / report year")
@click.option("--severity", type=click.Choice(["error", "warning", "info"]),
              help="最低严重程度 / minimum severity (error < warning < info)")
@_format_options
def flags(db_path, kind, school, year, severity, fmt):
    """提示：列出审阅提示及其两处来源（页码和原句）。

    List review flags: school, year, the report's files, kind (Chinese and
    id), severity, message and both sources (page, section, value and a
    short sentence).  A flag found in both the .docx and the .pdf of one
    report is listed once.  --json: a list of flags with school, year, kind,
    metric, message, sources and files.
    """
    from nianbao.export import tabular
    db = Database(db_path)
    _require_reports(db, [school], year)
    rows = _query(db.flags, kind=kind, school=school.strip() if school else None, year=year, severity=severity)
    _output(fmt, records=lambda: tabular.flags_records(rows), table=lambda: tabular.flags_table(rows),
            lines=lambda: render.flags_lines(rows))


@cli.command()
@DB_OPTION
@click.option("--year", type=int, help="报告年度 / report year (default: every year)")
@click.option("--metrics", "metrics", metavar="ID,ID",
              help="指标编号或中文名，逗号分隔；all = 全部 / metric ids or Chinese names, comma-separated; all = every "
                   "metric (terminal default: a core set; workbook, --json and --csv default: all)")
@click.option("--school", "schools", multiple=True, metavar="S",
              help="学校名称的一部分，可重复 / part of a school name; repeatable")
@click.option("--xlsx", type=click.Path(dir_okay=False), help="另存为 Excel 工作簿 / also write an Excel workbook")
@_format_options
def compare(db_path, year, metrics, schools, xlsx, fmt):
    """对比：各校指标对比表（空白 = 报告未说明，⚠ = 报告中有不同数值）。

    Compare schools: one row per school and report year, one column per
    metric with its Chinese name and unit.  Blank = the report states
    nothing; ≈ = approximate; ⚠ = the report states different values (the
    table value is shown, else the first); ✎ = corrected by a person
    (nianbao correct).  --xlsx writes sheets 说明, 对比, 来源 (every value with
    its source), 问题 and 缺失章节.  --json / --csv print the table for scripts
    and Excel.
    Example: nianbao compare --year 2023 --metrics students_fulltime,employment_rate --xlsx 对比.xlsx
    """
    from nianbao.export import tabular
    from nianbao.store.compare import default_terminal_metrics
    db = Database(db_path)
    if xlsx:
        from nianbao.export.xlsx import workbook_path
        xlsx = _query(workbook_path, xlsx)      # a wrong name is refused before anything is printed
    _require_reports(db, schools, year)
    schools = tuple(s.strip() for s in schools)
    chosen = metrics or (None if fmt else default_terminal_metrics())
    comp = _query(db.compare, year=year, schools=schools, metrics=chosen)
    out = xlsx and _query(db.write_xlsx, xlsx, year=year, schools=schools, metrics=metrics)
    # (the workbook first: a reader of the table that stops early (| head) leaves it written)
    _output(fmt, records=lambda: tabular.compare_records(comp), table=lambda: tabular.compare_table(comp),
            lines=lambda: render.comparison_lines(comp))
    if out:
        click.echo(f"已写入 written: {out}", err=bool(fmt))


@cli.command()
@click.argument("field", metavar="METRIC")
@click.argument("value", required=False)
@DB_OPTION
@click.option("--school", required=True, help="学校名称（部分匹配，须只对应一份报告）/ school name (part; must match one "
                                              "report)")
@click.option("--year", type=int, help="报告年度 / report year")
@click.option("--note", help="说明（为何更正）/ why")
@click.option("--exclude", is_flag=True, help="剔除该指标的抽取值（不填 VALUE）/ leave the extracted value out (no VALUE)")
@click.option("--by", "who", help="更正人，默认为登录名 / who corrects (default: the login name)")
def correct(field, value, db_path, school, year, note, exclude, who):
    """更正：人工更正一份报告的指标数值，或学校名称、层次、年度。

    Correct one report: METRIC is a metric id or Chinese name (VALUE in its
    unit: 人, %, 元 …), or school / 学校, level / 层次, year / 年度.  --exclude
    leaves a metric's extracted value out.  Corrections are kept in their
    own table with who, when and the note; they survive ingest --force and
    --reextract, and compare, the workbook and Datasette mark them (✎).
    Examples: nianbao correct --school 青岚 --year 2023 就业率 97.5 --note "以附表为准";
    nianbao correct --school 青岚 --year 2023 level 中职
    """
    if exclude and value is not None:
        raise click.UsageError("--exclude 不需要 VALUE / --exclude takes no VALUE")
    if not exclude and value is None:
        raise click.UsageError("需要 VALUE 或 --exclude / give a VALUE or --exclude")
    row = _query(Database(db_path).correct, school=school, year=year, field=field, value=value, exclude=exclude,
                 note=note, who=who)
    _echo(render.correction_lines([row], header=False))


@cli.command()
@DB_OPTION
@click.option("--import", "import_file", type=click.Path(exists=True, dir_okay=False),
              help="从 CSV 导入并应用更正 / apply the corrections of a CSV file")
@click.option("--remove", "remove_id", type=int, help="删除（撤销）编号为 ID 的更正 / delete (undo) correction ID")
@_format_options
def corrections(db_path, import_file, remove_id, fmt):
    """更正记录：列出、导出（--csv）、导入（--import）或撤销（--remove）人工更正。

    List the corrections (who, when, note, whether a report still matches);
    --csv prints them as CSV for a reviewer's spreadsheet (school, year,
    field, metric, value, text, exclude, note, who, at), --import FILE applies
    such a CSV, --remove ID undoes one.
    """
    db = Database(db_path)
    if import_file:
        text = _csv_text(Path(import_file))
        done, problems = _query(db.import_corrections, text)
        click.echo(f"已应用 applied: {done}")
        for p in problems:
            click.echo(f"  未应用 not applied: {p}", err=True)
        if problems:      # the lines that were applied stay applied; exit 1 says not all were
            sys.exit(1)
        return
    if remove_id is not None:
        if not _query(db.uncorrect, remove_id):
            raise click.ClickException(f"没有编号为 {remove_id} 的更正 / no correction {remove_id}")
        click.echo(f"已撤销 removed: {remove_id}")
        return
    if fmt == "csv":
        _echo_csv(_query(db.corrections_csv))
        return
    rows = _query(db.corrections)
    if fmt == "json":
        _echo_json(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _echo(render.correction_lines(rows))


def _csv_text(path: Path) -> str:
    """A CSV file's text: UTF-8 (with or without a byte-order mark, as nianbao
    writes it), else GB18030 — what Excel's "CSV (逗号分隔)" saves on a Chinese
    Windows (GBK is a subset); a one-line error for anything else."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.ClickException(f"无法识别 CSV 的编码（应为 UTF-8 或 GBK）/ cannot decode {path}: "
                               "not UTF-8 or GBK text")


@cli.command()
@click.argument("school")
@DB_OPTION
@click.option("--year", type=int, help="只看该报告年度 / that report year only")
@click.option("--html", "html_file", type=click.Path(dir_okay=False),
              help="写成可打印的网页（含图表）/ write a printable HTML page with charts")
def report(school, db_path, year, html_file):
    """报告页：一所学校历年指标（图表）、每个数值的来源、提示和缺失部分。

    One school's figures across years with the source of every figure, its
    review flags, missing parts and corrections.  --html FILE writes one
    printable page with charts (inline SVG; opens offline in any browser);
    without it the figures are printed here.
    Example: nianbao report 青岚 --html 青岚.html
    """
    db = Database(db_path)
    if year is not None:
        _require_reports(db, [school], year)     # the school has reports, but none of that year
    if html_file:
        out = _query(db.write_report_html, html_file, school, year=year)
        click.echo(f"已写入 written: {out}")
    else:
        _echo(render.school_lines(_query(db.report, school, year=year)))


@cli.command()
@click.argument("query", required=False)
@DB_OPTION
@click.option("--school", help="学校名称的一部分 / part of a school name")
@click.option("--year", type=int, help="报告年度 / report year")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="最多结果数 / most passages shown")
@click.option("--words-only", is_flag=True, help="只要完整的词（分词结果）/ whole jieba words only")
@click.option("--all-copies", is_flag=True,
              help="同一报告的多个文件（docx 与 pdf）分别列出 / list the same passage once per file of a report")
@click.option("--reindex", is_flag=True, help="重建全文索引 / rebuild the full-text index")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / output JSON")
def search(query, db_path, school, year, limit, words_only, all_copies, reindex, as_json):
    """搜索：在各报告章节正文中全文搜索中文（一个字、词或短语）。

    Full-text search of the reports' section text (SQLite FTS5 over single
    characters, so one- and two-character words and phrases are found;
    sections where the query is a whole jieba word come first).  Prints school, year, section path, page and a
    snippet with the hit in 【】.  Several words separated by spaces must
    all occur.  Example: nianbao search 产教融合 --year 2023
    """
    if not query and not reindex:
        raise click.UsageError("需要搜索词或 --reindex / give a QUERY or --reindex")
    db = Database(db_path)
    if reindex:
        click.echo(f"已重建索引 reindexed: {db.reindex()} 个章节 sections", err=bool(query))
        if not query:
            return
    _require_reports(db, [school], year)
    school = school.strip() if school else None
    if _query(db.index_status) != "ok":
        click.echo("全文索引缺失或过期，正在重建 / the full-text index is missing or stale: rebuilding", err=True)
    hits = _query(db.search, query, school=school, year=year, limit=limit, words_only=words_only,
                  all_copies=all_copies)
    if as_json:
        _json([h.to_row() for h in hits])
    else:
        _echo(render.search_lines(query, hits))


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on")
@click.option("--port", default=8001, show_default=True, type=int, help="端口 / port")
@click.option("--immutable", is_flag=True,
              help="以不可变方式打开（不会再入库时更快）；默认只读打开，入库时也可安全浏览 / open immutable (faster when no "
                   "ingest will run); by default it is opened read-only, safe while an ingest writes")
@click.option("--live", is_flag=True, hidden=True, help="默认行为 / the default (read-only, mode=ro)")
def serve(db_path, host, port, immutable, live):
    """浏览：用 Datasette 只读浏览数据库（表格、分面、全文搜索、预设查询）。

    Browse the database read-only in Datasette (mode=ro: safe while an
    ingest rewrites it; immutable on a read-only folder): tables and views with
    Chinese/English descriptions, facets on school, year, metric and flag
    kind, Chinese full-text search on sections, canned queries 就业率排名,
    缺失附表的学校, 同比变化, 全文搜索, 人工更正, and charts of a metric across
    schools and years at /-/chart.  A port in use is reported as such.
    Example: nianbao serve --db nianbao.db --port 8001
    """
    from nianbao.web.serve import ServeError
    from nianbao.web.serve import serve as run_serve
    if not Path(db_path).exists():
        raise click.ClickException(f"数据库不存在 / database not found: {db_path}")
    try:
        run_serve(db_path, host=host, port=port, immutable=immutable and not live,
                  ready=lambda: click.echo(f"http://{host}:{port}/  图表 charts: http://{host}:{port}/-/chart  "
                                           "(Ctrl+C 停止 / to stop)"))
    except ServeError as e:
        raise click.ClickException(terminal_text(str(e)))


@cli.group()
def warm():
    """常驻预热进程 / the warm server: workers ready at once between commands.

    `nianbao warm start` keeps one warmed process (imports, dictionaries,
    rules: about 1.5 CPU-seconds, otherwise paid by every ingest) until it
    has been idle for --idle seconds; every `nianbao ingest` of this
    installation forks its workers from it.  Opt-in; POSIX only.
    """


@warm.command("start")
@click.option("--idle", type=click.FloatRange(min=1), default=600, show_default=True,
              help="空闲多少秒后退出（inf：不自动退出）/ exit after this many seconds without workers (inf: never)")
def warm_start(idle):
    """启动（已在运行则不重复启动）/ start it (or report the one running)."""
    import math

    from nianbao.ingest import resident
    if math.isnan(idle):
        raise click.BadParameter("需要一个数字 / a number is needed", param_hint="'--idle'")
    try:
        info, started = resident.start(idle)
    except (RuntimeError, OSError) as e:
        raise click.ClickException(terminal_text(str(e)))
    what = "已启动 started" if started else "已在运行 already running"
    click.echo(f"常驻预热进程{what}: pid {info.pid}, {_idle_text(info.idle)} · {info.socket}")


def _idle_text(idle: float) -> str:
    import math
    if not math.isfinite(idle):
        return "不会因空闲退出 / never exits by itself (nianbao warm stop)"
    return f"空闲 {idle:.0f} 秒后退出 / exits after {idle:.0f} s idle"


@warm.command("status")
def warm_status():
    """列出正在运行的常驻预热进程 / list the running warm servers."""
    from nianbao.ingest import resident
    if resident.unsupported():
        raise click.ClickException(terminal_text(resident.unsupported()))
    try:
        parts = resident.installation_parts()
        key = resident.installation_key(parts)
        rows = resident.servers()
    except OSError as e:     # not available here, or an unsafe folder
        raise click.ClickException(terminal_text(str(e)))
    if not rows:
        click.echo("没有常驻预热进程 / no warm server is running")
    for info in rows:
        mine = _whose(info, key, parts)
        paused = ("  正在预热 warming up" if not info.ready else
                  "" if resident.usable(info) else "  已暂停，不会使用 paused (SIGSTOP), not used")
        click.echo(f"pid {info.pid}  {mine}  运行 up {info.uptime:.0f} s  {_idle_text(info.idle)}  "
                   f"{info.root}{paused}")


def _whose(info, key: str, parts: dict) -> str:
    """Which installation a warm server serves: this one, this one as it was
    (and what changed since: it is not used), or another."""
    from nianbao.ingest import resident
    if info.key == key:
        return "本安装 this installation"
    if info.root and info.root != str(_package_root()):
        return "其他安装 another installation"
    changed = resident.changed_parts(info, parts)
    if changed:
        return (f"本安装的旧状态，不会使用 this installation as it was, not used — 已变 changed: {', '.join(changed)} "
                "(nianbao warm stop; warm start)")
    return "其他安装或旧规则 another installation or older rules"


def _package_root():
    from pathlib import Path

    import nianbao
    return Path(nianbao.__file__).resolve().parent


@warm.command("stop")
@click.option("--all", "every", is_flag=True,
              help="本用户的全部常驻预热进程（含其他安装的）/ every warm server of this user, other installations' too")
def warm_stop(every):
    """停止本安装的常驻预热进程 / stop this installation's warm servers (older rules included)."""
    from nianbao.ingest import resident
    try:
        pids = resident.stop(every=every)
    except OSError as e:
        raise click.ClickException(terminal_text(str(e)))
    click.echo(f"已停止 stopped: {', '.join(map(str, pids))}" if pids else "没有常驻预热进程 / no warm server is running")


def console_safe() -> None:
    """Output that a console cannot encode (a Chinese Windows console or a
    pipe in GBK) never crashes: the marks ✓ ✗ ⚠ ✎ become √ × ！ ※ there
    (in every text, ``--help`` too: :func:`_narrow_marks`),
    and any other character it lacks becomes '?'.  A stream whose encoding
    has no simplified Chinese is written in UTF-8 when it is ASCII (the C
    locale, ``PYTHONIOENCODING=ascii``: click writes its output so then) or
    when it goes to a file or a pipe (a Western Windows, cp1252, redirected):
    the output is readable there, not '?' for every Chinese character."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        enc = getattr(stream, "encoding", None) or "utf-8"
        to_utf8 = not _has_chinese(enc) and (_is_ascii(enc) or not _isatty(stream))
        if name == "stdout":
            render.use_marks_for("utf-8" if to_utf8 else enc)
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=_MARKS_HANDLER, **({"encoding": "utf-8"} if to_utf8 else {}))
            except (ValueError, OSError):   # a stream that cannot be reconfigured: leave it
                pass


def _narrow_marks(e: UnicodeError):
    """The codec error handler of stdout and stderr: a mark the console's
    encoding lacks (✓ ✗ ⚠ ✎ « ») as its narrow form (√ × ！ ※ 「 」:
    ``render.NARROW_MARKS``) when the encoding has it, any other character
    as '?'."""
    if not isinstance(e, UnicodeEncodeError):
        raise e
    out = []
    for ch in e.object[e.start:e.end]:
        alt = _NARROW_CHARS.get(ch, "?")
        try:
            alt.encode(e.encoding)
        except (UnicodeEncodeError, LookupError):
            alt = "?"
        out.append(alt)
    return "".join(out), e.end


#: the usual marks → their narrow forms (read before ``render.use_marks_for`` switches them)
_NARROW_CHARS = {getattr(render, k): v for k, v in render.NARROW_MARKS.items() if getattr(render, k) != v}
_MARKS_HANDLER = "nianbao.narrow_marks"
codecs.register_error(_MARKS_HANDLER, _narrow_marks)


#: words every command prints; an encoding that cannot write them has no simplified Chinese
_CHINESE_PROBE = "入库报告职业学校"


def _has_chinese(encoding: str) -> bool:
    try:
        _CHINESE_PROBE.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _is_ascii(encoding: str) -> bool:
    import codecs
    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _utf8_in_an_ascii_locale() -> None:
    """In the C locale with Python's UTF-8 mode turned off (``LC_ALL=C
    PYTHONUTF8=0``), the arguments arrive undecoded (a school's name as
    surrogates: every lookup fails) and file names can only be used as such.
    Run again in UTF-8 mode (``-X utf8``): the same bytes, read as the UTF-8
    they are.  POSIX only (Windows decodes arguments itself)."""
    import os
    if os.name != "posix" or sys.flags.utf8_mode or not _is_ascii(sys.getfilesystemencoding()):
        return
    args = sys.argv[1:]
    if not any(any("\udc80" <= ch <= "\udcff" for ch in a) for a in args):
        return           # nothing undecoded: nothing to gain
    try:
        os.execv(sys.executable, [sys.executable, "-X", "utf8", "-m", "nianbao", *args])
    except OSError:      # cannot run again: go on as before
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a service manager stopping the job):
    unwinds like Ctrl-C, so a run removes its temporary files, rolls back
    the document being written and exits 143."""


def _on_sigterm(signum, frame):
    raise Terminated()


def main():  # console-script entry point (also ``python -m nianbao``)
    _utf8_in_an_ascii_locale()
    console_safe()
    import signal
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):   # not the main thread, or no SIGTERM here
        pass
    try:
        cli(prog_name="nianbao")
    except Terminated:
        click.echo("已终止 / terminated", err=True)
        sys.exit(143)
    except OSError as e:   # writing what click prints itself (--help, usage) failed: a full disk under `> file`
        _closed_output_or_error(e)
    finally:
        _quick_exit()


def _closed_output_or_error(e: OSError) -> None:
    """Output click wrote outside a command could not be written: a reader
    gone (exit 0, nothing said) or another fault (one line, exit 1)."""
    import errno
    if e.errno == errno.EPIPE:
        _closed_output()
        sys.exit(0)
    try:
        sys.stderr.write(f"Error: 无法写出结果 / cannot write the output: {e.strerror or e}\n")
    except OSError:
        pass
    _closed_output()
    sys.exit(1)


def _quick_exit() -> None:
    """The command is done: move every object to the collector's permanent
    generation, so that the interpreter's shutdown does not walk them again
    (exit 22 → 7 ms after an ingest).  Files and the database were closed by
    the command; only the collection of cycles at exit is skipped."""
    import gc
    gc.freeze()


if __name__ == "__main__":
    # run through the importable module ``pipeline``, so that what worker
    # processes receive (tasks, results) is ``pipeline.Task``, not ``__main__.Task``
    import nianbao.pipeline as _pipeline
    _pipeline.main()
