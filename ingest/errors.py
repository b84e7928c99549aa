"""Clear, specific errors for files nianbao cannot read.

Every error carries a short machine code (stored in ``documents.error`` as
``code: message``) and a message in Chinese and English, so a bureau user
knows what is wrong with the file without reading a traceback.
"""
from __future__ import annotations

import errno
import re
from pathlib import Path

#: errno values of a fault in the machine, not in the file: the next run retries the file
TRANSIENT_ERRNOS = frozenset(getattr(errno, n) for n in (
    "ENOSPC", "EDQUOT", "EFBIG", "EIO", "EAGAIN", "EINTR", "ETIMEDOUT", "ESTALE", "EBUSY", "ENFILE", "EMFILE", "ENOMEM",
    "ENOLCK", "ECONNRESET", "EHOSTDOWN", "ENETDOWN") if hasattr(errno, n))

#: what libxml2 says when a document breaks its safety limits (entity expansion,
#: nesting depth, huge text nodes or attributes)
_XML_LIMIT = re.compile(r"XML_PARSE_HUGE|amplification|entity reference loop|Resource limit exceeded|"
                        r"Excessive depth|Maximum entity|huge input lookup|Detected an entity", re.I)


def one_line(text) -> str:
    """``text`` on one line (line breaks and runs of spaces as one space)."""
    return " ".join(str(text).split())


class IngestError(Exception):
    """A file could not be parsed; ``code`` says why.  ``str()`` is
    ``code: message`` on one line."""

    def __init__(self, code: str, message: str):
        message = one_line(message)
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def is_transient(e: BaseException) -> bool:
    """Whether an OSError is the machine's fault (full disk, I/O error, …),
    so that the file is tried again on the next run."""
    return isinstance(e, OSError) and e.errno in TRANSIENT_ERRNOS


def transient(e: OSError, doing: str) -> IngestError:
    """A full disk or a failing disk while ``doing`` (unpacking, reading …):
    not the file's fault; the next run tries it again (no --retry-failed)."""
    return IngestError("transient", f"临时读写错误，下次运行会自动重试 / a temporary fault of the machine while "
                                    f"{doing} ({e.strerror or e}); the next run tries the file again")


def unsafe_xml(kind: str, detail: str) -> IngestError:
    return IngestError("unsafe_xml", f"{kind} 文件的 XML 超出安全限制（实体展开、嵌套深度或超大节点），已拒绝 / the {kind} "
                                     f"file's XML breaks the safety limits (entity expansion, nesting depth or a "
                                     f"huge node) and was refused ({detail})")


def is_xml_limit(e: BaseException) -> bool:
    """Whether an lxml error is libxml2 refusing a document over its safety limits."""
    return type(e).__name__ in ("XMLSyntaxError", "ParseError", "ParserError") and bool(_XML_LIMIT.search(str(e)))


def read_failure(e: Exception, kind: str, detail: str = "") -> IngestError:
    """The error for an exception met while reading a ``kind`` file: a
    transient fault, an XML safety limit, else ``truncated``.  A
    MemoryError is never one of these: callers let it through."""
    if is_transient(e):
        return transient(e, f"reading the {kind} file")
    if is_xml_limit(e):
        return unsafe_xml(kind, one_line(e))
    return truncated(kind, detail or f"{type(e).__name__}: {one_line(e)}")


def empty(path) -> IngestError:
    return IngestError("empty", "文件为空 / the file is empty (0 bytes)")


def unsupported(path, what: str | None = None) -> IngestError:
    """A file of a format nianbao does not read (``what``: its content, as
    sniffed, when that says more than the name): the reason and what to do
    for its extension (``rules/formats.yaml``, as for a file met in a folder)."""
    from .formats import unsupported_reason
    suffix = Path(str(path)).suffix.lower()
    if suffix in (".txt", ".pdf", ".docx", ".doc", ".wps") and what:
        return IngestError("unsupported", f"内容是 {what}，不能按 {suffix} 读取 / the content is {what}, not "
                                          f"readable as {suffix}")
    reason = unsupported_reason(suffix)
    return IngestError("unsupported", f"{reason}（内容 content: {what}）" if what else reason)


def archive() -> IngestError:
    return IngestError("archive", "这是 ZIP 压缩包，不是一份报告：nianbao ingest 读取其中的报告 / a ZIP archive, not one "
                                  "report: nianbao ingest reads the reports inside it")


def mismatch(ext: str, actual: str) -> IngestError:
    return IngestError("wrong_extension",
                       f"扩展名为 {ext} 但内容是 {actual}，无法作为报告读取 / named {ext} but the content is "
                       f"{actual}: not readable as a report")


def misnamed_warning(ext: str, actual: str) -> str:
    """The warning of a report read as what its content is, not as its name says."""
    return (f"扩展名为 {ext} 但内容是 {actual}：已按内容读取，请改正扩展名 / named {ext} but the content is "
            f"{actual}: read as {actual}; rename the file")


def truncated(kind: str, detail: str = "") -> IngestError:
    extra = f" ({one_line(detail)})" if detail else ""
    return IngestError("truncated",
                       f"{kind} 文件不完整或已损坏 / the {kind} file is truncated or corrupt{extra}")


def encrypted(kind: str) -> IngestError:
    return IngestError("encrypted",
                       f"{kind} 文件已加密，需要密码 / the {kind} file is encrypted (password protected)")


def legacy(kind: str) -> IngestError:
    return IngestError("legacy_format",
                       f"旧版 {kind} 格式，请安装 LibreOffice 以自动转换，或另存为 .docx / "
                       f"legacy {kind} file: install LibreOffice (soffice) to convert it, or save it as .docx")


def undecodable(detail: str) -> IngestError:
    return IngestError("encoding",
                       f"无法识别文本编码 / cannot decode the text file ({detail})")
