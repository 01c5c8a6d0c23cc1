"""The analysis page's charts: drawn once per version and served from the cache with an ETag,
behind the same access checks; answers in questionnaire order; one rounding rule for
percentages in the page, the charts and the PDF report."""

# ruff: noqa: F811  (the `world` fixture is imported from test_analysis)
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from core.extensions import db
from core.models import Board, Role
from rds.models import BlueprintVersion
from rds.survey.services import DEFAULT_QUESTIONS
from tests.factories import login
from tests.rds.test_analysis import RUN, world  # noqa: F401  (the shared-sample study fixture)
from tests.shared import needs_rds_sample

pytestmark = needs_rds_sample
CHARTS = (
    "scatter",
    "domains",
    "reliability",
    "demographics-role",
    "demographics-years_experience",
    "demographics-setting",
    "demographics-region",
)
OPTIONS = {key: options for key, _, options in DEFAULT_QUESTIONS}


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every matplotlib canvas drawn (each chart drawn is one)."""
    drawn: list[int] = []
    original = FigureCanvasAgg.draw

    def counting(self: FigureCanvasAgg) -> None:
        drawn.append(1)
        original(self)

    monkeypatch.setattr(FigureCanvasAgg, "draw", counting)
    return drawn


@pytest.fixture
def cache(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty chart cache of this test's own."""
    folder = tmp_path / "charts"
    monkeypatch.setitem(app.config, "RDS_CHART_CACHE", str(folder))
    return folder


def analysed(client: Any, sid: int) -> None:
    login(client, "psych@a.org")
    assert client.post(f"/studies/{sid}/analysis", data=RUN).status_code == 302


def test_a_repeat_view_draws_nothing_and_revalidates_by_etag(app, client, world, draws, cache):  # type: ignore[no-untyped-def]
    sid = world["study"]
    analysed(client, sid)
    page = client.get(f"/studies/{sid}/analysis/1").get_data(as_text=True)
    first: dict[str, tuple[bytes, str]] = {}
    for name in CHARTS:
        url = f"/studies/{sid}/analysis/1/charts/{name}.png"
        assert url in page
        before = len(draws)
        response = client.get(url)
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
        assert len(draws) == before + 1, name  # drawn on the first view
        etag = response.headers["ETag"].strip('"')
        assert re.fullmatch(r"[0-9a-f]{32}", etag)
        assert response.headers["Cache-Control"] == "private, max-age=86400"
        first[name] = (response.data, etag)
    assert len(list(cache.rglob("*.png"))) == len(CHARTS)
    assert all(p.parent.name == "v1" for p in cache.rglob("*.png"))

    drawn = len(draws)
    for name in CHARTS:
        url = f"/studies/{sid}/analysis/1/charts/{name}.png"
        again = client.get(url)
        assert (again.data, again.headers["ETag"].strip('"')) == first[name]
        unchanged = client.get(url, headers={"If-None-Match": f'"{first[name][1]}"'})
        assert unchanged.status_code == 304 and unchanged.data == b""
        stale = client.get(url, headers={"If-None-Match": '"0123"'})
        assert stale.status_code == 200 and stale.data == first[name][0]
    assert len(draws) == drawn  # the repeat views drew nothing

    # what is cached is what drawing gives: the same bytes without the cache
    app.config["RDS_CHART_CACHE"] = ""
    for name in ("domains", "demographics-region"):
        fresh = client.get(f"/studies/{sid}/analysis/1/charts/{name}.png")
        assert fresh.data == first[name][0]
    assert len(draws) == drawn + 2


def test_a_chart_whose_inputs_change_gets_a_new_key(app, client, world, draws, cache):  # type: ignore[no-untyped-def]
    sid = world["study"]
    analysed(client, sid)
    url = f"/studies/{sid}/analysis/1/charts/demographics-region.png"
    first = client.get(url)
    with app.app_context():
        row = db.session.execute(select(BlueprintVersion).filter_by(study_id=sid)).scalar_one()
        row.result["demographics"]["region"] = {"North": 1, "South": 2}
        flag_modified(row, "result")
        db.session.commit()
    second = client.get(url)
    assert second.headers["ETag"] != first.headers["ETag"] and second.data != first.data
    assert len(draws) == 2
    kept = [p.name for p in cache.rglob("demographics-region-*.png")]
    assert kept == [f"demographics-region-{second.headers['ETag'].strip(chr(34))}.png"]


