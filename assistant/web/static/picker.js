element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-name]');
  if (!card) return;
  const chosen = new Set((props.value || '').split(',').filter(Boolean));
  const name = card.dataset.name;
  if (chosen.has(name)) chosen.delete(name); else chosen.add(name);
  props.value = props.items.map(i => i.name).filter(n => chosen.has(n)).join(',');
  trigger('change');
});
