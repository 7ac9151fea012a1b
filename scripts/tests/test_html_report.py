"""The HTML reports open offline in a real browser (headless Chromium).

Skipped when no chromium is installed, unless VCSIM_REQUIRE_BROWSER is set
(CI sets it, after `scripts/setup-debian.sh --browser`): then a missing
browser is a failure."""

import os
import re
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("VCSIM_REQUIRE_BROWSER"):
        pytest.fail(f"VCSIM_REQUIRE_BROWSER is set but none of {', '.join(BROWSERS)} is on the PATH "
                    "(scripts/setup-debian.sh --browser installs chromium)")
    pytest.skip("no chromium on the PATH (set VCSIM_REQUIRE_BROWSER=1 to make this a failure)")


def render(browser, page, tmp_path):
    """The DOM of page after load, as headless Chromium sees it. The browser
    gets a proxy that does not exist, so anything fetched from the network
    would fail to load."""
    profile = tmp_path / f"profile-{page.parent.name}"
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000",
        "--dump-dom", page.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def offline(html_text):
    """Every src/href is local: relative, a data URI or a file."""
    refs = re.findall(r'(?:src|href)="([^"]*)"', html_text)
    return [r for r in refs if re.match(r"[a-z]+://", r) and not r.startswith("file://")]


def run_report(args):
    done = subprocess.run([sys.executable, "-m", "vcsim_analysis", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_run_report_renders_offline(browser, smoke_run, tmp_path):
    out = tmp_path / "run"
    run_report(["report", str(smoke_run), "-o", str(out)])
    page = out / "index.html"
    text = page.read_text()
    assert offline(text) == [] and "http" not in text
    n = len(re.findall(r"<img ", text))
    assert n == 5  # time series, tissue maps, regions, solutes, patient
    dom = render(browser, page, tmp_path)
    assert "<title>vcsim run: smoke</title>" in dom
    assert f'data-figures-loaded="{n}/{n}"' in dom
    assert '<p class="missing">' not in dom
    assert "Provenance" in dom and "seconds per stage" in dom and "calcified media and laminae at the end" in dom

    # The check sees a figure that does not load: the page without one PNG.
    (out / "solutes.png").unlink()
    dom = render(browser, page, tmp_path)
    assert f'data-figures-loaded="{n - 1}/{n}"' in dom
    assert '<p class="missing">figure missing: solutes.png</p>' in dom


def test_self_contained_run_report_needs_no_files_beside_it(browser, smoke_run, tmp_path):
    out = tmp_path / "embedded"
    run_report(["report", str(smoke_run), "-o", str(out), "--self-contained"])
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(out / "index.html", alone / "index.html")
    dom = render(browser, alone / "index.html", tmp_path)
    assert 'data-figures-loaded="5/5"' in dom


def test_sweep_report_renders_offline(browser, pooled_sweep, tmp_path):
    out = tmp_path / "sweep"
    run_report(["sweep", str(pooled_sweep), "-o", str(out)])
    page = out / "index.html"
    assert offline(page.read_text()) == []
    dom = render(browser, page, tmp_path)
    assert "<title>vcsim sweep: smoke</title>" in dom
    assert 'data-figures-loaded="3/3"' in dom
    assert "egfr_mL_min" in dom and "Wilson" in dom
