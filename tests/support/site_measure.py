"""Before/after figures of a built site as a reader meets it:
``python -m tests.support.site_measure SITE``.

Serves SITE on 127.0.0.1, opens every page in Chromium at 1,280 and 390 px and prints
JSON: elements that scroll or are cut per width, pages whose visible Python fails, page
weights, the smallest chart text, broken internal links.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from .reader import CHART_TEXT, OVERFLOW, broken_links, run_visible_code, visible_code

WIDTHS = (1280, 390)


def _pages(site: Path) -> list[str]:
    rels = (p.parent.relative_to(site) for p in site.rglob("index.html"))
    return sorted("" if rel == Path(".") else rel.as_posix() for rel in rels)


def main(site: Path) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{httpd.server_address[1]}/"
    figures: dict = {"overflow": {}, "smallest_chart_text": {}, "weights": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            count, smallest = 0, None
            for rel in _pages(site):
                page.goto(root + (f"{rel}/" if rel else ""), wait_until="load")
                wide = page.evaluate(OVERFLOW)
                count += len(wide)
                charts = page.evaluate(CHART_TEXT)
                if charts["smallest"] is not None:
                    smallest = min(smallest or 99, charts["smallest"])
            figures["overflow"][width] = count
            figures["smallest_chart_text"][width] = smallest and round(smallest, 1)
            page.close()
        browser.close()
    httpd.shutdown()
    failing = []
    for rel in _pages(site):
        blocks = visible_code((site / rel / "index.html").read_text(encoding="utf-8"))
        root = os.environ.get("READER_ROOT")  # the t5sym the site was built with
        if run_visible_code(blocks, site, Path(root) if root else None):
            failing.append(rel or "/")
    figures["pages_whose_code_fails"] = failing
    for rel in ("", "notebooks/t5-3b", "notebooks/t5-11b"):
        figures["weights"][rel or "/"] = (site / rel / "index.html").stat().st_size
    figures["search_index"] = (site / "search" / "search_index.json").stat().st_size
    figures["broken_links"] = broken_links(site)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]))
