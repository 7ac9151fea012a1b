"""The HTML page of a run or sweep report: title, tables, figures with
captions, optional preformatted sections. The page needs nothing from the
network (no fonts, scripts or styles from elsewhere): figures are the PNGs
beside it or, embedded, data URIs.

A small inline script marks every figure that did not load (for instance
index.html copied without its PNGs) with a visible note, and records on
<body> how many figures loaded (``data-figures-loaded="3/3"``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from pathlib import Path

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 76rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
table.kv th { width: 16rem; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #444; }
.missing { color: #b00; font-weight: bold; }
pre { background: #f7f7f7; padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; max-height: 30rem; }
footer { margin-top: 2rem; font-size: 0.8rem; color: #666; }
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = document.querySelectorAll("figure img");
  var ok = 0;
  imgs.forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { ok += 1; return; }
    var note = document.createElement("p");
    note.className = "missing";
    note.textContent = "figure missing: " + img.getAttribute("data-name");
    img.parentNode.insertBefore(note, img);
  });
  document.body.setAttribute("data-figures-loaded", ok + "/" + imgs.length);
});
"""


def _table(rows, header=None, cls="kv"):
    out = [f'<table class="{cls}">']
    if header:
        out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
        for row in rows:
            out.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
    else:
        for k, v in rows:
            out.append(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _img_src(png: Path, page: Path, embed: bool) -> str:
    if embed:
        return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
    try:
        return png.resolve().relative_to(page.resolve().parent).as_posix()
    except ValueError:
        return png.resolve().as_uri()


def write_html(page, title, tables=(), figures=(), embed=False, extra=(), grid_tables=()):
    """Writes an HTML report to ``page``.

    tables: (heading, [(key, value), ...]) key-value tables;
    grid_tables: (heading, header, rows) tables with a header row;
    figures: (png path, caption), shown in order;
    extra: (heading, text) sections shown preformatted (e.g. the config);
    embed: figures as data URIs instead of files beside the page."""
    page = Path(page)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        f"<script>{_SCRIPT}</script>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, rows in tables[:1]:
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(rows)]
    for heading, header, rows in grid_tables:
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(rows, header=header, cls="grid")]
    if figures:
        parts.append("<h2>Figures</h2>")
    for png, caption in figures:
        png = Path(png)
        name = html.escape(png.name)
        parts += [
            "<figure>",
            f'<img src="{_img_src(png, page, embed)}" alt="{html.escape(caption)}" data-name="{name}">',
            f"<figcaption>{html.escape(caption)} <small>({name})</small></figcaption>",
            "</figure>",
        ]
    for heading, rows in tables[1:]:
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(rows)]
    for heading, text in extra:
        parts += [
            "<details>",
            f"<summary>{html.escape(heading)}</summary>",
            f"<pre>{html.escape(text)}</pre>",
            "</details>",
        ]
    made = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts += [f"<footer>Written by vcsim_analysis on {made}.</footer>", "</body>", "</html>", ""]
    page.write_text("\n".join(parts), encoding="utf-8")
    return page
