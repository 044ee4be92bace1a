"""Audit outputs: tables as CSV, JSON and XLSX, charts as PNG and SVG, and an HTML report that
states the method, the sources and the caveats."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
from markupsafe import Markup
from matplotlib.figure import Figure
from openpyxl import Workbook

from openatt.text_cells import csv_record, text_only

Table = list[dict[str, Any]]

CAVEATS = (
    "SIPRI records deliveries of major conventional arms, not orders or licences: a delivery "
    "may follow a licence granted years earlier, under other facts.",
    "SIPRI's trend-indicator value (TIV) measures military capability transferred, not price; "
    "shares of TIV are comparable with each other, not with money.",
    "SIPRI covers major arms and very few small arms and light weapons (ATT category VIII), "
    "ammunition or parts: the audit says nothing about them.",
    "A transfer is dated 1 July of its delivery year; the classic register spreads a deal's TIV "
    "evenly over its delivery years. A delivery in a year in which an embargo began or ended "
    "may have fallen outside it: check the dates before drawing conclusions.",
    "SIPRI records production under licence as deliveries from the licensor (e.g. missiles "
    "'ordered by Yugoslavia from the Soviet Union' and produced in Serbia): such rows are not "
    "necessarily cross-border transfers.",
    "Indicators lag: each finding uses the latest indicator year before the delivery year, "
    "which describes conditions then, not on the delivery date. Country indicators describe "
    "the recipient state as a whole, not the end user or the items.",
    "Criteria the indicators do not speak to (e.g. terrorism, organised crime, gender-based "
    "violence) stay 'unknown': a person must assess them.",
    "The law applied is the regime's as written today, applied to each delivery as of its date; "
    "where the regime did not bind the supplier then, the assessment is advisory.",
    "Mapping SIPRI names and weapon descriptions to states and ATT categories involves judgement; "
    "the mapping files give each reason.",
)


def write_table(folder: Path, name: str, rows: Table) -> list[Path]:
    """``name``.csv and ``name``.json."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / f"{name}.csv", folder / f"{name}.json"
    columns = list(rows[0]) if rows else []
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(csv_record(row) for row in rows)
    json_path.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    return [csv_path, json_path]


def write_workbook(path: Path, tables: Mapping[str, Table]) -> Path:
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for name, rows in tables.items():
        sheet = book.create_sheet(name[:31])
        columns = list(rows[0]) if rows else ["(empty)"]
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])
    text_only(book)
    book.save(path)
    return path


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool, dt.date)):
        return value
    return str(value)


def chart_outcomes_over_time(
    folder: Path,
    rows: Table,
    suppliers: Sequence[str],
    outcomes: Sequence[str],
    criterion: str | None = None,
) -> list[Path]:
    """Small multiples: per supplier, TIV share of each outcome (of ``criterion``, if given)
    by decade."""
    title = "Share of delivered TIV by outcome, per supplier and decade"
    if criterion:
        title = f"Share of delivered TIV by outcome of {criterion}, per supplier and decade"
    fig = figure_outcomes_over_time(rows, suppliers, outcomes, title=title)
    return _save(fig, folder, "outcomes_by_supplier_over_time")


