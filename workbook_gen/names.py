"""How every defined name and layout key is spelt. A tab never assembles one by hand: it asks one of
these functions (tests/test_catalog.py checks that no other module spells one). Names starting with
"_" are layout keys of helper blocks, not defined names."""

from __future__ import annotations

# Longest slug used as is. Every defined name is at most 255 characters long (Excel's limit); the
# longest prefix a segment's names get is about 40, so a longer slug is shortened (metrics.engine.slugify).
SLUG_MAX = 64


def scope_suffix(slug: str | None) -> str:
    """What ends every name of a segment's series and tables: ``__self_serve`` (nothing for the total)."""
    return f"__{slug}" if slug else ""


def cohort_name(grouping: str, table: str, slug: str | None = None) -> str:
    """Defined name of a cohort table: ``cohort_quarter_nrr``, ``cohort_month_mrr__self_serve``."""
    return f"cohort_{grouping}_{table}{scope_suffix(slug)}"


def period_edge_name(grouping: str, edge: str) -> str:
    """Defined name of the first/last month numbers of each period: ``period_quarter_first``."""
    return f"period_{grouping}_{edge}"


def chart_data_name(name: str) -> str:
    """Layout key of the hidden chart-data row of a named row (numbers, #N/A where undefined)."""
    return f"_chart_{name}"


def cohort_index_name(grouping: str, slug: str | None) -> str:
    """Layout key of a cohort tab's block of period labels and client-row ranges."""
    return f"_cohort_index_{grouping}_{slug}"


def cohort_calendar_name(grouping: str, slug: str | None) -> str:
    """Layout key of a cohort tab's block of cohort MRR by calendar month."""
    return f"_cohort_calendar_{grouping}_{slug}"


def cohort_chart_name(what: str, slug: str | None) -> str:
    """Layout key of the chart-data block of a cohort chart."""
    return f"_cohort_chart_{what}_{slug}"


def helper_row_name(what: str, slug: str | None) -> str:
    """Layout key of a hidden helper row of a scope's monthly tab: ``_top10_threshold__self_serve``."""
    return f"_{what}{scope_suffix(slug)}"


def section_notes_name(slug: str | None) -> str:
    """Layout key of the notes under a segment's rows (why some metrics are absent): ``_notes__assisted``."""
    return f"_notes{scope_suffix(slug)}"


def customers_list_name(what: str) -> str:
    """Layout key of a list of the customers page: ``_customers_largest``, ``_customers_month_churn``."""
    return f"_customers_{what}"


def period_row_name(view: str, key: str, slug: str | None = None) -> str:
    """Defined name of a period view's row: ``quarterly_arr``, ``annual_cac``,
    ``quarterly_arr__self_serve``."""
    return f"{view}_{key}{scope_suffix(slug)}"


def setting_name(key: str) -> str:
    """Defined name of a setting's cell on the Settings tab: ``setting_cac_window``."""
    return f"setting_{key}"


def series_name(key: str, slug: str | None = None) -> str:
    """Defined name of a monthly row: ``arr``, ``arr__self_serve``."""
    return f"{key}{scope_suffix(slug)}"


def plan_name(key: str) -> str:
    """Defined name of the plan row of a planned metric, aligned with ``months``: ``plan_arr``."""
    return f"plan_{key}"


def variance_name(key: str) -> str:
    """Defined name of the variance row (actual − plan) of a planned metric: ``variance_arr``."""
    return f"variance_{key}"


def plan_summary_name(key: str) -> str:
    """Layout key of a planned metric's row on the Plan vs actual table."""
    return f"_plan_summary_{key}"
