"""Country codes as CORDIS and KEEP write them (ISO 3166 alpha-2, plus EU's EL and UK) -> ISO data.

The EU Publications Office country authority table names countries by ISO 3166-1 alpha-3
code; pycountry (ISO 3166 from Debian's iso-codes) supplies the codes and English names::

    >>> lookup("EL").iso3, lookup("UK").iso3, lookup("de").name
    ('GRC', 'GBR', 'Germany')
    >>> lookup("XX") is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

#: The EU's own two-letter codes (interinstitutional style guide) that differ from ISO 3166.
EU_TO_ISO = {"EL": "GR", "UK": "GB"}


@dataclass(frozen=True)
class Country:
    """A country: ISO alpha-2 and alpha-3 codes and its English short name."""

    iso2: str
    iso3: str
    name: str


@cache
def lookup(code: str) -> Country | None:
    """The country of a two-letter code (ISO or EU style), or ``None`` if there is none."""
    code = code.strip().upper()
    found = pycountry.countries.get(alpha_2=EU_TO_ISO.get(code, code)) if len(code) == 2 else None
    if found is None:
        return None
    return Country(found.alpha_2, found.alpha_3, getattr(found, "common_name", found.name))
