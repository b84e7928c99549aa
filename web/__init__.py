"""Browsing the database in a web browser: Datasette, read-only, with Chinese
and English metadata (:mod:`nianbao.web.serve`)."""
