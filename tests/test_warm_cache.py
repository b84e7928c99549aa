"""The warm cache (ingest/warm_cache.py): a stored value is used only when it
is whole and made for the same inputs; a stale, truncated or corrupt file is
rebuilt; jieba read from the cache segments exactly as jieba built afresh."""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.ingest import warm_cache

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(warm_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _builder(value):
    calls = []

    def build():
        calls.append(1)
        return value
    return build, calls


def test_built_once_then_read(cache):
    value = {"生师比": 50000, "x": [1, 2.5, None]}
    build, calls = _builder(value)
    assert warm_cache.cached("t", "k1", build) == value
    assert warm_cache.EVENTS["t"] == "built" and (cache / "t.bin").exists()
    assert warm_cache.cached("t", "k1", build) == value
    assert warm_cache.EVENTS["t"] == "hit" and len(calls) == 1


def test_another_key_is_rebuilt(cache):
    warm_cache.cached("t", "old rules", lambda: {"a": 1})
    assert warm_cache.cached("t", "new rules", lambda: {"a": 2}) == {"a": 2}
    assert warm_cache.EVENTS["t"] == "built"
    assert warm_cache.cached("t", "new rules", lambda: {"a": 3}) == {"a": 2}   # and stored for the new key


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "not ours"])
def test_damaged_file_is_ignored_and_replaced(cache, damage):
    warm_cache.cached("t", "k", lambda: {"word": 7})
    f = cache / "t.bin"
    data = bytearray(f.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-3] ^= 0xFF
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"\x00" * 64)
    f.write_bytes(bytes(data))
    assert warm_cache.cached("t", "k", lambda: {"word": 8}) == {"word": 8}
    assert warm_cache.EVENTS["t"] == "built"
    assert warm_cache.cached("t", "k", lambda: {"word": 9}) == {"word": 8}   # whole again


def test_unwritable_or_off(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(warm_cache.CACHE_ENV, str(blocker / "cache"))
    assert warm_cache.cached("t", "k", lambda: [1]) == [1]
    monkeypatch.setenv(warm_cache.CACHE_ENV, "off")
    assert warm_cache.cache_dir() is None
    build, calls = _builder([2])
    warm_cache.cached("t", "k", build)
    warm_cache.cached("t", "k", build)
    assert len(calls) == 2


def test_default_folder_is_the_users_cache(monkeypatch):
    import platformdirs
    monkeypatch.delenv(warm_cache.CACHE_ENV, raising=False)
    assert warm_cache.cache_dir() == Path(platformdirs.user_cache_dir("nianbao", appauthor=False))


_PROBE = r"""
import json, sys
import jieba
from nianbao.extractors.segment import term_matcher
from nianbao.extractors.awards import _jieba_words
from nianbao.ingest import warm_cache
m = term_matcher()
text = sys.argv[1]
print(json.dumps({"events": warm_cache.EVENTS, "total": jieba.dt.total, "freq": len(jieba.dt.FREQ),
                  "tokens": m.tokens(text), "hits": [[h.start, h.end, h.key] for h in m.find(text)],
                  "common": len(_jieba_words(100))}, ensure_ascii=False))
"""
_TEXT = "学校现有全日制在校生1500人，专任教师95人，生师比为15.8:1，双师型教师占比达到62%。"


def _probe(cache_env: str) -> dict:
    env = dict(os.environ, **{warm_cache.CACHE_ENV: cache_env})
    out = subprocess.run([sys.executable, "-c", _PROBE, _TEXT], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def _same(a: dict, b: dict) -> None:
    for k in ("total", "freq", "tokens", "hits", "common"):
        assert a[k] == b[k], k


def test_jieba_from_the_cache_segments_as_built(tmp_path):
    """A fresh process without cache, one that builds it, one that reads it,
    and one that finds a stale entry (another key) all give the same jieba
    state and the same tokens and term hits."""
    off = _probe("off")
    folder = tmp_path / "cache"
    built = _probe(str(folder))
    assert built["events"] == {"jieba-domain": "built", "jieba-words-100": "built"}
    hit = _probe(str(folder))
    assert hit["events"] == {"jieba-domain": "hit", "jieba-words-100": "hit"}
    _same(off, built)
    _same(off, hit)
    # a stale entry (written for other rules or another jieba) is rebuilt, not used
    body = marshal.dumps(("another key", ({"学校": 1}, 1, {}, [])))
    (folder / "jieba-domain.bin").write_bytes(b"NBWC1\n" + hashlib.sha256(body).digest() + body)
    stale = _probe(str(folder))
    assert stale["events"]["jieba-domain"] == "built"
    _same(off, stale)
