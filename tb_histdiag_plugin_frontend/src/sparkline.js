// Sparklines on plain canvas 2D: hundreds of them draw in a few milliseconds.

/** Draw values (nulls make gaps; log scale skips non-positive values) into a canvas. */
export function drawSparkline(canvas, values, opts) {
  const { color = '#888', log = false, width = 120, height = 24, mark = -1, warnColor = null } = opts || {};
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const n = values.length;
  if (!n) return;
  const ys = new Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    let v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) {
      ys[i] = null;
      continue;
    }
    if (log) v = Math.log10(v);
    ys[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return;
  if (max - min < 1e-12) {
    min -= 1;
    max += 1;
  }
  const pad = 2;
  const x = (i) => (n === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (n - 1));
  const y = (v) => height - pad - ((v - min) * (height - 2 * pad)) / (max - min);
  ctx.lineWidth = 1.25;
  ctx.strokeStyle = color;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < n; i++) {
    if (ys[i] === null) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(x(i), y(ys[i]));
    else ctx.moveTo(x(i), y(ys[i]));
    pen = true;
  }
  ctx.stroke();
  if (n === 1 || ys.filter((v) => v !== null).length === 1) {
    const i = ys.findIndex((v) => v !== null);
    ctx.fillStyle = color;
    ctx.fillRect(x(i) - 1.5, y(ys[i]) - 1.5, 3, 3);
  }
  if (mark >= 0 && mark < n) {
    ctx.fillStyle = warnColor || color;
    ctx.globalAlpha = 0.35;
    ctx.fillRect(x(mark) - 0.5, 0, 1, height);
    ctx.globalAlpha = 1;
  }
}
