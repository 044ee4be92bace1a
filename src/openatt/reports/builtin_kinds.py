"""The three built-in report kinds as rows of the registry: the ATT annual report, the UN
Register return and the national transparency report. Each row names its formats, bases,
options, figures and writers; nothing elsewhere branches on their names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openatt.reports.kinds import Option, OptionValue, ReportKind, ReportRequest, Written

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from openatt.reports.national import NationalFigures
    from openatt.reports.service import TreatyResult

YEARS_NOTE = "years in the series: "
"""How a national report's record notes the span of its chart over years."""

SAME = "same"
_IMPORTS_BASIS = Option(
    name="imports_basis",
    type="choice",
    default=SAME,
    choices=(SAME, "authorised", "actual"),
    help="basis of the imports table (default: the same as the exports table's)",
)
_VALUES = Option(
    name="values", type="bool", default=True, help="report values, or numbers of items only"
)
_YEARS = Option(
    name="years", type="int", default=5, minimum=1, maximum=30, help="years in the chart over time"
)
_CURRENCY = Option(
    name="currency",
    type="text",
    default="",
    pattern=r"(|[A-Z]{3})",
    help="currency of the report's values (default: the register's one currency)",
)
_RATES = Option(
    name="rates",
    type="text",
    default="",
    pattern=r"([A-Za-z]{3}=[0-9.]+)?([,;] ?[A-Za-z]{3}=[0-9.]+)*",
    help="stated conversion rates, e.g. USD=0.92,GBP=1.17 (one unit in the report's currency)",
)


def _treaty_figures(kind: str) -> object:
    def figures(session: Session, request: ReportRequest) -> TreatyResult:
        from openatt.reports import service
        from openatt.reports.figures import Basis

        imports = str(request.option("imports_basis"))
        return service.treaty_result(
            session,
            kind=kind,
            year=request.year,
            basis=Basis(request.basis),
            imports_basis=None if imports == SAME else Basis(imports),
            reporting_state=request.reporting_state,
            as_of=request.as_of,
            values=bool(request.options.get("values", True)),
        )

    return figures


def _treaty_series(request: ReportRequest) -> tuple[str, str]:
    from openatt.reports.figures import Basis, series_basis

    imports = str(request.option("imports_basis"))
    recorded = series_basis(
        Basis(request.basis),
        bool(request.options.get("values", True)),
        None if imports == SAME else Basis(imports),
    )
    return recorded, ""


def _treaty_parse(basis: str, note: str) -> tuple[str, dict[str, OptionValue]]:
    from openatt.reports.figures import parse_series_basis

    exports, values, imports = parse_series_basis(basis)
    chosen = SAME if imports is exports else imports.value
    return exports.value, {"values": values, "imports_basis": chosen}


def _att_writers() -> dict[str, object]:
    from openatt.reports.writers import att

    def xlsx(result: TreatyResult, written: Written) -> bytes:
        return att.to_xlsx(result.figures, result.totals, version=written.version)

    return {
        "xlsx": xlsx,
        "csv": lambda r, w: att.to_csv(r.figures),
        "json": lambda r, w: att.to_json(r.figures),
    }


def _unroca_writers() -> dict[str, object]:
    from openatt.reports.writers import unroca

    return {
        "xlsx": lambda r, w: unroca.to_xlsx(r.figures, version=w.version),
        "json": lambda r, w: unroca.to_json(r.figures),
    }


def parse_rates(text: str) -> dict[str, float]:
    """``USD=0.92,GBP=1.17`` as a mapping; ``ValueError`` names the part that is wrong."""
    rates: dict[str, float] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        code, _, amount = part.partition("=")
        code = code.strip().upper()
        try:
            rate = float(amount)
        except ValueError:
            raise ValueError(f"{part!r} is not CURRENCY=RATE (e.g. USD=0.92)") from None
        if len(code) != 3 or not code.isalpha() or not rate > 0:
            raise ValueError(f"{part!r} is not CURRENCY=RATE with a positive rate")
        rates[code] = rate
    return rates