def figure_outcomes_over_time(
    rows: Table,
    panels: Sequence[str],
    outcomes: Sequence[str],
    *,
    key: str = "supplier",
    period: str = "decade",
    title: str = "Share of delivered TIV by outcome, per supplier and decade",
) -> Figure:
    """Small multiples: one panel per value of ``key`` in ``panels``, with the share of its
    delivered TIV under each outcome per ``period`` (stacked bars). ``rows`` are those of
    :func:`openatt.monitoring.audit.outcomes_over_time`."""
    count = max(1, len(panels))
    cols = min(4, count)
    nrows = math_ceil(count / cols)
    # A Figure without pyplot: the API draws charts in worker threads, and pyplot's state is
    # global.
    fig = Figure(figsize=(4 * cols, 2.8 * nrows + 0.6))
    axes = fig.subplots(nrows, cols, squeeze=False)
    for index, panel in enumerate(panels):
        ax = axes[index // cols][index % cols]
        mine = sorted((r for r in rows if r[key] == panel), key=lambda r: r[period])
        periods = [str(r[period]) for r in mine]
        bottom = [0.0] * len(mine)
        for outcome in outcomes:
            shares = [
                (float(r[f"tiv_{outcome}"]) / float(r["tiv"])) if r["tiv"] else 0.0 for r in mine
            ]
            ax.bar(
                periods, shares, bottom=bottom, color=OUTCOME_COLOURS.get(outcome), label=outcome
            )
            bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
        ax.set_title(panel, fontsize=9)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
        if len(periods) > 8:  # eleven years do not fit side by side
            ax.tick_params(axis="x", labelrotation=90)
    for index in range(count, nrows * cols):
        axes[index // cols][index % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(outcomes), fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    return fig


OUTCOME_COLOURS = {
    "prohibited": "#7f0000",
    "risk": "#d7301f",
    "requires_authorisation": "#fc8d59",
    "unknown": "#bdbdbd",
    "concern": "#fdd49e",
    "clear": "#74c476",
    "not_applicable": "#deebf7",
}


def chart_outcome_shares(
    rows: Table, by: str, outcomes: Sequence[str], fmt: str, *, title: str, top: int = 20
) -> bytes:
    """One audit table as a chart (PNG or SVG bytes): for its first ``top`` rows, in their
    rank order, the share of transfers under each outcome (stacked horizontal bars)."""
    shown = rows[:top]
    # A Figure without pyplot: the API draws these in worker threads, and pyplot's state is
    # global.
    # Constrained layout makes room for the title above the bars and the legend below (with
    # tight_layout, a legend outside the axes covered the title).
    fig = Figure(figsize=(9, max(2.8, 0.32 * len(shown) + 1.9)), layout="constrained")
    ax = fig.subplots()
    labels = [str(r[by]) for r in shown]
    left = [0.0] * len(shown)
    for outcome in outcomes:
        shares = [
            int(r[f"n_{outcome}"]) / int(r["transfers"]) if r["transfers"] else 0.0 for r in shown
        ]
        ax.barh(labels, shares, left=left, color=OUTCOME_COLOURS.get(outcome), label=outcome)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()  # rank 1 at the top
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of transfers")
    ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=9)
    if shown:
        fig.legend(loc="outside lower center", ncol=len(outcomes), fontsize=7)
    return chart_bytes(fig, fmt)


def chart_heatmap(
    folder: Path,
    cells: Mapping[tuple[str, str], float],
    suppliers: Sequence[str],
    recipients: Sequence[str],
    criterion: str | None = None,
) -> list[Path]:
    """Supplier x recipient: share of delivered TIV that is prohibited or at risk (under
    ``criterion``, if given)."""
    under = f" under {criterion}" if criterion else ""
    title = f"Supplier x recipient: share of TIV prohibited or at risk{under} (grey: no deliveries)"
    figure = figure_heatmap(cells, suppliers, recipients, title=title)
    return _save(figure, folder, "supplier_recipient_heatmap")


def figure_heatmap(
    cells: Mapping[tuple[str, str], float],
    suppliers: Sequence[str],
    recipients: Sequence[str],
    *,
    title: str = "Supplier x recipient: share of TIV prohibited or at risk (grey: no deliveries)",
) -> Figure:
    """Supplier (rows) x recipient (columns): share of delivered TIV that is prohibited or at
    risk; grey where the supplier delivered nothing to the recipient (white is a share of 0)."""
    grid = [[cells.get((s, r), float("nan")) for r in recipients] for s in suppliers]
    fig = Figure(figsize=(max(6, 0.45 * len(recipients) + 3), max(4, 0.4 * len(suppliers) + 2)))
    ax = fig.subplots()
    colours = matplotlib.colormaps["Reds"].with_extremes(bad="#d0d0d0")
    image = ax.imshow(grid, cmap=colours, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(recipients)), recipients, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(suppliers)), suppliers, fontsize=7)
    fig.colorbar(image, ax=ax, label="TIV share prohibited or risk")
    fig.suptitle(title, fontsize=9)  # over the whole figure: a narrow grid would clip it
    fig.tight_layout()
    return fig


def math_ceil(value: float) -> int:
    return int(-(-value // 1))


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    for path in paths:
        fig.savefig(path, dpi=110)
    return paths


def chart_bytes(fig: Figure, fmt: str) -> bytes:
    """A figure as PNG or SVG bytes (for charts drawn on request, not written to a folder)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110)
    return buffer.getvalue()


def _html_table(rows: Table, columns: Sequence[str] | None = None, limit: int = 40) -> str:
    if not rows:
        return "<p><em>None.</em></p>"
    columns = list(columns or rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows[:limit]:
        cells = []
        for c in columns:
            value = row.get(c)
            text = (
                f"{value:.3f}"
                if isinstance(value, float)
                else ("" if value is None else str(value))
            )
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    more = (
        f"<p>{len(rows) - limit} more rows in the CSV/XLSX files.</p>" if len(rows) > limit else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


@dataclass(frozen=True)
class Method:
    """What the report's method section (written in ``templates/audit.html``) says of a run."""

    regime: str
    mapping: str  # the evidence mapping's id
    sample: int  # transfers the counterfactual re-assessed
    alternatives: int  # alternative suppliers with the same obligations, per transfer
    contrasts: int = 2  # suppliers with other obligations, per transfer


def html_report(
    path: Path,
    *,
    title: str,
    method: Method,
    sources: Sequence[str],
    sections: Sequence[tuple[str, str, Table, Sequence[str] | None]],
    charts: Sequence[Path],
    facts: Mapping[str, Any],
) -> Path:
    """Write the report from ``templates/audit.html``; ``sections`` are (heading,
    introduction, rows, columns)."""
    source = resources.files("openatt.monitoring").joinpath("templates", "audit.html")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(source.read_text("utf-8"))
    text = template.render(
        title=title,
        regime=method.regime,
        mapping=method.mapping,
        sample=method.sample,
        alternatives=method.alternatives,
        contrasts=method.contrasts,
        facts={k: str(v) for k, v in facts.items()},
        sources=sources,
        caveats=CAVEATS,
        charts=charts,
        sections=sections,
        table=lambda rows, columns: Markup(_html_table(rows, columns)),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
