"""The browser calculator: size of its script + data and the time of one count in Chromium.

Writes the generated script (`t5site.calculator.javascript`, minified as the site serves
it) next to a blank page, serves them on 127.0.0.1, and times ``t5sym.count(preset)``
(with its full breakdown, as the page calls it) and ``t5sym.memory`` with the activations
saved for backward in two fine-tuning setups, in headless Chromium: the median of many
calls, after a warm-up.

    python benchmarks/calculator.py
"""

from __future__ import annotations

import functools
import gzip
import http.server
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))  # the site's package, t5site, is not in the wheel
from t5site import calculator  # noqa: E402

UI = ROOT / "docs" / "assets" / "calculator.js"
CALLS = 2000
PRESETS = ("t5-small", "t5-11b")

#: Batches of BATCH calls: the per-call time of each batch (performance.now() is coarse).
BATCH = 50
TIME = """([name, batches, size]) => {
  for (let i = 0; i < 200; i++) t5sym.count(name);
  const out = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < size; i++) t5sym.count(name);
    out.push((performance.now() - t0) / size);
  }
  return out;
}"""


#: Fine-tuning memory with the activations saved at B = 8, S = 512, T = 128, in two setups.
SETUPS = (
    {"attention": "sdpa", "device": "cuda", "precision": "cast", "dtype": "bf16"},
    {"attention": "eager", "device": "cpu", "precision": "autocast-bf16", "dtype": "fp32"},
)
TIME_MEMORY = """([setup, batches, size]) => {
  const opts = {...setup, optimizer: "adam", batch: 8, encoder_length: 512, decoder_length: 128};
  for (let i = 0; i < 200; i++) t5sym.memory("t5-11b", opts);
  const out = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < size; i++) t5sym.memory("t5-11b", opts);
    out.push((performance.now() - t0) / size);
  }
  return out;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = len(calculator.javascript().encode())
        script = calculator.write(Path(tmp) / "t5sym-calc.js", minified=True)
        Path(tmp, "index.html").write_text('<script src="t5sym-calc.js"></script>')
        ui_text = calculator.minify(UI.read_text(encoding="utf-8")).encode()
        ui = len(ui_text)
        size = script.stat().st_size + ui
        zipped = len(gzip.compress(script.read_bytes(), 9)) + len(gzip.compress(ui_text, 9))
        print(f"script + data as served (minified): {script.stat().st_size:,} B generated"
              f" + {ui:,} B"
              f" UI = {size:,} B ({size / 1000:.1f} KB); before minifying {raw:,} +"
              f" {UI.stat().st_size:,} B")  # fmt: skip
        print(f"as transferred (gzip -9, the budget): {zipped:,} B ({zipped / 1000:.1f} KB)")
        default = len(gzip.compress(script.read_bytes(), 6)) + len(gzip.compress(ui_text, 6))
        print(f"gzip level 6 (the page's own measure, CompressionStream): {default:,} B")
        handler = functools.partial(_Quiet, directory=tmp)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"]
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/")
            for name in PRESETS:
                times = page.evaluate(TIME, [name, CALLS // BATCH, BATCH])
                print(f"count({name!r}) with its breakdown: median {statistics.median(times):.3f}"
                      f" ms per call ({CALLS // BATCH} batches of {BATCH} calls)")  # fmt: skip
            for setup in SETUPS:
                times = page.evaluate(TIME_MEMORY, [setup, CALLS // BATCH, BATCH])
                print(f"memory('t5-11b', {setup}) with its saved activations: median "
                      f"{statistics.median(times):.3f} ms per call")  # fmt: skip
            browser.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
