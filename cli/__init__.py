"""The terminal side of the ``nianbao`` command: :mod:`nianbao.cli.render`
turns what :class:`nianbao.Database` returns into lines of text (tables
aligned for Chinese, checklists, flags with their sources, progress).  The
click commands themselves are in ``pipeline.py``."""
