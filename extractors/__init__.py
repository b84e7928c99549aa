"""Extractors: turn the text and tables of a parsed report into metric values.

Modules (import them directly; this package imports nothing on purpose):

- ``extractors.numbers``: the number and unit normalizer every extractor uses
  (``parse_number``, ``find_quantities``, ``normalize``, ``as_stored``).
- ``extractors.errors``: ``RulesError`` for malformed ``rules/*.yaml`` files.
"""
