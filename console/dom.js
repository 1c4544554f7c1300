// Building the page's elements from data without innerHTML, so that nothing the API returns is
// ever read as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Replaces what `parent` holds with `children`.
export function fill(parent, ...children) {
  parent.replaceChildren();
  for (const child of children.flat()) if (child) parent.append(child);
  return parent;
}
