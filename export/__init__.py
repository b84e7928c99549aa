"""Writing the database's content out for people: the Excel workbook of
``nianbao compare --xlsx`` (:mod:`nianbao.export.xlsx`)."""
