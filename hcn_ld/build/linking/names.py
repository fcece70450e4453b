"""Organisation names as other databases write them -> one comparable form, and a similarity score.

Case, accents, punctuation, legal-form suffixes (GmbH, Ltd, S.p.A., ...), common abbreviations
(Univ., Inst., Natl.) and the generic words of several EU languages (Universität, Université,
Universidad -> university) are folded away; rapidfuzz compares what is left::

    >>> normalise("Technische Universität München GmbH")
    'technical university munchen'
    >>> normalise("TECHNICAL UNIV. OF MUNCHEN")
    'technical university munchen'
    >>> similarity("Universiteit Leiden", "LEIDEN UNIVERSITY")
    1.0
    >>> similarity("Stichting VU", "STICHTING VUMC") < 0.9
    True
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

#: Generic words in EU languages and their abbreviations -> one English word.
SYNONYMS = {
    "university": (
        "univ universitat universitaet universite universidad universita universiteit "
        "uniwersytet universidade univerza univerzita universitet universitatea yliopisto "
        "universitetet universiteti egyetem"
    ),
    "institute": "inst institut instituto istituto instytut instituut institutet",
    "national": "natl nat nationale national nacional nazionale narodowy nationaal",
    "technical": "tech techn technische technisch tecnica tecnico technologique technique",
    "technology": "technol technologie tecnologia technologia",
    "centre": "ctr center centro zentrum centrum centre",
    "foundation": "fdn fondazione fundacion fundacio stiftung fondation stichting fundacao",
    "research": "res forschung recherche ricerca investigacion investigacao onderzoek",
    "association": "assoc associazione asociacion verein vereniging associacao",
    "polytechnic": "polytech politecnico politecnica polytechnique politechnika",
    "hospital": "hosp ospedale hopital krankenhaus ziekenhuis",
    "medical": "med medizinische medicale medica medico",
    "sciences": "sci science scientific wissenschaften sciences ciencias scienze",
    "company": "co cie compagnie compania compagnia",
    "european": "eur europaische europeenne europea europeo",
    "international": "intl internationale internacional internazionale",
    "department": "dept dep departamento dipartimento",
    "laboratory": "lab labs laboratoire laboratorio laboratorium",
}
#: Legal forms and filler words dropped from names (after case and accent folding).
DROPPED = set(
    (
        "ltd limited gmbh mbh ag sa spa srl sl slu sas sarl bv nv ab oy oyj as aps plc llc "
        "llp inc corp corporation kg kgaa ev ug eg ohg sro zoo doo ad ehf kft zrt bvba vzw "
        "asbl cvba scrl ltda lda sc scarl onlus ggmbh "
        "gesellschaft mit beschrankter haftung aktiengesellschaft societa per azioni "
        "sociedad anonima societe anonyme responsabilita limitata besloten vennootschap "
        "aktiebolag osakeyhtio anonymi etaireia ae epe ike oe ee "
        "of the de di du der des del della van von voor la le les el il and und et y e en "
        "for per fur zur zu da do das dos"
    ).split()
)
_CANONICAL = {variant: word for word, variants in SYNONYMS.items() for variant in variants.split()}
_CANONICAL.update({word: word for word in SYNONYMS})


def fold(text: str) -> str:
    """Lower case, accents dropped, every run of non-alphanumerics -> one space."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower().replace("&", " and ")).split())


def normalise(name: str) -> str:
    """The comparable form of an organisation name (see the module docstring)."""
    words = []
    for word in fold(name).split():
        word = _CANONICAL.get(word, word)
        if word in DROPPED or len(word) == 1:
            continue
        words.append(word)
    return " ".join(words)


def distinctive(normal: str) -> str:
    """A normal form without its generic words (university, institute, ...): what names it."""
    return " ".join(word for word in normal.split() if word not in SYNONYMS) or normal


def score(a: str, b: str) -> float:
    """Similarity of two *normal forms*, 0-1: the lower of the rapidfuzz token-sort ratios of
    the whole forms and of their distinctive words (so 'Stichting VU' is not 'Stichting VUmc')."""
    whole = fuzz.token_sort_ratio(a, b)
    return min(whole, fuzz.token_sort_ratio(distinctive(a), distinctive(b))) / 100


def similarity(a: str, b: str) -> float:
    """Similarity of two names as written, 0-1 (:func:`score` of their normal forms)."""
    return score(normalise(a), normalise(b))
