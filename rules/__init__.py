"""nianbao's declarative rules: YAML files a domain expert can read and extend.

The files are data; :mod:`nianbao.rules.loader` is the one loader that reads
and checks them (mistakes reported with file and line) and the digest of all
of them that makes the rules version.  The code that applies them lives in
``ingest``, ``extractors`` and ``review``.
"""
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
