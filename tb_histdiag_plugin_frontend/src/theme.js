// Dark mode as TensorBoard shows it: the parent page's body.dark-mode class, else the system's colour scheme.

export function computeDark(win) {
  try {
    if (win.parent && win.parent !== win && win.parent.document && win.parent.document.body &&
        win.parent.document.body.classList.contains('dark-mode')) return true;
  } catch (e) {
    // cross-origin parent: the colour scheme only
  }
  return Boolean(win.matchMedia && win.matchMedia('(prefers-color-scheme: dark)').matches);
}

/** Call onDark(dark) now and whenever the theme changes; check() re-reads it (polling). Returns {check, dispose}. */
export function watchTheme(win, onDark) {
  const check = () => onDark(computeDark(win));
  const undo = [];
  if (win.matchMedia) {
    const mq = win.matchMedia('(prefers-color-scheme: dark)');
    if (mq.addEventListener) {
      mq.addEventListener('change', check);
      undo.push(() => mq.removeEventListener('change', check));
    } else if (mq.addListener) {
      mq.addListener(check);
      undo.push(() => mq.removeListener(check));
    }
  }
  try {
    if (win.parent && win.parent !== win && win.parent.document && win.parent.document.body) {
      const Obs = win.parent.MutationObserver || win.MutationObserver;
      const obs = new Obs(check);
      obs.observe(win.parent.document.body, { attributes: true, attributeFilter: ['class'] });
      undo.push(() => obs.disconnect());
    }
  } catch (e) {
    // cross-origin parent: prefers-color-scheme only
  }
  check();
  return { check, dispose: () => undo.forEach((f) => f()) };
}
