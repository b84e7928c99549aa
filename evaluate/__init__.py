"""Evaluation: how right nianbao's figures are, measured against gold values.

* in-sample — the project's own corpus and the seed (the rules were written on
  them, so their score is an upper bound);
* real text — ``../shared/realdev`` passages and titles that nobody here wrote.
"""
