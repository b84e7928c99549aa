"""CRC-32 of every shingle of a text, vectorised with numpy.

:func:`nianbao.store.reports.fingerprint` sketches a report by the CRC-32
values of its 5-character shingles: ``zlib.crc32(s[i:i + 5].encode())`` for
every ``i``.  A report of 30,000 characters has as many shingles, and the
Python loop over them (slice, encode, crc32, set) took ≈ 7 ms per report in
every worker.  :func:`shingle_crcs` computes the same values as numpy array
operations over all shingles at once: the standard table-driven CRC-32
(zlib's polynomial), one step per byte position of a shingle (at most
4 × ``k`` steps, since a character is 1–4 bytes of UTF-8).  The values are
exactly zlib's; ``tests/test_reports.py`` checks them against zlib.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _crc_table():
    """The 256-entry CRC-32 table of the reflected polynomial 0xEDB88320 (zlib's)."""
    import numpy as np
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table[i] = c
    return table


def shingle_crcs(s: str, k: int):
    """A numpy ``uint32`` array of ``len(s) - k + 1`` values (empty when ``s``
    is shorter than ``k``): element ``i`` is ``zlib.crc32(s[i:i + k].encode())``.
    Raises ``UnicodeEncodeError`` where ``str.encode`` would (a lone surrogate)."""
    import numpy as np
    n = len(s) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    data = np.frombuffer(s.encode("utf-8"), dtype=np.uint8)
    codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
    index = np.int32 if len(data) < 2 ** 31 else np.int64     # byte offsets: half the memory when they fit
    size = np.ones(len(codes), dtype=index)          # UTF-8 bytes of each character
    size += codes >= 0x80
    size += codes >= 0x800
    size += codes >= 0x10000
    del codes
    offset = np.zeros(len(size) + 1, dtype=index)
    np.cumsum(size, out=offset[1:])
    del size
    start, length = offset[:n], offset[k:] - offset[:n]
    table, last = _crc_table(), len(data) - 1
    crc = np.full(n, 0xFFFFFFFF, dtype=np.uint32)
    shortest = int(length.min())
    for j in range(int(length.max())):
        if j < shortest:        # every shingle has a byte at position j
            crc = table[(crc ^ data[start + j]) & 0xFF] ^ (crc >> 8)
        else:                   # only the shingles longer than j step on
            step = table[(crc ^ data[np.minimum(start + j, last)]) & 0xFF] ^ (crc >> 8)
            np.copyto(crc, step, where=length > j)
    return crc ^ np.uint32(0xFFFFFFFF)


def smallest_distinct(values, count: int) -> list[int]:
    """The ``count`` smallest distinct values of a numpy array, ascending, as
    Python ints (fewer when there are fewer): ``sorted(set(values))[:count]``
    without sorting them all."""
    import numpy as np
    if len(values) == 0:
        return []
    take = min(len(values), 4 * count)
    if take < len(values):       # the ``take`` smallest values hold the smallest distinct ones
        head = np.unique(np.partition(values, take - 1)[:take])
        if len(head) >= count:
            return head[:count].tolist()
    return np.unique(values)[:count].tolist()


#: shingles computed at once by :func:`bottom_k` (bounds the arrays: ≈ 30 MB)
CHUNK = 1 << 20


def bottom_k(s: str, k: int, count: int, chunk: int = CHUNK) -> list[int]:
    """The ``count`` smallest distinct CRC-32 values of the ``k``-character
    shingles of ``s``, ascending (:func:`shingle_crcs`, then
    :func:`smallest_distinct`), computed ``chunk`` shingles at a time so that
    a text of millions of characters needs no more memory than one chunk."""
    n = len(s) - k + 1
    if n <= chunk:
        return smallest_distinct(shingle_crcs(s, k), count)
    best: set[int] = set()
    for a in range(0, n, chunk):
        best.update(smallest_distinct(shingle_crcs(s[a:a + chunk + k - 1], k), count))
        best = set(sorted(best)[:count])
    return sorted(best)

