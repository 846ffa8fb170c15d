// Small shared pieces: status badges, error boxes, the view signature.
import { ApiError, isUnauthorised, NOT_AUTHORISED } from './api.js';
import { h } from './dom.js';
import { statusLabel } from './format.js';

/** What a view gets: where to draw, the route's parts, and a signal aborted when the route changes. */
export interface ViewContext {
  root: HTMLElement;
  signal: AbortSignal;
  /** The path parts after the view's prefix (e.g. the session id). */
  params: string[];
  /** The hash's query (`#/?status=failed`). */
  query: URLSearchParams;
}

/** A coloured badge for a session, tool call or requirement status. */
export function badge(status: string, testid?: string): HTMLSpanElement {
  return h(
    'span',
    { class: `badge status-${status.replace(/[^a-z0-9-]/gi, '-')}`, 'data-testid': testid, title: status },
    statusLabel(status),
  );
}

/** A box explaining why something could not be shown. */
export function errorBox(e: unknown): HTMLDivElement {
  if (isUnauthorised(e))
    return h('div', { class: 'error-box', 'data-testid': 'not-authorised' }, NOT_AUTHORISED);
  const text =
    e instanceof ApiError
      ? `${e.message}${e.status ? ` (${e.code}, HTTP ${e.status})` : ''}`
      : e instanceof Error
        ? e.message
        : String(e);
  return h('div', { class: 'error-box', 'data-testid': 'error' }, text);
}

/** True when `e` comes from aborting a view (nothing to report). */
export function isAbort(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof DOMException && e.name === 'AbortError');
}

/** A labelled value for headers: `<div><dt>label</dt><dd>value</dd></div>`. */
export function field(label: string, ...value: (Node | string)[]): HTMLDivElement {
  return h('div', { class: 'field' }, h('dt', null, label), h('dd', null, ...value));
}
