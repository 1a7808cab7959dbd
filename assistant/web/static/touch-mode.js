(mode) => {
  const want = mode === 'remove' ? '__REMOVE__' : '__KEEP__';
  const ed = document.querySelector('#touch-editor');
  if (!ed) return mode;
  const tool = (label, i) => ed.querySelector(`button[aria-label="${label}"], button[data-gradio-aria-label="${label}"]`) || ed.querySelectorAll('button.quite-round')[i];
  const brush = tool('Brush', 0), colour = tool('Color', 2);
  if (brush) brush.click();
  if (!colour) return mode;
  colour.click();
  setTimeout(() => {
    const swatch = [...ed.querySelectorAll('menu.swatch button')].find(b => b.style.backgroundColor === want);
    if (swatch) swatch.click();
    setTimeout(() => { if (ed.querySelector('menu.swatch')) colour.click(); }, 60);
  }, 60);
  return mode;
}
