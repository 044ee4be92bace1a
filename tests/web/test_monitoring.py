"""Monitoring over HTTP (``/monitoring/...``) and on the web UI (``/ui/monitoring``), on a
real sample: the first 400 rows of SIPRI's cleaned trade register (written to a temporary
file, never into the repository) and the real indicator files, imported, assessed and audited
through the monitoring service into a temporary store.

Roles: the monitor role and staff read; officers and senior reviewers run; applicants get 403.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from fastapi.testclient import TestClient

from openatt.api import create_app
from openatt.core.engine import Engine
from openatt.monitoring import pipeline, service, views
from openatt.register.demo import DEMO_USERS

Browser = Any  # tests/web/conftest.py's, through the new_browser fixture
Register = Any
PASSWORDS = {username: password for username, password, _role, _company in DEMO_USERS}

CLEAN_REGISTER = "transfers/sipri_trade_register_1950_2024/trade_register_1950_2024.csv"
SAMPLE_ROWS = 400
READERS = ("monitor", "officer", "senior", "auditor", "admin")
RUNNERS = ("officer", "senior")


@pytest.fixture(scope="module")
def sample_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A monitoring store with the sample imported, assessed (att, eu) and audited (att)."""
    folder = tmp_path_factory.mktemp("monitoring")
    sample = folder / "sample.csv"
    with (shared_data / CLEAN_REGISTER).open(encoding="utf-8") as source:
        lines = [next(source) for _ in range(SAMPLE_ROWS + 1)]
    sample.write_text("".join(lines), encoding="utf-8")
    db = folder / "store" / "monitoring.duckdb"
    db.parent.mkdir()
    service.import_transfers(sample, db)
    service.import_indicators(shared_data / "indicators", db)
    service.assess(["att", "eu"], db=db)
    service.run_audit(
        views.audit_folder(db) / views.REPORT_NAME,
        by="supplier",
        regime="att",
        db=db,
        counterfactual_sample=20,
        alternatives=3,
    )
    return db


def _copy(store: Path, tmp_path: Path) -> Path:
    """A private copy of the store and its audit (DuckDB shares one instance per file)."""
    target = tmp_path / "store"
    shutil.copytree(store.parent, target)
    return target / store.name


@pytest.fixture
def client(
    register: Register, engine: Engine, sample_store: Path, tmp_path: Path
) -> Iterator[TestClient]:
    app = create_app(register.url, assessor=engine, monitoring_db=_copy(sample_store, tmp_path))
    with TestClient(app) as test_client:
        yield test_client


