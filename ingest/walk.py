"""Input folders and file names: what bulk ingest reads, and how it names it.

* :func:`display_name` — a path as shown and stored.  File names that are
  not UTF-8 (what ``unzip`` leaves from a Chinese Windows archive: GBK bytes,
  which Python holds as surrogate escapes) are shown decoded as GB18030
  where that works, and their raw bytes are kept (hex of ``os.fsencode``)
  so nothing is lost: ``document_paths.path_bytes``.
* :func:`walk_inputs` — files and folders named by the user, folders walked
  recursively without following symbolic links that lead outside them
  (unless asked), with every file or folder that cannot be read listed with
  its reason instead of being skipped silently.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: encodings tried, in order, for a file name component that is not UTF-8
NAME_ENCODINGS = ("utf-8", "gb18030")


def _decode_component(raw: bytes) -> str:
    for enc in NAME_ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def display_name(path) -> tuple[str, str | None]:
    """``(text, raw_hex)`` for a file path: ``text`` is how it is shown and
    stored (valid Unicode, each component that is not UTF-8 decoded as
    GB18030, else with ``\\xNN`` escapes); ``raw_hex`` is the hex of the
    path's bytes (``os.fsencode``) when they differ from ``text`` in UTF-8,
    else None."""
    s = os.fspath(path)
    try:
        s.encode("utf-8")
        return s, None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(s)
    text = "/".join(_decode_component(part) for part in raw.split(b"/"))
    return text, raw.hex()


def raw_path(path_bytes_hex: str) -> str:
    """The path (as Python holds it, surrogate escapes and all) of stored raw bytes."""
    return os.fsdecode(bytes.fromhex(path_bytes_hex))


@dataclass
class Inputs:
    """What :func:`walk_inputs` found: ``files`` as (display, real path)
    pairs in a stable order, ``raw`` display → raw bytes (hex) for names that
    are not UTF-8, ``skipped`` (links not followed, folders that cannot be
    read) and ``unsupported`` (files of a format nianbao does not read) as
    (display, reason) pairs."""
    files: list[tuple[str, Path]] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)


def _reason_unreadable(e: OSError) -> str:
    return f"无法读取文件夹 / cannot read the folder ({e.strerror or e})"


DANGLING = "链接指向不存在的文件 / a symbolic link to nothing (dangling)"
OUTSIDE = ("链接指向输入文件夹之外，未跟随（--follow-symlinks 可跟随）/ a symbolic link leading outside the "
           "input folder: not followed (use --follow-symlinks)")
LOOP = "链接形成循环，未跟随 / a symbolic link that loops back to a folder already read: not followed"
MISSING = "路径不存在（拼写有误？）/ no such file or folder (a typo?)"
SELF_LOOP = "链接指向自身（循环），无法读取 / a symbolic link that leads back to itself (a loop): not read"
NOT_A_FILE = ("不是普通文件（管道、设备或套接字），未读取 / not a regular file (a pipe, a device or a socket): "
              "not read")


def _not_readable_as_file(full: str) -> str | None:
    """Why the name ``full`` (a file or a link to one, as the walk met it)
    is not read as a file: a link to nothing or to itself, a pipe (reading
    it would wait for a writer for ever), a device (``/dev/zero`` never
    ends), a socket; None for a regular file (or a folder: walked)."""
    import errno
    import stat
    try:
        mode = os.stat(full).st_mode
    except OSError as e:
        if os.path.islink(full):
            return SELF_LOOP if e.errno == errno.ELOOP else DANGLING
        return None       # it went away, or cannot be read: the reader says so
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else NOT_A_FILE


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _folder_link(full: str, top: str, real_root: str, seen: set, follow: bool) -> str | None:
    """Why a link to a folder is not walked (None: walk it)."""
    target = os.path.realpath(full)
    if not os.path.exists(full):
        return DANGLING
    if follow:
        if target in seen or _inside(os.path.realpath(top), target):
            return LOOP   # a folder already read, or one holding this one
        seen.add(target)
        return None
    # a link to a folder inside the input is not walked either: that folder is read where it stands
    return "" if _inside(target, real_root) else OUTSIDE


def _file_link(full: str, real_root: str, follow: bool) -> str | None:
    """Why a linked file is not read (None: read it)."""
    if not os.path.exists(full):
        return DANGLING
    if not follow and not _inside(os.path.realpath(full), real_root):
        return OUTSIDE
    return None


def _walk_folder(root: Path, wanted, follow: bool, found: list, skipped: list, other: list) -> None:
    real_root = os.path.realpath(root)
    seen = {real_root}

    def onerror(e: OSError) -> None:
        skipped.append((e.filename or str(root), _reason_unreadable(e)))

    for top, dirs, files in os.walk(root, onerror=onerror, followlinks=follow):
        keep = []
        for d in sorted(dirs):
            full = os.path.join(top, d)
            why = _folder_link(full, top, real_root, seen, follow) if os.path.islink(full) else None
            if why is None:
                keep.append(d)
            elif why:
                skipped.append((full, why))
        dirs[:] = keep
        for name in sorted(files):
            if name.startswith(("~$", ".")):
                continue
            full = os.path.join(top, name)
            why = _not_readable_as_file(full)
            if why:
                skipped.append((full, why))
                continue
            if not name.lower().endswith(wanted):
                if os.path.isfile(full):
                    other.append(full)
                continue
            why = _file_link(full, real_root, follow) if os.path.islink(full) else None
            if why:
                skipped.append((full, why))
            else:
                found.append(full)


def walk_inputs(paths, extensions, *, follow_symlinks: bool = False, unsupported=None) -> Inputs:
    """Expand files and folders (recursively) into an :class:`Inputs`.

    Files inside folders are kept when their extension is in ``extensions``
    (names starting ``.`` or ``~$`` are not); files named explicitly are
    always kept (so that a wrong one gets its clear error).  Inside a
    folder, symbolic links are followed only when they stay inside it,
    unless ``follow_symlinks`` (then loops are cut and listed).  Dangling
    links and folders that cannot be read are listed in ``skipped`` with
    their reason; other files in folders in ``unsupported``, with
    ``unsupported(path)`` as the reason (when given; None: not listed).  Each file once, in
    path order within each input."""
    out = Inputs()
    seen: set[str] = set()
    wanted = tuple(e.lower() for e in extensions)
    for p in paths:
        p = Path(os.path.abspath(p))     # one file, one path: not relative to where the command ran
        found: list[str] = []
        skipped: list[tuple[str, str]] = []
        other: list[str] = []
        if p.is_dir():
            _walk_folder(p, wanted, follow_symlinks, found, skipped, other)
            found.sort()
        elif not os.path.lexists(p):
            skipped.append((str(p), MISSING))
        elif _not_readable_as_file(str(p)):
            skipped.append((str(p), _not_readable_as_file(str(p))))
        else:
            found = [str(p)]
        named = [(f, *display_name(f)) for f in found if f not in seen]
        taken = {d for d, _ in out.files} | {text for _, text, raw in named if raw is None}
        for f, text, raw in named:
            seen.add(f)
            shown, n = text, 1
            while raw and shown in taken:   # a decoded name equal to a real one: both are kept
                n += 1
                shown = f"{text}#{n}"
            taken.add(shown)
            if raw:
                out.raw[shown] = raw
            out.files.append((shown, Path(f)))
        out.skipped += [(display_name(s)[0], why) for s, why in skipped]
        if unsupported is not None:
            reasons = [(display_name(f)[0], unsupported(f)) for f in sorted(other)]
            out.unsupported += [(f, why) for f, why in reasons if why]
    return out
