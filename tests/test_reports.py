"""The report sketch (``documents.fingerprint``): numpy's shingle CRCs are
zlib's, so sketches stored by earlier versions still compare."""
from __future__ import annotations

import json
import random
import zlib

import pytest

from nianbao.ingest import parse
from nianbao.store.reports import SHINGLE, SKETCH, _KEEP, fingerprint, similarity
from nianbao.store.shingles import bottom_k, shingle_crcs, smallest_distinct

from conftest import corpus_reports


def _zlib_sketch(text: str) -> str:
    """The sketch as nianbao 0.1 computed it, one shingle at a time with zlib."""
    s = _KEEP.sub("", text or "")
    hashes = {zlib.crc32(s[i:i + SHINGLE].encode()) for i in range(max(0, len(s) - SHINGLE + 1))}
    return json.dumps(sorted(hashes)[:SKETCH])


@pytest.mark.parametrize("text", ["", "a", "abcd", "abcde", "年报年报年", "x€y𠀀z中文ab", "é" * 9,
                                  "序号1在校生2,315人\n𪚥𠮷 a b c", "重复" * 400])
def test_shingle_crcs_are_zlibs(text):
    for k in (1, 2, SHINGLE):
        want = [zlib.crc32(text[i:i + k].encode()) for i in range(max(0, len(text) - k + 1))]
        assert shingle_crcs(text, k).tolist() == want


def test_shingle_crcs_on_random_text_of_every_utf8_length():
    rng = random.Random(7)
    alphabet = "ab9 ,é߿ࠀ中文報￿𐀀𠀀\U0010fffd"    # 1, 2, 3 and 4 bytes of UTF-8 and the edges between
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        want = [zlib.crc32(text[i:i + SHINGLE].encode()) for i in range(max(0, len(text) - SHINGLE + 1))]
        assert shingle_crcs(text, SHINGLE).tolist() == want


def test_a_lone_surrogate_raises_as_encode_does():
    with pytest.raises(UnicodeEncodeError):
        shingle_crcs("abc\ud800defgh", SHINGLE)


@pytest.mark.parametrize("values", [[], [5], [3, 1, 2, 3, 1], list(range(1000, 0, -1)),
                                    [7] * 900 + list(range(100)), [1, 2] * 600 + list(range(3, 200))])
def test_smallest_distinct(values):
    import numpy as np
    arr = np.array(values, dtype=np.uint32)
    for count in (1, 4, SKETCH):
        assert smallest_distinct(arr, count) == sorted(set(values))[:count]


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_fingerprint_of_corpus_reports_as_before(path):
    text = parse(path).text
    assert fingerprint(text) == _zlib_sketch(text)


def test_copies_in_two_formats_are_alike_and_other_reports_are_not():
    a_pdf, a_docx, b_docx = (parse(next(p for p in corpus_reports() if p.name == n)).text
                             for n in ("A_zhongzhi_2023.pdf", "A_zhongzhi_2023.docx", "B_gaozhi_2023.docx"))
    assert similarity(fingerprint(a_pdf), fingerprint(a_docx)) >= 0.7
    assert similarity(fingerprint(a_docx), fingerprint(b_docx)) < 0.7


def test_a_long_text_is_sketched_in_chunks_as_in_one_piece():
    rng = random.Random(11)
    text = "".join(rng.choice("在校生专任教师就业率abc123") for _ in range(5000))
    whole = bottom_k(text, SHINGLE, SKETCH, chunk=10 ** 6)
    assert bottom_k(text, SHINGLE, SKETCH, chunk=97) == whole == json.loads(_zlib_sketch(text))
    assert bottom_k(text, SHINGLE, 3, chunk=50) == whole[:3]
