"""Organisation linking, measured: precision and recall on a labelled synthetic test set.

The test set is built by code from the real CORDIS sample (``tests/data/cordis``): each
organisation is written again the way other databases write it (other case, accents dropped,
legal-form suffix added, dropped or spelled out, abbreviations, generic words in another EU
language, a leading 'The' dropped, now and then two letters swapped, city in other case).
These variants are SYNTHETIC and labelled with the PIC they stand for. One organisation in
ten is held out of the CORDIS side, so a link for its variant is a false positive. The
variants carry no PIC or VAT, so only name matching is measured.

    .venv/bin/python bench/linking.py [--threshold 0.9] [--seed 5]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hcn_ld.build.importers.common import read_rows  # noqa: E402
from hcn_ld.build.importers.cordis import ORGANISATION_COLUMNS, read_cordis  # noqa: E402
from hcn_ld.build.linking.endpoint import StoreEndpoint  # noqa: E402
from hcn_ld.build.linking.links import Organisation, match_organisations  # noqa: E402
from hcn_ld.build.pipeline import publish_mapped  # noqa: E402
from hcn_ld.build.validation import Report  # noqa: E402
from hcn_ld.config import Settings  # noqa: E402
from hcn_ld.rdf.uris import Minter  # noqa: E402
from hcn_ld.store import open_store  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "cordis" / "h2020-organizations-sample.csv"
BASE = "https://w3id.org/hcn/"

LEGAL_FORMS = {
    "DE": ["GmbH", "Gesellschaft mit beschränkter Haftung", "e.V.", "AG"],
    "FR": ["SA", "SAS", "Société Anonyme"],
    "IT": ["S.p.A.", "S.r.l.", "Società per Azioni"],
    "ES": ["S.L.", "S.A.", "Sociedad Anónima"],
    "UK": ["Ltd", "Limited", "PLC"],
    "NL": ["B.V.", "N.V."],
    "SE": ["AB", "Aktiebolag"],
    "FI": ["Oy", "Oyj"],
}
ABBREVIATIONS = {
    "UNIVERSITY": "Univ.",
    "INSTITUTE": "Inst.",
    "NATIONAL": "Natl.",
    "TECHNOLOGY": "Technol.",
    "CENTRE": "Ctr.",
    "CENTER": "Ctr.",
    "RESEARCH": "Res.",
    "INTERNATIONAL": "Intl.",
    "AND": "&",
}
LOCAL_UNIVERSITY = {
    "DE": "Universität",
    "AT": "Universität",
    "FR": "Université de",
    "ES": "Universidad de",
    "IT": "Università di",
    "NL": "Universiteit",
    "PL": "Uniwersytet",
    "PT": "Universidade de",
}
#: Generic words written in the local language -> English (the reverse of LOCAL_UNIVERSITY).
TO_ENGLISH = {
    "UNIVERSITEIT": "University",
    "UNIVERSIDAD": "University",
    "UNIVERSIDADE": "University",
    "UNIVERSITA": "University",
    "UNIVERSITAET": "University",
    "UNIVERSITAT": "University",
    "UNIVERSITE": "University",
    "INSTITUT": "Institute",
    "INSTITUTO": "Institute",
    "ISTITUTO": "Institute",
    "STICHTING": "Foundation",
    "FUNDACION": "Foundation",
    "STIFTUNG": "Foundation",
}
LOCAL_INSTITUTE = {
    "DE": "Institut für",
    "AT": "Institut für",
    "FR": "Institut de",
    "BE": "Institut de",
    "ES": "Instituto de",
    "PT": "Instituto de",
    "IT": "Istituto di",
    "NL": "Instituut voor",
    "PL": "Instytut",
}
SUFFIXES = re.compile(r"\b(LTD|LIMITED|GMBH|SPA|SRL|SL|SA|BV|NV|AB|OY|AS|AG|PLC)\.?$", re.I)


def strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def variant(name: str, country: str, rng: random.Random) -> tuple[str, list[str]]:
    """A synthetic way another database writes ``name``, and the changes made."""
    changes = []
    out = name
    words = out.upper().split()
    if "UNIVERSITY" in words and country in LOCAL_UNIVERSITY and rng.random() < 0.7:
        rest = [w for w in words if w not in ("UNIVERSITY", "OF", "THE")]
        out = f"{LOCAL_UNIVERSITY[country]} {' '.join(w.title() for w in rest)}"
        changes.append("local-language")
    elif "INSTITUTE" in words and country in LOCAL_INSTITUTE and rng.random() < 0.7:
        rest = [w for w in words if w not in ("INSTITUTE", "OF", "THE", "FOR")]
        out = f"{LOCAL_INSTITUTE[country]} {' '.join(w.title() for w in rest)}"
        changes.append("local-language")
    elif any(w in TO_ENGLISH for w in words) and rng.random() < 0.7:
        generic = [TO_ENGLISH[w] for w in words if w in TO_ENGLISH]
        rest = [w for w in words if w not in TO_ENGLISH and w not in ("DE", "DI", "DEL", "VAN")]
        out = f"{' '.join(rest)} {' '.join(generic)}"
        changes.append("english")
    elif any(w in ABBREVIATIONS for w in words) and rng.random() < 0.7:
        out = " ".join(ABBREVIATIONS.get(w, w) if rng.random() < 0.8 else w for w in words)
        changes.append("abbreviations")
    if SUFFIXES.search(out.strip()) and rng.random() < 0.5:
        out = SUFFIXES.sub("", out.strip()).strip(" ,")
        changes.append("legal-form dropped")
    elif country in LEGAL_FORMS and not SUFFIXES.search(out.strip()) and rng.random() < 0.4:
        out = f"{out}, {rng.choice(LEGAL_FORMS[country])}"
        changes.append("legal-form added")
    if out.upper().startswith("THE ") and rng.random() < 0.5:
        out = out[4:]
        changes.append("'the' dropped")
    if rng.random() < 0.15:
        longest = max(out.split(), key=len)
        if len(longest) > 5:
            i = rng.randrange(1, len(longest) - 2)
            typo = longest[:i] + longest[i + 1] + longest[i] + longest[i + 2 :]
            out = out.replace(longest, typo, 1)
            changes.append("typo (two letters swapped)")
    style = rng.choice(["lower", "title"])
    out = out.lower() if style == "lower" else out.title()
    changes.append(f"case:{style}")
    if strip_accents(out) != out and rng.random() < 0.7:
        out = strip_accents(out)
        changes.append("accents dropped")
    return " ".join(out.split()), changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    organisations: dict[str, dict[str, str]] = {}
    for row in read_rows(SAMPLE, ORGANISATION_COLUMNS):
        organisations.setdefault(row["organisationID"], row)
    pics = sorted(organisations)
    held_out = set(pics[::10])
    with tempfile.TemporaryDirectory() as scratch:
        target_csv = Path(scratch) / "organization.csv"
        with SAMPLE.open(encoding="utf-8", newline="") as src, target_csv.open("w") as dst:
            reader, writer = csv.DictReader(src), None
            for row in reader:
                writer = writer or csv.DictWriter(dst, reader.fieldnames)  # type: ignore[arg-type]
                if writer.fieldnames and dst.tell() == 0:
                    writer.writeheader()
                if row["organisationID"] not in held_out:
                    writer.writerow(row)
        imported = read_cordis(None, target_csv, Minter(BASE))
        settings = Settings(store=str(Path(scratch) / "store"))
        publish_mapped(settings, {"cordis": imported.mapped.graph}, Report(Graph()))
        target = StoreEndpoint(open_store(settings.store))
        sources, truth, changes = [], {}, Counter()
        for index, pic in enumerate(pics):
            row = organisations[pic]
            name, made = variant(row["name"], row["country"], rng)
            changes.update(c for c in made if not c.startswith("case:"))
            changes.update(["other case"])
            city = row["city"] if rng.random() < 0.5 else strip_accents(row["city"]).upper()
            iri = f"urn:synthetic:variant:{index}"
            sources.append(Organisation(iri, name, country=row["country"], city=city))
            truth[iri] = None if pic in held_out else f"{BASE}id/organisation/pic-{pic}"
        matchable = sum(1 for t in truth.values() if t)
        print(f"test set: {len(sources)} synthetic variants of real CORDIS organisations")
        print(f"          ({matchable} in the target, {len(held_out)} held out); changes made:")
        for change, count in sorted(changes.items(), key=lambda item: -item[1]):
            print(f"          {count:5d}  {change}")
        for threshold in sorted({0.8, 0.85, args.threshold, 0.95}):
            started = time.perf_counter()
            links = match_organisations(sources, target, threshold)
            elapsed = time.perf_counter() - started
            correct = sum(1 for link in links if truth[link.subject] == link.object)
            precision = correct / len(links) if links else 1.0
            recall = correct / matchable
            mark = "  <- default" if threshold == args.threshold else ""
            print(
                f"threshold {threshold:.2f}: {len(links):5d} links, {correct:5d} correct, "
                f"precision {precision:.4f}, recall {recall:.4f} ({elapsed:.1f} s){mark}"
            )
            if threshold == args.threshold:
                wrong = [link for link in links if truth[link.subject] != link.object]
                missed = matchable - correct
        for link in wrong:
            print(f"  wrong: {link.subject_label!r} -> {link.object_label!r} ({link.confidence})")
        print(f"  ({missed} matchable variant(s) not linked at the default threshold)")


if __name__ == "__main__":
    main()
