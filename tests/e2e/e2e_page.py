"""What the e2e tests read off the page: painted canvas pixels, the overview's rows; the conftest's Tab helper."""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def tab_class():
    """The Tab helper of tests/e2e/conftest.py, for tests with a server of their own (a module named ``conftest`` is
    ambiguous: tests/ has one too)."""
    spec = importlib.util.spec_from_file_location("_e2e_conftest", os.path.join(HERE, "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Tab


# A run shown with every chart drawn: the charts under the overview draw after it is painted (src/firstdraw.js,
# wired in src/app.js), the root's data-charts says when.
READY = "#histdiag[data-state=ready]:not([data-charts=pending])"

PAINTED_PIXELS = """(sel) => {
  const canvases = document.querySelectorAll(sel + ' canvas');
  let n = 0;
  for (const c of canvases) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  }
  return n;
}"""

COLOR_PIXELS = """([sel, r, g, b]) => {
  let n = 0;
  for (const c of document.querySelectorAll(sel + ' canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 200 && Math.abs(d[i] - r) < 12 && Math.abs(d[i + 1] - g) < 12 && Math.abs(d[i + 2] - b) < 12) n++;
    }
  }
  return n;
}"""


def layer_rows(page):
    """The overview's layer rows (not block rows or group headers)."""
    return page.locator("#hd-overview tbody tr[data-key]")
