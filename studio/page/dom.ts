// The only way the page builds DOM. Strings always become text nodes; attributes go
// through setAttribute after a name/value check. No HTML string is ever parsed.

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

const SAFE_NAME = /^[a-z][a-z0-9-]*$/;
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);
/** Relative links only: `#/...`, `/...` (not `//host`), `?...`. */
const SAFE_URL = /^(#|\/(?!\/)|\?)/;

function setAttr(el: Element, name: string, value: string): void {
  if (!SAFE_NAME.test(name) || name.startsWith('on') || name === 'style' || name === 'srcdoc') {
    throw new Error(`refused attribute ${name}`);
  }
  if (URL_ATTRS.has(name) && !SAFE_URL.test(value)) throw new Error(`refused URL in ${name}`);
  el.setAttribute(name, value);
}

/**
 * Creates `<tag>`: `props` keys `on<event>` with a function add a listener; every other key
 * is an attribute (`true` → present, `false`/`null`/`undefined` → absent).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (typeof value === 'function') {
        if (!key.startsWith('on')) throw new Error(`handler on ${key}`);
        el.addEventListener(key.slice(2), value);
      } else if (value === true) setAttr(el, key, '');
      else if (value !== false && value !== null && value !== undefined) setAttr(el, key, String(value));
    }
  }
  append(el, ...children);
  return el;
}

/** Appends children; strings and numbers as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, ...(c as readonly Child[]));
    else if (typeof c === 'string' || typeof c === 'number')
      parent.appendChild(document.createTextNode(String(c)));
    else parent.appendChild(c as Node);
  }
}

/** Replaces all children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Sets a CSS custom property through the CSSOM (allowed by `style-src 'self'`, unlike style attributes). */
export function setVar(el: HTMLElement, name: `--${string}`, value: string): void {
  el.style.setProperty(name, value);
}
