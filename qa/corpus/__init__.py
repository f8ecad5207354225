"""The corpus stage: report files, their catalogue, and what each document says of itself.

Owns: the catalogue (`catalogue`: load, validate, hash), reading a file's text (`extract`: PDF
through PDFium, bad input named), the facts a report states about itself (`facts`: council,
framework, dates, lead inspector, grades), the register of English councils (`places`), and adding
or removing files (`add`), which writes catalogue entries.

Does not: cut reports into passages (`qa.chunk`) or index them (`qa.index`).
"""
