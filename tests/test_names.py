"""Organisation names written differently by different databases compare as equal; others don't."""

from __future__ import annotations

import pytest

from hcn_ld.build.linking.names import similarity

SAME = [
    ("UNIVERSIDAD POLITECNICA DE MADRID", "Universidad Politécnica de Madrid"),  # case, accents
    ("OPTIQGAIN LTD", "OptiqGain Limited"),  # legal form spelled out
    ("PROMAN MANAGEMENT GMBH", "Proman Management Gesellschaft mit beschränkter Haftung"),
    ("THE UNIVERSITY OF SHEFFIELD", "Univ. of Sheffield"),  # abbreviation, article
    ("UNIVERSITEIT LEIDEN", "Leiden University"),  # local language, word order
    ("STICHTING DELTARES", "Deltares Foundation"),
    ("ELI LILLY AND COMPANY LTD", "Eli Lilly & Co."),
]
DIFFERENT = [
    ("STICHTING VU", "STICHTING VUMC"),
    ("UNIVERSITY OF LEEDS", "UNIVERSITY OF LEICESTER"),
    ("FUNDACION TECNALIA RESEARCH & INNOVATION", "FUNDACION CARTIF"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_of_one_name_score_at_least_the_threshold(a, b):
    assert similarity(a, b) >= 0.9


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_organisations_stay_below_the_threshold(a, b):
    assert similarity(a, b) < 0.9