def test_outsiders_get_no_chart_even_a_cached_one(app, client, world, make_user, cache):  # type: ignore[no-untyped-def]
    make_user("psych@b.org", [(Role.PSYCHOMETRICIAN, world["other"])])
    with app.app_context():
        board = db.session.get(Board, world["board"])
    make_user("trainee@a.org", [(Role.TRAINEE, board)])
    sid = world["study"]
    analysed(client, sid)
    etags = {}
    for name in CHARTS:
        response = client.get(f"/studies/{sid}/analysis/1/charts/{name}.png")
        etags[name] = response.headers["ETag"]
    client.post("/logout")
    for name in CHARTS:
        url = f"/studies/{sid}/analysis/1/charts/{name}.png"
        anonymous = client.get(url, headers={"If-None-Match": etags[name]})
        assert anonymous.status_code == 302 and "/login" in anonymous.location
    for email, status in (("psych@b.org", 404), ("trainee@a.org", 403)):
        login(client, email)
        for name in CHARTS:
            url = f"/studies/{sid}/analysis/1/charts/{name}.png"
            assert client.get(url).status_code == status, (email, name)
            revalidate = client.get(url, headers={"If-None-Match": etags[name]})
            assert revalidate.status_code == status and not revalidate.data.startswith(b"\x89")
        client.post("/logout")
    login(client, "psych@a.org")
    assert client.get(f"/studies/{sid}/analysis/2/charts/scatter.png").status_code == 404


def recorded_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text matplotlib is asked to write on a chart's axes."""
    texts: list[str] = []
    original = Axes.text

    def recording(self: Axes, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        texts.append(str(s))
        return original(self, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", recording)
    return texts


def test_answers_in_questionnaire_order_and_one_rounding_everywhere(  # type: ignore[no-untyped-def]
    app,
    client,
    world,
    cache,
    monkeypatch,
) -> None:
    sid = world["study"]
    analysed(client, sid)
    with app.app_context():  # a tie at one decimal: 23 of 80 is 28.75%, 57 of 80 71.25%
        row = db.session.execute(select(BlueprintVersion).filter_by(study_id=sid)).scalar_one()
        row.result["demographics"]["region"] = {"West": 57, "North": 23}
        flag_modified(row, "result")
        db.session.commit()
        stored = {k: list(v) for k, v in row.result["demographics"].items()}
    # the sample's answers first appear out of the questionnaire's order
    assert stored["years_experience"] != [o for o in OPTIONS["years_experience"]
                                          if o in stored["years_experience"]]  # fmt: skip

    page = client.get(f"/studies/{sid}/analysis/1").get_data(as_text=True)
    texts = recorded_texts(monkeypatch)
    for key in ("role", "years_experience", "setting", "region"):
        block = page.split(f'data-testid="demographics-{key}"')[1].split("<tfoot>")[0]
        levels = re.findall(r'<th scope="row" class="fw-normal">([^<]+)</th>', block)
        levels = [level.replace("&lt;", "<") for level in levels]
        assert levels == [o for o in OPTIONS[key] if o in levels], key
        texts.clear()
        response = client.get(f"/studies/{sid}/analysis/1/charts/demographics-{key}.png")
        assert response.status_code == 200
        bars = [t.split(" (")[0] for t in texts if t.endswith("%)")]
        shares = [re.search(r"\((.+)\)", t).group(1) for t in texts if t.endswith("%)")]  # type: ignore[union-attr]
        cells = re.findall(r'<td class="text-end">([\d.]+%)</td>', block)
        assert shares == cells, key  # the chart's labels are the table's figures, in its order
        counts = re.findall(r'<td class="text-end">(\d+)</td>', block)
        assert bars == counts, key

    region = page.split('data-testid="demographics-region"')[1].split("<tfoot>")[0]
    assert re.findall(r'<td class="text-end">([\d.]+%)</td>', region) == ["28.8%", "71.3%"]
    assert "North" in region.split("West")[0]  # questionnaire order, not by count

    pdf = client.get(f"/studies/{sid}/analysis/1/report.pdf")
    words = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    assert "North 23 (28.8%), West 57 (71.3%)" in words  # the report's chart caption
    assert "North 23 28.8%" in words and "West 57 71.3%" in words  # and its table


def test_a_run_draws_its_charts_before_the_page_asks(app, client, world, draws, cache, monkeypatch):  # type: ignore[no-untyped-def]
    from rds.analysis import exports

    threads = []
    original = exports.draw_in_background

    def keeping(charts, folder):  # type: ignore[no-untyped-def]
        threads.append(original(charts, folder))
        return threads[-1]

    monkeypatch.setattr(exports, "draw_in_background", keeping)
    monkeypatch.setitem(app.config, "RDS_CHART_WARM", True)
    sid = world["study"]
    analysed(client, sid)
    assert len(threads) == 1
    threads[0].join(timeout=60)
    assert len(draws) == len(CHARTS) and len(list(cache.rglob("*.png"))) == len(CHARTS)
    for name in CHARTS:  # the page's first view finds every chart drawn
        response = client.get(f"/studies/{sid}/analysis/1/charts/{name}.png")
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert len(draws) == len(CHARTS)
