"""The report in a real browser (Debian's Chromium, headless): no JavaScript error, every chart draws its marks,
tapping a bar lists its sentences, and a screenshot for a person to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# `NEWSFACTS_REPORT_SCREENSHOT=docs/report.png pytest tests/test_report_browser.py` refreshes the README's picture.
SCREENSHOT_COPY = os.environ.get("NEWSFACTS_REPORT_SCREENSHOT")

# Every plot's glyph renderers and their data, its canvas's coloured pixels, and every table's rows.
DRAWN = """() => {
  const plots = [], tables = [];
  const stack = [...Bokeh.index];
  while (stack.length) {
    const v = stack.pop();
    if (v.canvas_view) {
      const canvas = v.canvas_view.compose().canvas;
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (Math.abs(px[i] - px[i + 1]) + Math.abs(px[i + 1] - px[i + 2]) + Math.abs(px[i] - px[i + 2]) > 90) coloured++;
      }
      const glyphs = [...v.renderer_views.values()].filter((r) => r.glyph).map((r) => r.glyph.data_size);
      plots.push({title: v.model.title.text, coloured, glyphs});
    }
    if (v.model.type === 'DataTable') tables.push({name: v.model.name, rows: v.model.view.filter.indices ?
                                                   v.model.view.filter.indices.length : v.model.source.get_length()});
    if (v.child_views) stack.push(...v.child_views);
  }
  return {plots, tables};
}"""

# The "Money by province" chart and its evidence table; tapping a bar selects it in the bars' data source.
MONEY = """() => {
  for (const root of Bokeh.index) {
    const [plot, table] = root.child_views;
    if (plot && plot.model.title && plot.model.title.text.startsWith('Money by province')) {
      return {bars: [...plot.renderer_views.values()].find((r) => r.glyph).model.data_source, table: table.model};
    }
  }
}"""
TAP = f"""() => {{ const {{bars}} = ({MONEY})(); const top = bars.get_length() - 1;
  bars.selected.indices = [top]; return bars.data.key[top]; }}"""
# Bokeh runs CustomJS callbacks asynchronously: wait until the table shows only the tapped bar's rows.
SHOWN = f"""(picked) => {{ const {{table}} = ({MONEY})(); const keys = table.source.data.key;
  const shown = table.view.filter.indices.map((i) => keys[i]);
  return shown.length > 0 && shown.every((k) => k === picked) ? shown : null; }}"""


def _browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true and /usr/bin/chromium is missing (.ci/run installs Debian's chromium)", pytrace=False)
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_the_report_renders_in_chromium_without_errors_and_every_chart_draws(report_warehouse, tmp_path):
    from warehouse.report import write_report
    from warehouse.store import Warehouse

    page_file = write_report(Warehouse(report_warehouse), tmp_path / "report.html").location
    errors: list[str] = []
    with _browser() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1050, "height": 1400})
        page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: errors.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:"))
                else None)
        page.goto(Path(page_file).as_uri())
        page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && [...Bokeh.index].length > 0",
                               timeout=60_000)
        page.wait_for_function("() => [...Bokeh.index].every((v) => v.is_idle !== false)", timeout=60_000)
        drawn = page.evaluate(DRAWN)
        picked = page.evaluate(TAP)
        shown = page.wait_for_function(SHOWN, arg=picked, timeout=10_000).json_value()
        page.evaluate("() => window.scrollTo(0, 0)")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot))
        page.locator("#map").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "report-map.png"))
        browser.close()
    assert errors == []
    titles = [plot["title"] for plot in drawn["plots"]]
    assert len(titles) >= 10 and any(t.startswith("Places mentioned") for t in titles), titles
    for plot in drawn["plots"]:
        assert plot["glyphs"] and all(n > 0 for n in plot["glyphs"]), plot
        assert plot["coloured"] > 50, plot  # bars or points drawn, not only axes
    assert all(table["rows"] > 0 for table in drawn["tables"]), drawn["tables"]
    assert picked.endswith("|money") and shown and set(shown) == {picked}
    assert shot.stat().st_size > 20_000
    if SCREENSHOT_COPY:
        shutil.copy(shot, SCREENSHOT_COPY)
