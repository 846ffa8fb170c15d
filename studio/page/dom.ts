// The only way the page builds DOM. Strings always become text nodes; attributes go
// through setAttribute after a name/value check. No HTML string is ever parsed.
// Stored text shown any other way (document.title) goes through visibleText.

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

/**
 * Bidirectional-text controls (U+061C, U+200E/F, U+202A–E, U+2066–9) reorder the text around
 * them: stored as `\u202Eevil`, a string would read "live". The page shows each as a marked
 * `⟨U+202E⟩` instead of applying it, wherever it shows text.
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const BIDI_TITLE = 'a bidirectional-text control in the stored text, shown instead of applied';

const codePoint = (ch: string) =>
  `⟨U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`;

/** `text` with its bidi controls spelled out: for what can hold plain text only (titles). */
export function visibleText(text: string): string {
  return text.replace(BIDI, codePoint);
}

/** `text` as text nodes, each bidi control in it as a marked `⟨U+…⟩`. */
function appendText(parent: Node, text: string): void {
  let at = 0;
  for (const m of text.matchAll(BIDI)) {
    if (m.index > at) parent.appendChild(document.createTextNode(text.slice(at, m.index)));
    const mark = document.createElement('span');
    mark.className = 'bidi-mark';
    mark.title = BIDI_TITLE;
    mark.textContent = codePoint(m[0]);
    parent.appendChild(mark);
    at = m.index + m[0].length;
  }
  if (at < text.length || at === 0) parent.appendChild(document.createTextNode(text.slice(at)));
}

const SAFE_NAME = /^[a-z][a-z0-9-]*$/;
/** Attributes a reader sees (as a tooltip): their values get the same bidi treatment as text. */
const SHOWN_ATTRS = new Set(['title', 'aria-label', 'alt', 'placeholder']);
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);
/** Relative links only: `#/...`, `/...` (not `//host`), `?...`. */
const SAFE_URL = /^(#|\/(?!\/)|\?)/;

function setAttr(el: Element, name: string, value: string): void {
  if (!SAFE_NAME.test(name) || name.startsWith('on') || name === 'style' || name === 'srcdoc') {
    throw new Error(`refused attribute ${name}`);
  }
  if (URL_ATTRS.has(name) && !SAFE_URL.test(value)) throw new Error(`refused URL in ${name}`);
  el.setAttribute(name, SHOWN_ATTRS.has(name) ? visibleText(value) : value);
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

/** Appends children; strings and numbers as text nodes (bidi controls marked, not applied). */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, ...(c as readonly Child[]));
    else if (typeof c === 'string' || typeof c === 'number') appendText(parent, String(c));
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
