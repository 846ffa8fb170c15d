// Pretty-printed JSON as text nodes (with token classes for colour); never parsed as HTML.
import { append, h } from './dom.js';

/** Above this many characters the JSON is shown as plain text (no token spans). */
const HIGHLIGHT_LIMIT = 100_000;

function token(cls: string, text: string): HTMLSpanElement {
  return h('span', { class: cls }, text);
}

function write(out: Node, value: unknown, indent: string): void {
  if (value === null || value === undefined) append(out, token('j-null', 'null'));
  else if (typeof value === 'boolean') append(out, token('j-bool', String(value)));
  // -0 as stored (JSON.stringify writes 0): the API sends it exactly, and JSON.parse keeps it.
  else if (typeof value === 'number')
    append(out, token('j-num', Object.is(value, -0) ? '-0' : JSON.stringify(value)));
  else if (typeof value === 'string') append(out, token('j-str', JSON.stringify(value)));
  else if (Array.isArray(value)) {
    if (value.length === 0) {
      append(out, '[]');
      return;
    }
    const inner = `${indent}  `;
    append(out, '[\n');
    value.forEach((v, i) => {
      append(out, inner);
      write(out, v, inner);
      append(out, i < value.length - 1 ? ',\n' : '\n');
    });
    append(out, `${indent}]`);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      append(out, '{}');
      return;
    }
    const inner = `${indent}  `;
    append(out, '{\n');
    entries.forEach(([k, v], i) => {
      append(out, inner, token('j-key', JSON.stringify(k)), ': ');
      write(out, v, inner);
      append(out, i < entries.length - 1 ? ',\n' : '\n');
    });
    append(out, `${indent}}`);
  } else append(out, String(value));
}

/** `<pre class="json">` holding `value` pretty-printed. */
export function jsonView(value: unknown, testid?: string): HTMLPreElement {
  const pre = h('pre', { class: 'json', 'data-testid': testid });
  const text = JSON.stringify(value, null, 2) ?? 'null';
  if (text.length > HIGHLIGHT_LIMIT) {
    append(pre, text);
  } else {
    const frag = document.createDocumentFragment();
    write(frag, value, '');
    pre.appendChild(frag);
  }
  return pre;
}

/** A collapsible JSON block (`<details>`, closed unless `open`). */
export function jsonDetails(
  label: string,
  value: unknown,
  options: { testid?: string; open?: boolean; className?: string } = {},
): HTMLDetailsElement {
  const size = JSON.stringify(value)?.length ?? 0;
  return h(
    'details',
    {
      class: `json-block ${options.className ?? ''}`.trim(),
      'data-testid': options.testid,
      open: options.open,
    },
    h('summary', null, label, ' ', h('span', { class: 'muted' }, `${size.toLocaleString('en-US')} chars`)),
    jsonView(value),
  );
}
