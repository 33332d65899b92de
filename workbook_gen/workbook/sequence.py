"""The printed order of the board pack: the pack's sections, a divider page, the appendix's sections.

Excel and LibreOffice print a workbook's visible sheets in tab order, so the order of the tabs is
the order of the pack. A tab takes its place by declaring the section it belongs to
(``Book.declare(section, sheet, what)``); the writer then creates the sheets section by section in
the order below, the divider between the two parts. A section nobody declares (no cash input, no
plan) takes no page.
"""

from __future__ import annotations

# The pack: what the board reads, in the order it reads it.
PACK = (
    "cover",
    "summary",  # executive summary: commentary, highlights and lowlights
    "dashboard",
    "changes",  # what changed since last month's pack (when one is given)
    "cash",  # cash and runway (when given)
    "plan",  # plan vs actual (when a plan is given)
    "bridge",  # MRR bridge, ARR, quarterly ARR waterfall
    "customers",  # concentration, largest clients and movements
    "retention",
    "unit_economics",
    "periods",  # quarterly and annual tables
    "cohorts",  # quarterly and annual cohorts
    "segment_tabs",  # one page per segment
    "segments",  # segments side by side
)
# The appendix, after the divider: the detail and the workings.
APPENDIX = (
    "clients",  # clients and ARPA month by month
    "monthly_cohorts",
    "segment_cohorts",  # each segment's cohort charts
    "checks",
    "definitions",
    "settings",
)
DIVIDER = "Appendix"
SECTIONS = PACK + APPENDIX


def ordered(declared: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    """(section, sheet, what) in printed order, with the divider (section ``"divider"``) between the
    pack and the appendix. ``declared`` maps a section to its sheets in the order they were declared."""
    unknown = set(declared) - set(SECTIONS)
    if unknown:
        raise ValueError(f"undeclared pack sections: {sorted(unknown)}")
    out = [(s, sheet, what) for s in PACK for sheet, what in declared.get(s, ())]
    out.append(("divider", DIVIDER, "Appendix: the detail behind the pack, and how it is built"))
    out += [(s, sheet, what) for s in APPENDIX for sheet, what in declared.get(s, ())]
    return out


def appendix_sheets(declared: dict[str, list[tuple[str, str]]]) -> list[str]:
    return [sheet for s in APPENDIX for sheet, _ in declared.get(s, ())]