def _headers(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/auth/token", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _store(client: TestClient) -> Path:
    path: Path = client.app.state.monitoring_db  # type: ignore[attr-defined]
    return path


def _query(client: TestClient, sql: str, params: list[Any] | None = None) -> list[Any]:
    with duckdb.connect(str(_store(client))) as con:
        return con.execute(sql, params or []).fetchall()


def _loc(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return list(response.json()["detail"][0]["loc"])


# ------------------------------------------------------------------------------- REST API


def test_reading_by_role(client: TestClient, shared_data: Path) -> None:
    with (shared_data / CLEAN_REGISTER).open(encoding="utf-8") as handle:
        first = list(csv.reader(handle))[1 : SAMPLE_ROWS + 1]
    stored_att = _query(client, "SELECT count(*) FROM results WHERE regime = 'att'")[0][0]
    for username in (*READERS, "nordarms"):
        headers = _headers(client, username)
        status = client.get("/monitoring/status", headers=headers)
        table = client.get("/monitoring/outcomes", params={"regime": "att"}, headers=headers)
        if username == "nordarms":
            assert status.status_code == table.status_code == 403
            continue
        assert status.status_code == 200, status.text
        body = status.json()
        assert body["imported"]["rows"] == len(first) == SAMPLE_ROWS
        assert body["imported"]["file"] == "sample.csv"  # the name, not the server's path
        assert {t["id"] for t in body["indicators"]} >= {"pts", "cpi"}
        assert body["assessment"]["regimes"] == "att,eu"
        assert {r["regime"] for r in body["results"]} == {"att", "eu"}
        rows = table.json()["rows"]
        assert sum(r["transfers"] for r in rows) == stored_att
        # ranked by the interval's lower bound, then by the share
        order = [(r["share_ci_low"], r["share_prohibited_or_risk"]) for r in rows]
        assert order == sorted(order, reverse=True)
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
        suppliers = {
            name
            for (name,) in _query(
                client,
                "SELECT DISTINCT t.supplier_name FROM "
                "results r JOIN transfers t ON t.id = r.transfer_id",
            )
        }
        assert {r["supplier"] for r in rows} == suppliers


def test_only_staff_run(client: TestClient) -> None:
    for username in ("monitor", "auditor", "admin", "nordarms"):
        headers = _headers(client, username)
        for path in ("/monitoring/assess", "/monitoring/audit"):
            got = client.post(
                path, json={"regimes": ["att"]} if "assess" in path else {}, headers=headers
            )
            assert got.status_code == 403, f"{path} as {username}: {got.status_code}"


def test_filters_by_years_and_criterion(client: TestClient) -> None:
    headers = _headers(client, "monitor")
    params = {"by": "decade", "regime": "eu", "from": 1990, "to": 2009}
    rows = client.get("/monitoring/outcomes", params=params, headers=headers).json()["rows"]
    assert {r["decade"] for r in rows} <= {"1990", "2000"}
    expected = _query(
        client,
        "SELECT count(*) FROM results r JOIN transfers t ON "
        "t.id = r.transfer_id WHERE r.regime = 'eu' AND t.delivery_year "
        "BETWEEN 1990 AND 2009",
    )[0][0]
    assert sum(r["transfers"] for r in rows) == expected > 0
    one = client.get(
        "/monitoring/outcomes", params={"regime": "att", "criterion": "att.6.1"}, headers=headers
    ).json()
    assert one["criterion"] == "att.6.1"
    assert all(r["criterion"] == "att.6.1" for r in one["rows"])


def test_the_table_as_a_chart(client: TestClient) -> None:
    params = {"by": "supplier", "regime": "att", "from": 2000}
    headers = _headers(client, "auditor")
    png = client.get("/monitoring/outcomes/chart.png", params=params, headers=headers)
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    svg = client.get("/monitoring/outcomes/chart.svg", params=params, headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    top = client.get("/monitoring/outcomes", params=params, headers=headers).json()["rows"][0]
    assert top["supplier"] in svg.text  # matplotlib writes tick labels as text
    bad = client.get("/monitoring/outcomes/chart.png", params={"by": "planet"}, headers=headers)
    assert _loc(bad) == ["query", "by"]
    assert client.get("/monitoring/outcomes/chart.gif", headers=headers).status_code == 422
    refused = client.get("/monitoring/outcomes/chart.png", headers=_headers(client, "nordarms"))
    assert refused.status_code == 403


CHART_KINDS = ("outcomes", "over-time", "heatmap")
EU_2_RECENT = {"by": "supplier", "regime": "eu", "criterion": "eu.2", "from": 2014, "to": 2024}


def _outcome_sql(criterion: str | None) -> str:
    if criterion is None:
        return "r.headline"
    return f"coalesce(json_extract_string(r.criterion_outcomes, '$.\"{criterion}\"'), 'not_applicable')"


def _tiv_by_outcome(client: TestClient, params: dict[str, Any]) -> dict[str, float]:
    """Delivered TIV per outcome straight from the store, for the filters."""
    found = _query(
        client,
        f"SELECT {_outcome_sql(params.get('criterion'))}, "
        "sum(coalesce(t.tiv_delivered, 0)) FROM results r JOIN transfers t "
        "ON t.id = r.transfer_id WHERE r.regime = ? AND t.delivery_year BETWEEN ? AND ? "
        "GROUP BY 1",
        [params["regime"], params.get("from", 0), params.get("to", 9999)],
    )
    return {outcome: float(tiv) for outcome, tiv in found if tiv}


def test_over_time_and_heatmap_follow_every_filter(client: TestClient) -> None:
    headers = _headers(client, "monitor")
    for params in ({"regime": "att"}, EU_2_RECENT, {**EU_2_RECENT, "criterion": None}):
        params = {k: v for k, v in params.items() if v is not None}
        expected = _tiv_by_outcome(client, params)
        series = client.get("/monitoring/over-time", params=params, headers=headers).json()
        assert (series["regime"], series["criterion"]) == (
            params["regime"],
            params.get("criterion"),
        )
        assert series["period"] == ("year" if "from" in params else "decade")
        years = {r[series["period"]] for r in series["rows"]}
        assert years and params.get("from", 0) <= min(years) <= max(years) <= params.get("to", 9999)
        got: dict[str, float] = {}
        for row in series["rows"]:
            for outcome in series["outcomes"]:
                got[outcome] = got.get(outcome, 0.0) + row[f"tiv_{outcome}"]
        assert {o: round(v, 6) for o, v in got.items() if v} == {
            o: round(v, 6) for o, v in expected.items()
        }
        tiv = {
            p: sum(r["tiv"] for r in series["rows"] if r["supplier"] == p) for p in series["panels"]
        }
        assert list(tiv.values()) == sorted(tiv.values(), reverse=True) and len(tiv) <= 8
        heat = client.get("/monitoring/heatmap", params=params, headers=headers).json()
        in_years = _query(
            client,
            "SELECT count(*) FROM results r JOIN transfers t ON "
            "t.id = r.transfer_id WHERE r.regime = ? AND t.delivery_year "
            "BETWEEN ? AND ?",
            [params["regime"], params.get("from", 0), params.get("to", 9999)],
        )[0][0]
        assert heat["transfers"] == in_years > 0
        cell = max(heat["cells"], key=lambda c: c["tiv_share_prohibited_or_risk"])
        bad, total = _query(
            client,
            f"SELECT sum(coalesce(t.tiv_delivered, 0)) FILTER (WHERE "
            f"{_outcome_sql(params.get('criterion'))} IN ('prohibited', 'risk')), "
            "sum(coalesce(t.tiv_delivered, 0)) FROM results r JOIN transfers t "
            "ON t.id = r.transfer_id WHERE r.regime = ? AND t.supplier_name = ? "
            "AND t.recipient_name = ? AND t.delivery_year BETWEEN ? AND ?",
            [
                params["regime"],
                cell["supplier"],
                cell["recipient"],
                params.get("from", 0),
                params.get("to", 9999),
            ],
        )[0]
        assert cell["tiv_share_prohibited_or_risk"] == pytest.approx(float(bad or 0) / float(total))
    by_recipient = client.get(
        "/monitoring/over-time", headers=headers, params={**EU_2_RECENT, "by": "recipient"}
    ).json()
    assert by_recipient["panel"] == "recipient" and by_recipient["by"] == "recipient"
    assert set(by_recipient["panels"]) <= {r["recipient"] for r in by_recipient["rows"]}


def test_the_charts_are_drawn_for_the_filters(client: TestClient) -> None:
    headers = _headers(client, "auditor")
    chosen = {
        kind: client.get(f"/monitoring/{kind}/chart.svg", params=EU_2_RECENT, headers=headers)
        for kind in CHART_KINDS
    }
    everything = {
        kind: client.get(f"/monitoring/{kind}/chart.svg", params={"regime": "att"}, headers=headers)
        for kind in CHART_KINDS
    }
    series = client.get("/monitoring/over-time", params=EU_2_RECENT, headers=headers).json()
    heat = client.get("/monitoring/heatmap", params=EU_2_RECENT, headers=headers).json()
    for kind in CHART_KINDS:
        svg = chosen[kind]
        assert svg.status_code == 200, svg.text
        assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
        assert "eu, eu.2, delivered 2014 to 2024" in svg.text  # the title names the selection
        assert "eu.2" not in everything[kind].text and svg.content != everything[kind].content
        png = client.get(f"/monitoring/{kind}/chart.png", params=EU_2_RECENT, headers=headers)
        assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert all(panel in chosen["over-time"].text for panel in series["panels"])
    assert all(s in chosen["heatmap"].text for s in heat["suppliers"])
    # A criterion changes the over-time chart even for the same transfers.
    headline = client.get(
        "/monitoring/over-time/chart.png",
        headers=headers,
        params={**EU_2_RECENT, "criterion": None},
    )
    criterion = client.get("/monitoring/over-time/chart.png", params=EU_2_RECENT, headers=headers)
    assert headline.status_code == 200 and headline.content != criterion.content


def test_no_chart_when_no_transfer_matches(client: TestClient) -> None:
    headers = _headers(client, "monitor")
    last = _query(client, "SELECT max(delivery_year) FROM transfers")[0][0]
    empty = {"regime": "eu", "from": last + 1, "to": last + 5}
    for kind in CHART_KINDS:
        for fmt in ("png", "svg"):
            got = client.get(f"/monitoring/{kind}/chart.{fmt}", params=empty, headers=headers)
            assert got.status_code == 404, (kind, got.text)
            assert got.json()["detail"] == (
                f"no transfers match these filters (eu, delivered {last + 1} to {last + 5})"
            )
    assert client.get("/monitoring/over-time", params=empty, headers=headers).json()["rows"] == []
    assert client.get("/monitoring/heatmap", params=empty, headers=headers).json()["transfers"] == 0


def test_bad_chart_filters_are_422_with_the_field(client: TestClient) -> None:
    headers = _headers(client, "monitor")
    bad_queries = [
        ({"by": "planet"}, "by", "use one of supplier, recipient, region, decade"),
        ({"regime": "uk"}, "regime", "'uk' was not assessed (assessed: att, eu)"),
        ({"regime": "eu", "criterion": "att.6.1"}, "criterion", "'att.6.1' is not a rule of eu"),
        ({"from": 2020, "to": 2010}, "from", "the first year is after the last"),
        ({"from": 1800}, "from", "Input should be greater than or equal to 1950"),
        (
            {"to": "last"},
            "to",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
    ]
    for kind in CHART_KINDS:
        for params, field, message in bad_queries:
            response = client.get(f"/monitoring/{kind}/chart.png", params=params, headers=headers)
            assert _loc(response) == ["query", field], (kind, params)
            assert response.json()["detail"][0]["msg"] == message
            assert _loc(client.get(f"/monitoring/{kind}", params=params, headers=headers)) == [
                "query",
                field,
            ]
        assert client.get(f"/monitoring/{kind}/chart.gif", headers=headers).status_code == 422
        refused = client.get(f"/monitoring/{kind}/chart.png", headers=_headers(client, "nordarms"))
        assert refused.status_code == 403


def test_bad_input_is_422_with_the_field(client: TestClient) -> None:
    headers = _headers(client, "officer")
    bad_queries = [
        ({"by": "planet"}, "by"),
        ({"regime": "uk"}, "regime"),  # not assessed
        ({"regime": "att", "criterion": "att.99"}, "criterion"),
        ({"from": 2020, "to": 2010}, "from"),
        ({"from": 1800}, "from"),
    ]
    for params, field in bad_queries:
        response = client.get("/monitoring/outcomes", params=params, headers=headers)
        assert _loc(response) == ["query", field], params
    bad_bodies = [
        ("/monitoring/assess", {"regimes": ["xx"]}, "regimes"),
        ("/monitoring/assess", {"regimes": []}, "regimes"),
        ("/monitoring/assess", {"regimes": ["att"], "from": 2020, "to": 2010}, "from"),
        ("/monitoring/assess", {"regimes": ["att"], "colour": "red"}, "colour"),
        ("/monitoring/audit", {"by": "planet"}, "by"),
        ("/monitoring/audit", {"regime": "uk"}, "regime"),  # valid id, not assessed
        ("/monitoring/audit", {"regime": "att", "criterion": "att.99"}, "criterion"),
    ]
    for path, body, field in bad_bodies:
        response = client.post(path, json=body, headers=headers)
        assert field in _loc(response), (path, body)
    kept = {f["name"] for f in client.get("/monitoring/audit/files", headers=headers).json()}
    assert {"report.html", "outcomes_by_supplier.json"} <= kept  # refused audits change nothing
    assert sorted(p.name for p in _store(client).parent.iterdir() if p.is_dir()) == ["audit"]


def test_downloads_of_the_latest_audit(client: TestClient) -> None:
    headers = _headers(client, "monitor")
    files = {f["name"]: f for f in client.get("/monitoring/audit/files", headers=headers).json()}
    assert next(iter(files)) == "report.html"
    report = client.get("/monitoring/audit/files/report.html", headers=headers)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "attachment" in report.headers["content-disposition"]
    for needed in ("Method", "Sources", "Caveats", "Political Terror Scale"):
        assert needed in report.text
    png = client.get("/monitoring/audit/files/supplier_recipient_heatmap.png", headers=headers)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert len(png.content) == files["supplier_recipient_heatmap.png"]["bytes"]
    svg = client.get("/monitoring/audit/files/outcomes_by_supplier_over_time.svg", headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    table = client.get("/monitoring/audit/tables/outcomes_by_supplier", headers=headers)
    written = json.loads(
        (views.audit_folder(_store(client)) / "outcomes_by_supplier.json").read_text("utf-8")
    )
    assert table.json() == written and written
    for missing in ("monitoring.duckdb", "..%2Fmonitoring.duckdb", "nothing.png"):
        got = client.get(f"/monitoring/audit/files/{missing}", headers=headers)
        assert got.status_code == 404, missing
    assert client.get("/monitoring/audit/tables/nothing", headers=headers).status_code == 404


def test_an_officer_runs_an_assessment_and_an_audit(client: TestClient) -> None:
    headers = _headers(client, "officer")
    done = client.post(
        "/monitoring/assess", json={"regimes": ["att"], "from": 2000, "to": 2024}, headers=headers
    )
    assert done.status_code == 200, done.text
    in_years = _query(
        client, "SELECT count(*) FROM transfers WHERE delivery_year BETWEEN 2000 AND 2024"
    )[0][0]
    assert done.json()["transfers"] == in_years > 0
    assert set(done.json()["recommendations"]) == {"att"}
    status = client.get("/monitoring/status", headers=headers).json()
    assert status["assessment"]["regimes"] == "att" and status["assessment"]["year_from"] == 2000
    audited = client.post(
        "/monitoring/audit",
        headers=headers,
        json={
            "by": "recipient",
            "regime": "att",
            "criterion": "att.7.1.a",
            "counterfactual_sample": 10,
            "alternatives": 2,
        },
    )
    assert audited.status_code == 200, audited.text
    names = set(audited.json()["files"])
    assert {"outcomes_by_recipient.json", "side_by_side_att.7.1.a.csv", "audit.xlsx"} <= names
    assert "outcomes_by_supplier.json" not in {  # the previous audit's tables are gone
        f["name"] for f in client.get("/monitoring/audit/files", headers=headers).json()
    }
    rows = client.get("/monitoring/audit/tables/outcomes_by_recipient", headers=headers).json()
    # transfers with an unknown supplier or recipient are assessed for what they allow
    assert (
        sum(r["transfers"] for r in rows)
        == in_years
        - _query(
            client,
            "SELECT count(*) FROM transfers WHERE delivery_year BETWEEN 2000 AND 2024 "
            f"AND NOT {pipeline.ASSESSED}",
        )[0][0]
    )


def test_nothing_imported_is_409_and_creates_nothing(
    register: Register, engine: Engine, tmp_path: Path, new_browser: Any
) -> None:
    empty = tmp_path / "none" / "monitoring.duckdb"
    app = create_app(register.url, assessor=engine, monitoring_db=empty)
    with TestClient(app) as test_client:
        headers = _headers(test_client, "officer")
        status = test_client.get("/monitoring/status", headers=headers)
        assert status.status_code == 200 and status.json()["imported"] is None
        assert test_client.get("/monitoring/outcomes", headers=headers).status_code == 409
        ran = test_client.post("/monitoring/assess", json={"regimes": ["att"]}, headers=headers)
        assert ran.status_code == 409 and "import" in ran.json()["detail"]
        assert test_client.get("/ui/login").status_code == 200
        web = new_browser(test_client)
        assert web.login("monitor").status_code == 303
        page = web.get("/ui/monitoring")
        assert page.status_code == 200 and "No transfers have been imported yet" in page.text
    assert not empty.parent.exists()


# ------------------------------------------------------------------------------- web UI


def _cells(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<th scope=\"row\">(.*?)</th>", body, re.S)
    ]


def test_the_monitor_sees_the_ranked_table_and_the_charts(
    client: TestClient, new_browser: Any
) -> None:
    web = new_browser(client)
    assert web.login("monitor").status_code == 303
    home = web.get("/ui/")
    assert home.headers["location"] == "/ui/monitoring"
    page = web.get("/ui/monitoring?regime=att&by=supplier")
    assert page.status_code == 200, page.text
    text = page.text
    assert text.count("<h1") == 1 and text.count("<main") == 1
    assert 'href="/ui/monitoring" aria-current="page">Monitoring' in text
    assert "Work queue" not in text and "/ui/applications" not in text
    assert text.count('<form method="post"') == 1  # logging out: the page itself changes nothing
    expected = views.outcomes(by="supplier", regime="att", db=_store(client))["rows"]
    shown = [re.sub(r"\s*\(small sample\)$", "", name) for name in _cells(text)]
    assert shown == [r["supplier"] for r in expected][: len(shown)] and shown
    assert '<label for="regime">Regime</label>' in text
    # The latest audit's files are downloads, labelled as that run's, not the page's charts.
    downloads = text.split('id="audit-heading"', 1)[1]
    assert "they do not follow the filters above" in downloads
    for chart in views.charts(_store(client)):
        assert f'href="/ui/monitoring/files/{chart}" download' in downloads
        assert f'src="/ui/monitoring/files/{chart}"' not in text
        image = web.get(f"/ui/monitoring/files/{chart}")
        assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
    assert _chart_sources(text) == {
        kind: {"by": ["supplier"], "regime": ["att"]} for kind in CHART_KINDS
    }
    filtered = web.get("/ui/monitoring?regime=eu&by=recipient&from=2010&to=2024&criterion=eu.2")
    assert filtered.status_code == 200
    wanted = {
        "by": ["recipient"],
        "regime": ["eu"],
        "criterion": ["eu.2"],
        "from": ["2010"],
        "to": ["2024"],
    }
    assert _chart_sources(filtered.text) == {kind: wanted for kind in CHART_KINDS}
    for kind in CHART_KINDS:
        query = "by=recipient&regime=eu&criterion=eu.2&from=2010&to=2024"
        for fmt in ("png", "svg"):
            image = web.get(f"/ui/monitoring/charts/{kind}.{fmt}?{query}")
            assert (
                image.status_code == 200
                and image.headers["content-type"] == (views.MEDIA_TYPES[f".{fmt}"])
            )
        assert "eu, eu.2, delivered 2010 to 2024" in image.text
    expected = views.outcomes(
        by="recipient",
        regime="eu",
        criterion="eu.2",
        year_from=2010,
        year_to=2024,
        db=_store(client),
    )["rows"]
    shown = [re.sub(r"\s*\(small sample\)$", "", n) for n in _cells(filtered.text)]
    assert shown == [r["recipient"] for r in expected][: len(shown)] and shown
    last = _query(client, "SELECT max(delivery_year) FROM transfers")[0][0]
    empty = web.get(f"/ui/monitoring?regime=eu&from={last + 1}")
    assert empty.status_code == 200 and _chart_sources(empty.text) == {}
    assert f"No transfers match these filters (eu, delivered from {last + 1})" in empty.text
    assert "No transfers match these filters: there is nothing to chart." in empty.text
    gone = web.get(f"/ui/monitoring/charts/heatmap.png?regime=eu&from={last + 1}")
    assert gone.status_code == 404 and "no transfers match these filters" in gone.text
    bad = web.get("/ui/monitoring/charts/heatmap.png?regime=eu&criterion=att.6.1")
    assert bad.status_code == 422 and "criterion: &#39;att.6.1&#39; is not a rule of eu" in bad.text


def _chart_sources(html: str) -> dict[str, dict[str, list[str]]]:
    """The page's filter charts: kind -> the query of its image's URL."""
    found = re.findall(r'<img src="/ui/monitoring/charts/([a-z-]+)\.png\?([^"]*)"', html)
    return {kind: parse_qs(query.replace("&amp;", "&")) for kind, query in found}


def test_bad_filters_are_shown_next_to_their_field(client: TestClient, new_browser: Any) -> None:
    web = new_browser(client)
    web.login("monitor")
    page = web.get("/ui/monitoring?regime=att&from=19x&criterion=att.99")
    assert page.status_code == 422
    assert 'id="from-error"' in page.text and 'aria-invalid="true"' in page.text
    page = web.get("/ui/monitoring?regime=att&criterion=att.99")
    assert page.status_code == 422 and 'id="criterion-error"' in page.text


def test_an_applicant_is_refused_and_staff_see_the_link(
    client: TestClient, new_browser: Any
) -> None:
    web = new_browser(client)
    web.login("nordarms")
    assert web.get("/ui/monitoring").status_code == 403
    assert web.get("/ui/monitoring/files/report.html").status_code == 403
    assert "/ui/monitoring" not in web.get("/ui/applications").text
    staff = new_browser(TestClient(client.app))
    staff.login("officer")
    queue = staff.get("/ui/applications").text
    assert 'href="/ui/monitoring"' in queue and "Work queue" in queue
    report = staff.get("/ui/monitoring/files/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]


def test_a_store_locked_by_another_process_is_409(client: TestClient, new_browser: Any) -> None:
    """An 'openatt monitor' run in another process holds DuckDB's lock: readers and runs say
    so (409) instead of failing with a server error."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(60)",
            str(_store(client)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        headers = _headers(client, "officer")
        for method, path in (
            ("GET", "/monitoring/status"),
            ("GET", "/monitoring/outcomes"),
            ("POST", "/monitoring/assess"),
        ):
            got = client.request(
                method,
                path,
                headers=headers,
                json={"regimes": ["att"]} if method == "POST" else None,
            )
            assert got.status_code == 409 and "another process" in got.text, (path, got.text)
        web = new_browser(client)
        web.login("monitor")
        page = web.get("/ui/monitoring")
        assert page.status_code == 409 and "another process" in page.text
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------------------- browser


@pytest.fixture
def server(
    register: Register, engine: Engine, sample_store: Path, tmp_path: Path, serve: Any
) -> Any:
    """conftest's uvicorn server, with a copy of the sample monitoring store."""
    app = create_app(register.url, assessor=engine, monitoring_db=_copy(sample_store, tmp_path))
    return serve(app, register)


LOADED = """() => [...document.querySelectorAll('img[data-chart]')].map(
    i => i.complete ? [i.dataset.chart, i.getAttribute('src'), i.naturalWidth] : null)"""


def _charts_on(page: Any) -> dict[str, tuple[dict[str, list[str]], int]]:
    """Each filter chart on the page once loaded: the query of its URL and its natural width."""
    page.wait_for_function(f"({LOADED})().every(x => x !== null)")
    return {
        kind: (parse_qs(urlparse(src).query), width) for kind, src, width in page.evaluate(LOADED)
    }


@pytest.mark.browser
def test_the_charts_follow_the_filters_in_a_browser(pages: Any) -> None:
    page = pages.as_user("monitor", home="**/ui/monitoring")
    first = _charts_on(page)
    assert set(first) == set(CHART_KINDS)
    assert all(width > 0 and query["regime"] == ["att"] for query, width in first.values())

    # The criteria offered are the chosen regime's: choose the regime, show, then the rest.
    page.get_by_label("Regime").select_option("eu")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/ui/monitoring?*regime=eu*")
    page.get_by_label("Criterion").select_option("eu.2")
    page.get_by_label("Compare by").select_option("recipient")
    page.get_by_label("Delivered from").fill("2014")
    page.get_by_label("Delivered to").fill("2024")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/ui/monitoring?*criterion=eu.2*")
    wanted = {
        "by": ["recipient"],
        "regime": ["eu"],
        "criterion": ["eu.2"],
        "from": ["2014"],
        "to": ["2024"],
    }
    charts = _charts_on(page)
    assert {kind: query for kind, (query, _w) in charts.items()} == {
        kind: wanted for kind in CHART_KINDS
    }
    assert all(width > 0 for _query, width in charts.values()), charts
    assert "under eu, eu.2" in page.locator("#table-heading").inner_text()

    # Nothing delivered in those years: a message, not a broken image.
    page.get_by_label("Delivered from").fill("2090")
    page.get_by_label("Delivered to").fill("2100")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/ui/monitoring?*from=2090*")
    assert page.locator("img[data-chart]").count() == 0
    assert "No transfers match these filters" in page.locator("#charts-heading + p").inner_text()
