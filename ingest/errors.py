"""Clear, specific errors for files nianbao cannot read.

Every error carries a short machine code (stored in ``documents.error`` as
``code: message``) and a message in Chinese and English, so a bureau user
knows what is wrong with the file without reading a traceback.
"""
from __future__ import annotations


class IngestError(Exception):
    """A file could not be parsed; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def empty(path) -> IngestError:
    return IngestError("empty", "文件为空 / the file is empty (0 bytes)")


def unsupported(path, what: str) -> IngestError:
    return IngestError("unsupported",
                       f"不支持的文件类型（{what}）/ unsupported file type ({what}); "
                       "nianbao reads .docx, .pdf and .txt")


def mismatch(ext: str, actual: str) -> IngestError:
    return IngestError("wrong_extension",
                       f"扩展名为 {ext} 但内容是 {actual} / named {ext} but the content is {actual}")


def truncated(kind: str, detail: str = "") -> IngestError:
    extra = f" ({detail})" if detail else ""
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