def _national_figures(session: Session, request: ReportRequest) -> NationalFigures:
    from openatt.reports import service

    return service.national_figures(
        session,
        year=request.year,
        reporting_state=request.reporting_state,
        as_of=request.as_of,
        years=int(request.option("years")),
        currency=str(request.option("currency")) or None,
        rates=parse_rates(str(request.option("rates"))),
    )


def _national_series(request: ReportRequest) -> tuple[str, str]:
    note = f"{YEARS_NOTE}{request.option('years')}"
    if request.option("currency") or request.option("rates"):
        note += f"; currency: {request.option('currency')}; rates: {request.option('rates')}"
    return request.basis, note


def _national_parse(basis: str, note: str) -> tuple[str, dict[str, OptionValue]]:
    options: dict[str, OptionValue] = {"years": 5, "currency": "", "rates": ""}
    for part in note.split("; "):
        if part.startswith(YEARS_NOTE):
            options["years"] = int(part.removeprefix(YEARS_NOTE))
        elif part.startswith("currency: "):
            options["currency"] = part.removeprefix("currency: ")
        elif part.startswith("rates: "):
            options["rates"] = part.removeprefix("rates: ")
    return basis, options


def _national_writers() -> dict[str, object]:
    from openatt.reports.writers import national as writer

    def html(figures: NationalFigures, written: Written) -> bytes:
        return writer.to_html(figures, writer.charts(figures), version=written.version)

    return {
        "html": html,
        "pdf": lambda f, w: writer.to_pdf(html(f, w)),
        "json": lambda f, w: writer.to_json(f),
        "zip": lambda f, w: writer.to_zip(f, version=w.version),
    }


class _Lazy(dict[str, object]):
    """Writers imported on first use (openpyxl, matplotlib, WeasyPrint are heavy)."""

    def __init__(self, formats: tuple[str, ...], load: object) -> None:
        super().__init__()
        self._formats = formats
        self._load = load

    def __missing__(self, key: str) -> object:
        loaded = self._load()  # type: ignore[operator]
        self.update(loaded)
        return loaded[key]

    def __contains__(self, key: object) -> bool:
        return key in self._formats


def kinds() -> tuple[ReportKind, ...]:
    return (
        ReportKind(
            name="att-annual",
            title="ATT annual report",
            formats=("xlsx", "csv", "json"),
            bases=("authorised", "actual"),
            bases_help="authorised (licences issued) or actual (shipments) for the exports table",
            figures=_treaty_figures("att-annual"),  # type: ignore[arg-type]
            writers=_Lazy(("xlsx", "csv", "json"), _att_writers),  # type: ignore[arg-type]
            options=(_IMPORTS_BASIS, _VALUES),
            series=_treaty_series,
            parse=_treaty_parse,
        ),
        ReportKind(
            name="unroca",
            title="UN Register of Conventional Arms return",
            formats=("xlsx", "json"),
            bases=("actual", "authorised"),
            bases_help="actual (shipments) or authorised (licences issued) for the exports table",
            figures=_treaty_figures("unroca"),  # type: ignore[arg-type]
            writers=_Lazy(("xlsx", "json"), _unroca_writers),  # type: ignore[arg-type]
            options=(_IMPORTS_BASIS,),
            series=_treaty_series,
            parse=_treaty_parse,
        ),
        ReportKind(
            name="national",
            title="National transparency report",
            formats=("html", "pdf", "json", "zip"),
            bases=("both",),
            bases_help="both: licences issued and actual exports side by side",
            figures=_national_figures,
            writers=_Lazy(("html", "pdf", "json", "zip"), _national_writers),  # type: ignore[arg-type]
            options=(_YEARS, _CURRENCY, _RATES),
            series=_national_series,
            parse=_national_parse,
            folder_format="zip",
        ),
    )
