"""nianbao's declarative rules: YAML files a domain expert can read and extend.

This package holds data only; the code that reads it lives in ``ingest`` and
``extractors``.
"""
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
