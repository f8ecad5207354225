"""The retrieve stage: passages for a question, and structured data read from the index.

Owns: hybrid retrieval (`retriever`: dense + BM25, fused, with filters), a question's vector
(`question_vector`), the glossary and query expansion (`glossary`) and every report's judgements
as rows (`judgements`).

Does not: analyse a question's intent or compose answers (`qa.answer`).
"""
