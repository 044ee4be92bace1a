"""The national transparency report: charts (matplotlib, PNG and SVG), one HTML document that
embeds them, a PDF of the same document (WeasyPrint, which needs the Pango system library),
and a zip with all of them and the figures as JSON."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass
from importlib import resources

import jinja2

from openatt.errors import ErrorKind, OpenattError
from openatt.reference.states import state_name
from openatt.reports.national import WITHHELD, NationalFigures

CHARTS = (
    ("exports_by_category", "Exports by Military List category"),
    ("exports_by_region", "Exports by region"),
    ("exports_over_years", "Exports over the years"),
    ("denials_by_criterion", "Denials by criterion invoked"),
)


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    png: bytes
    svg: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _plot(name: str, title: str, figures: NationalFigures) -> Chart:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams["svg.hashsalt"] = "openatt"
    plt.rcParams["font.family"] = "DejaVu Sans"
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    currency = figures.currency
    if name == "denials_by_criterion":
        labels = list(figures.denials_by_criterion)
        counts = list(figures.denials_by_criterion.values())
        if labels:
            ax.barh(labels, counts, color="#a23b3b")
        ax.set_xlabel("denials")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not labels:
            ax.text(0.5, 0.5, "no denials", ha="center", va="center", transform=ax.transAxes)
    else:
        series = {
            "exports_by_category": figures.by_category,
            "exports_by_region": figures.by_region,
            "exports_over_years": figures.over_years,
        }[name]
        labels = sorted(set(series.licensed_value) | set(series.actual_value))
        positions = range(len(labels))
        licensed = [series.licensed_value.get(k, 0.0) / 1e6 for k in labels]
        actual = [series.actual_value.get(k, 0.0) / 1e6 for k in labels]
        ax.bar(
            [p - 0.2 for p in positions], licensed, 0.4, label="licences issued", color="#3b6ea2"
        )
        ax.bar([p + 0.2 for p in positions], actual, 0.4, label="actual exports", color="#e0a030")
        ax.set_xticks(list(positions), labels, rotation=30 if len(labels) > 6 else 0)
        ax.set_ylabel(f"million {currency}")
        ax.legend(frameon=False)
        if not labels:
            ax.text(0.5, 0.5, "no exports", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(f"{title}, {figures.year}" if name != "exports_over_years" else title)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return Chart(name, title, png.getvalue(), svg.getvalue())


def charts(figures: NationalFigures) -> list[Chart]:
    return [_plot(name, title, figures) for name, title in CHARTS]


def _name(code: str) -> str:
    if code == WITHHELD:
        return "withheld (ATT Art. 13(3))"
    try:
        return f"{state_name(code)} ({code})"
    except (KeyError, LookupError, ValueError):
        return code


def _share(n: int, total: int) -> str:
    if not n or not total:
        return ""
    share = 100 * n / total
    return " (<0.1%)" if share < 0.05 else f" ({share:.1f}%)"


def decision_lines(figures: NationalFigures) -> list[tuple[str, str]]:
    """The year's licensing decisions as the UK's strategic export controls statistics lay
    them out: issued, refused and revoked, each with its share of all decisions, and the
    total (see docs/reports.md, "Compared with a published report")."""
    counts = figures.licence_counts
    parts = [(what, counts.get(what, 0)) for what in ("issued", "refused", "revoked")]
    total = sum(n for _, n in parts)
    lines = [(what.capitalize(), f"{n:,}{_share(n, total)}") for what, n in parts]
    lines.append(("Total licensing decisions", f"{total:,}"))
    return lines


def to_html(figures: NationalFigures, drawn: list[Chart], *, version: str | None) -> bytes:
    source = resources.files("openatt.reports").joinpath("templates", "national.html")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(source.read_text("utf-8"))
    state = _name(figures.reporting_state) if figures.reporting_state else "all of the register"
    html = template.render(
        title=f"National report on arms exports, {figures.year}",
        state=state,
        f=figures,
        version=version if version is not None else "-",
        checksum=figures.checksum(),
        charts=drawn,
        money=lambda v: f"{v:,.2f}",
        name=_name,
        decisions=decision_lines(figures),
    )
    return html.encode("utf-8")


class PdfUnavailable(OpenattError, RuntimeError):
    """WeasyPrint or the Pango library it needs is missing."""

    kind = ErrorKind.unavailable


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def to_pdf(html: bytes) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            "PDF needs WeasyPrint (pip install 'openatt[pdf]') and the Pango library "
            f"(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0): {error}"
        ) from error
    pdf: bytes = HTML(string=html.decode("utf-8")).write_pdf()
    return pdf


def to_zip(figures: NationalFigures, *, version: str | None, with_pdf: bool = True) -> bytes:
    """Everything in one archive, with fixed timestamps: figures.json, report.html,
    report.pdf (when WeasyPrint works) and charts/*.png, *.svg."""
    drawn = charts(figures)
    html = to_html(figures, drawn, version=version)
    files: dict[str, bytes] = {
        "figures.json": to_json(figures),
        "report.html": html,
    }
    if with_pdf:
        files["report.pdf"] = to_pdf(html)
    for chart in drawn:
        files[f"charts/{chart.name}.png"] = chart.png
        files[f"charts/{chart.name}.svg"] = chart.svg
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(figures.year, 12, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def to_json(figures: NationalFigures) -> bytes:
    return figures.model_dump_json(indent=2).encode("utf-8")
