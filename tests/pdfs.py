"""The real PDFs the tests read, named once: Ofsted reports held in the default corpus (one copy in
the repository, not a second under fixtures) and the fixtures that only tests need (bad files, and
the Oxfordshire 2024 PDF whose text is seed 000)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pdf"
OXFORDSHIRE_2024 = FIXTURES / "50243682.pdf"  # ILACS standard 2024: the PDF of seed 000
HTML_AS_PDF = FIXTURES / "50004178.pdf"  # a 2012 HTML page saved with a .pdf name
DORSET_2025 = ROOT / "corpus" / "dorset-ilacs-2025.pdf"  # ILACS short, March 2025 (Ofsted file 50276411)
BLACKPOOL_2026 = ROOT / "corpus" / "blackpool-ilacs-2026.pdf"  # ILACS standard, June 2026, no overall effectiveness (50308110)
MANCHESTER_2017 = ROOT / "corpus" / "manchester-sif-2017.pdf"  # SIF re-inspection 2017 (50004408)
