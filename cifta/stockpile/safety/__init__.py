"""Explosive-safety engine for ammunition storehouses: compatibility of groups in one
building, aggregation of hazard divisions, quantity-distances (forward and inverse), the
explosives limit licence and the check of a storehouse against its contents.

Every rule is data with its source (``RuleSet.sources``) and a version (``RuleSet.version``);
a State may tighten the rules, never loosen them. The figures come from NATO AASTP-1 Ed.1
(2006), the manual IATG 01.50 and 02.20 derive from, as research note 02 records them; see
docs/users/safety-engine.md for what is verified and what is not. Pure Python, no Django.
"""

from .aggregation import GREATEST, Aggregate, Triggers, aggregate
from .annex_a import FUNCTIONS
from .check import (
    Finding,
    Licence,
    LicenceEntry,
    Limit,
    Lot,
    Storehouse,
    check,
    contents_aggregate,
    licence,
    required_distances,
)
from .compatibility import CONDITIONAL, FORBIDDEN, PERMITTED, Compatibility
from .divisions import DIVISIONS, GROUPS
from .errors import SafetyError
from .qd import TABLE_TOP_KG, DistanceFunction, round_up
from .report import qd_report
from .ruleset import BASE, BASE_VERSION, RuleSet
from .siting import SITE_KINDS, STOREHOUSE_TYPES, ExposedSite, SitingRule

__all__ = [
    "BASE", "BASE_VERSION", "CONDITIONAL", "DIVISIONS", "FORBIDDEN", "FUNCTIONS", "GREATEST", "GROUPS", "PERMITTED",
    "SITE_KINDS", "STOREHOUSE_TYPES", "TABLE_TOP_KG", "Aggregate", "Compatibility", "DistanceFunction",
    "ExposedSite", "Finding", "Licence", "LicenceEntry", "Limit", "Lot", "RuleSet", "SafetyError", "SitingRule",
    "Storehouse",
    "Triggers", "aggregate", "check", "contents_aggregate", "licence", "qd_report", "required_distances", "round_up",
]
