"""What the e2e tests read off the page: painted canvas pixels, the overview's rows."""

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
