"""A Snakemake HTML report as a real browser shows it: headless Chromium (Debian's `chromium`)
loads the page, runs its scripts, and decodes every result image the report embeds."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Appended to a copy of the report: once the page has loaded, it decodes each embedded result
# (Snakemake keeps them in the page's `results` object, as data URIs) the way the page's own
# <img> would, then leaves the sizes and the rendered text in the DOM for --dump-dom.
_PROBE = """<script>
window.addEventListener("load", async () => {
  const images = {};
  for (const [path, result] of Object.entries(results)) {
    if (!result.mime_type.startsWith("image/")) continue;
    images[path] = await new Promise((done) => {
      const img = new Image();
      img.onload = () => done([img.naturalWidth, img.naturalHeight]);
      img.onerror = () => done(null);
      img.src = result.data_uri;
    });
  }
  const out = document.createElement("pre");
  out.id = "zkprof-check";
  out.textContent = JSON.stringify({images, text: document.body.innerText});
  document.body.appendChild(out);
});
</script>
"""


@dataclass(frozen=True)
class RenderedReport:
    images: dict[str, tuple[int, int] | None]  # result path -> decoded size, None if it failed
    text: str  # what the page shows once its scripts ran


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_report(report: Path, workdir: Path) -> RenderedReport:
    browser = chromium()
    assert browser is not None, "no chromium on PATH"
    page = workdir / "report-check.html"
    text = report.read_text(errors="replace")
    end = text.rindex("</body>")
    page.write_text(text[:end] + _PROBE + text[end:])
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # root in CI
            "--disable-gpu",
            "--virtual-time-budget=20000",  # run the page's scripts and timers to completion
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="zkprof-check">(.*?)</pre>', dom, re.S)
    assert found, "the page never finished loading (no probe output in the DOM)"
    doc = json.loads(html.unescape(found.group(1)))
    images = {p: (tuple(size) if size else None) for p, size in doc["images"].items()}
    return RenderedReport(images, doc["text"])  # type: ignore[arg-type]
