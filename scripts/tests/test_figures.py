"""The report figures say what they show: named categories, fixed colour
scales, units; the sweep figures agree on arm colours and group the
prevalence by the swept values; repr(run) is short."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex  # noqa: E402

from vcsim_analysis import open_run, report as rp  # noqa: E402
from vcsim_analysis import sweep as sw  # noqa: E402


def test_repr_of_a_run_is_a_few_lines(smoke_run):
    run = open_run(smoke_run)
    text = repr(run)
    assert len(text.splitlines()) <= 4 and len(text) < 600, text
    assert "'smoke'" in text and "30 days in 180 steps" in text and "4 frames" in text
    # 3 units of 26 µm and a 3 µm lamina (81 µm: 9 voxels, the last the
    # external lamina), 1 endothelium, 2 adventitia.
    assert "y 40 × x 12" in text and "/serum" in text
    # The resolved config (kilobytes) is not in it.
    assert run.config_text[:200] not in text


def test_tissue_maps_share_one_scale_per_quantity(smoke_run):
    run = open_run(smoke_run)
    scales = rp.map_scales(run)
    last_mineral = run.field("mineral", -1)
    assert scales["mineral"][0] == 0.0
    assert scales["mineral"][1] >= last_mineral.max() and scales["mineral"][1] >= run.config["mineral"]["calcified_fraction"]
    runx2_max = max(np.nanmax(run.field("runx2", k)) for k in range(len(run.frame_times_h)))
    assert scales["runx2"][0] == 0.0 and scales["runx2"][1] >= runx2_max
    fig = rp.tissue_maps(run, frames=[0, 1, 3])
    axes = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(axes) == 9
    by_column = {}
    for ax in axes:
        by_column.setdefault(ax.get_title().split(",")[0], []).append(ax.images[0])
    assert set(by_column) == {"phenotype", "Runx2 of viable cells", "hydroxyapatite"}
    for name, images in by_column.items():
        assert len({im.get_clim() for im in images}) == 1, f"{name}: one colour scale for every frame"
    # Day 0 has no mineral: its map is the bottom of the scale, not mid-range.
    day0 = by_column["hydroxyapatite"][0]
    assert day0.get_clim()[0] == 0.0 and np.all(day0.get_array() == 0)
    assert day0.norm(0.0) == 0.0
    # Phenotype: a fixed colour per code, and a legend naming every category.
    im = by_column["phenotype"][0]
    for code, color in rp.PHENOTYPE_COLORS.items():
        assert to_hex(im.cmap(im.norm(code))) == color, code
    legend_texts = {t.get_text() for lg in fig.legends for t in lg.get_texts()}
    assert set(rp.PHENOTYPE_LABELS.values()) <= legend_texts
    for ax in axes:
        assert ax.get_xlabel() == "depth from lumen (µm)"
    # Colour bars with labels for the two continuous quantities.
    labels = [ax.get_xlabel() for ax in fig.axes if not ax.get_title() and ax.get_xlabel()]
    assert any("Runx2 (fold of basal" in s for s in labels) and any("mineral volume fraction" in s for s in labels)


def test_solute_panels_have_readable_titles_with_units(smoke_run):
    run = open_run(smoke_run)
    fig = rp.solutes(run)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert "phosphate (mM)" in titles and "pyrophosphate (PPi) (µM)" in titles and "fetuin-A (g/L)" in titles
    assert not any("_" in t for t in titles), titles
    for ax in fig.axes:
        if ax.get_visible():
            assert ax.get_xlabel() == "time (days)" and ax.get_ylabel(), ax.get_title()


def test_region_map_names_the_regions(smoke_run):
    run = open_run(smoke_run)
    fig = rp.region_map(run)
    texts = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
    assert texts == set(run.region_names.values())


def test_wilson_interval_known_values():
    lo, hi = sw.wilson_interval(9, 12)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (46.8, 91.1)
    lo, hi = sw.wilson_interval(0, 1)
    assert lo == 0.0 and hi == pytest.approx(0.7935, abs=1e-4)
    assert all(np.isnan(sw.wilson_interval(0, 0)))


def test_prevalence_is_grouped_by_the_swept_values(pooled_sweep):
    df = sw.open_sweep(pooled_sweep)
    prev = sw.prevalence_by(df)
    # Two eGFR values × two arms, not one pooled "(all)" row per arm.
    assert prev.attrs["by"] == ["patient.kidney.egfr_mL_min"]
    assert list(prev["group"]) == ["egfr_mL_min = 6"] * 2 + ["egfr_mL_min = 12"] * 2
    assert list(prev["arm"]) == ["control", "sevelamer"] * 2
    # The fixture leaves run 3 (eGFR 12, sevelamer) missing: no finished run there.
    assert list(prev["n"]) == [1, 1, 1, 0]
    assert np.isnan(prev["prevalence"].iloc[3])
    # Pooled over the axis, it agrees with vcsim's own /prevalence table.
    pooled = sw.prevalence_by(df, by=[])
    rust = sw.prevalence(pooled_sweep).set_index("arm")
    for _, r in pooled.iterrows():
        assert r["n"] == rust.loc[r["arm"], "n"] and r["n_present"] == rust.loc[r["arm"], "n_present"]
        assert r["ci_low"] == pytest.approx(rust.loc[r["arm"], "ci_low"], abs=1e-9)
        assert r["ci_high"] == pytest.approx(rust.loc[r["arm"], "ci_high"], abs=1e-9)


def _face(collection):
    return to_hex(collection.get_facecolor()[0])


def test_arm_colours_are_the_same_in_every_sweep_figure(pooled_sweep):
    import matplotlib.pyplot as plt

    df = sw.open_sweep(pooled_sweep)
    colors = sw.arm_colors(df)
    assert list(colors) == ["control", "sevelamer"] and len(set(colors.values())) == 2
    _, (a, b, c) = plt.subplots(1, 3)
    sw.plot_arms(df, ax=a, colors=colors)
    sw.plot_outcome_vs_param(df, "patient.kidney.egfr_mL_min", ax=b, colors=colors)
    # The prevalence rows listed in another order than the manifest (as the
    # pooled file's /prevalence is, alphabetically) must not swap the colours.
    prev = sw.prevalence_by(df).iloc[::-1]
    sw.plot_prevalence(prev, ax=c, colors=colors)
    from matplotlib.collections import PathCollection

    arms_dots = [_face(col) for col in a.collections if isinstance(col, PathCollection)]
    assert arms_dots == [colors["control"], colors["sevelamer"]]
    lines = {ln.get_label(): to_hex(ln.get_color()) for ln in b.get_lines()}
    assert lines == {"control (mean)": colors["control"], "sevelamer (mean)": colors["sevelamer"]}
    bars = {cont.get_label(): to_hex(cont.patches[0].get_facecolor()) for cont in c.containers if hasattr(cont, "patches")}
    assert bars == colors
    plt.close("all")


def test_sweep_summary_shows_every_figure(pooled_sweep, tmp_path):
    written = sw.sweep_report(pooled_sweep, tmp_path)
    names = {p.name for p in written}
    assert {"outcome_vs_patient_kidney_egfr_mL_min.png", "arms.png", "prevalence.png", "summary.md", "index.html"} <= names
    summary = (tmp_path / "summary.md").read_text()
    for png in [n for n in names if n.endswith(".png")]:
        assert f"]({png})" in summary, png
    assert "(all)" not in summary
    assert "| 12 | sevelamer | 0 | 0 | – | – |" in summary
