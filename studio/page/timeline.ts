// The session timeline: messages in order, each followed by its tool calls; calls with no
// message on screen stand alone at their time. Pages are added at either end; a call seen
// again (a later poll, or its message arriving with an earlier page) is updated in place.
import type { Message, MessagesPage, ToolCall } from './api.js';
import { h, setVar } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { jsonDetails } from './json-view.js';
import { badge } from './widgets.js';

interface RenderedMessage {
  el: HTMLElement;
  calls: HTMLElement;
}

interface RenderedCall {
  /** The element in the list: the call itself, or its `.loose` wrapper. */
  outer: HTMLElement;
  el: HTMLElement;
  fill: HTMLElement;
  call: ToolCall;
  key: string;
  loose: boolean;
}

function messageView(m: Message): { el: HTMLElement; calls: HTMLElement } {
  const calls = h('div', { class: 'message-calls' });
  const content =
    m.content === ''
      ? h('div', { class: 'message-content empty', 'data-testid': 'message-content' }, '(no text)')
      : h('div', { class: 'message-content', 'data-testid': 'message-content' }, m.content);
  const el = h(
    'article',
    { class: `message role-${m.role}`, 'data-testid': 'message', 'data-role': m.role, 'data-id': m.id },
    h(
      'header',
      { class: 'message-head' },
      h('span', { class: 'role' }, m.role),
      h('time', { class: 'muted mono' }, formatTime(m.createdAt)),
      m.clientKey === null
        ? null
        : h('span', { class: 'muted mono client-key', title: 'client key' }, m.clientKey),
    ),
    content,
    calls,
  );
  return { el, calls };
}

function responseLabel(c: ToolCall): string {
  if (c.response !== null) return 'Response';
  return c.status === 'pending' || c.status === 'executing' ? 'Response (none yet)' : 'Response (none)';
}

function callView(c: ToolCall): { el: HTMLElement; fill: HTMLElement } {
  const fill = h('span', { class: 'bar-fill' });
  const ms = c.executionTimeMs;
  const el = h(
    'div',
    {
      class: `toolcall status-${c.status}${c.errorDetails || c.status === 'failed' ? ' has-error' : ''}`,
      'data-testid': 'toolcall',
      'data-id': c.id,
      'data-status': c.status,
    },
    h(
      'div',
      { class: 'toolcall-head' },
      h('span', { class: 'tool-name' }, c.toolName),
      h('span', { class: 'call-id mono', title: 'tool call id' }, c.toolCallId),
      badge(c.status),
      h(
        'span',
        { class: 'duration', title: ms === null ? 'no execution time recorded' : `${ms} ms` },
        h('span', { class: 'bar' }, fill),
        h(
          'span',
          { class: 'duration-text', 'data-testid': 'toolcall-duration' },
          ms === null ? '—' : formatDuration(ms),
        ),
      ),
    ),
    c.errorDetails
      ? h('div', { class: 'toolcall-error', 'data-testid': 'toolcall-error' }, c.errorDetails)
      : null,
    h(
      'div',
      { class: 'toolcall-io' },
      jsonDetails('Request', c.request, { testid: 'toolcall-request' }),
      jsonDetails(responseLabel(c), c.response, {
        testid: 'toolcall-response',
      }),
    ),
    h(
      'div',
      { class: 'toolcall-times muted mono' },
      `created ${formatTime(c.createdAt)}`,
      c.completedAt === null ? '' : ` · completed ${formatTime(c.completedAt)}`,
    ),
  );
  return { el, fill };
}

type Entry = { kind: 'message'; message: Message; calls: ToolCall[] } | { kind: 'call'; call: ToolCall };

/** Merges a page's messages and loose calls by time: a loose call goes before the first message created after it. */
function entries(page: MessagesPage): Entry[] {
  const out: Entry[] = [];
  let next = 0;
  for (const item of page.items) {
    while (next < page.loose.length && (page.loose[next] as ToolCall).createdAt < item.message.createdAt)
      out.push({ kind: 'call', call: page.loose[next++] as ToolCall });
    out.push({ kind: 'message', message: item.message, calls: item.toolCalls });
  }
  while (next < page.loose.length) out.push({ kind: 'call', call: page.loose[next++] as ToolCall });
  return out;
}

export class Timeline {
  /** Holds the entries; the session view puts the "load earlier" sentinel above it. */
  readonly list = h('div', { class: 'timeline-list' });
  private readonly messages = new Map<string, RenderedMessage>();
  private readonly calls = new Map<string, RenderedCall>();

  get messageCount(): number {
    return this.messages.size;
  }

  /** The first entry on screen (the scroll anchor when older entries are inserted above). */
  firstEntry(): Element | null {
    return this.list.firstElementChild;
  }

  /** An earlier page, inserted above everything. */
  prepend(page: MessagesPage): void {
    const frag = document.createDocumentFragment();
    this.build(page, frag);
    this.list.prepend(frag);
    // A call made after the next page's first message came with a later page, standing alone:
    // its message is on screen now, so it goes under it.
    for (const r of [...this.calls.values()]) {
      const owner = r.loose && r.call.messageId !== null ? this.messages.get(r.call.messageId) : undefined;
      if (owner) this.placeCall(r.call, owner.calls);
    }
    this.rescale();
  }

  /** A newer page (or the first one), added below everything. */
  append(page: MessagesPage): void {
    const frag = document.createDocumentFragment();
    this.build(page, frag);
    this.list.append(frag);
    this.rescale();
  }

  /**
   * Re-reads calls of messages already on screen (a poll of the latest page): status,
   * duration and response change while a session runs, and calls are added after their
   * message. Messages not yet on screen are left for the `after=` poll.
   */
  refresh(page: MessagesPage): void {
    for (const item of page.items) {
      const m = this.messages.get(item.message.id);
      if (m) for (const c of item.toolCalls) this.placeCall(c, m.calls);
    }
    // Calls with no message in the page: under their message when it is on screen, else
    // updated where they are, else new (the latest ones) at the end.
    for (const c of page.loose) this.placeLoose(c, this.list);
    this.rescale();
  }

  private build(page: MessagesPage, into: Node): void {
    for (const e of entries(page)) {
      if (e.kind === 'message') {
        if (this.messages.has(e.message.id)) {
          // Seen already (overlapping pages): only its calls may be new.
          const m = this.messages.get(e.message.id) as RenderedMessage;
          for (const c of e.calls) this.placeCall(c, m.calls);
          continue;
        }
        const m = messageView(e.message);
        this.messages.set(e.message.id, m);
        into.appendChild(m.el);
        for (const c of e.calls) this.placeCall(c, m.calls);
      } else this.placeLoose(e.call, into);
    }
  }

  private placeLoose(c: ToolCall, into: Node): void {
    const owner = c.messageId === null ? undefined : this.messages.get(c.messageId);
    if (owner) this.placeCall(c, owner.calls);
    else this.placeCall(c, this.calls.has(c.id) ? null : into);
  }

  /**
   * Shows `c`: under its message (`parent` a message's call list), or standing alone
   * (`parent` the list or a fragment); `null` keeps an existing call where it is.
   */
  private placeCall(c: ToolCall, parent: Node | null): void {
    const key = JSON.stringify(c);
    const old = this.calls.get(c.id);
    const underMessage = parent !== null && this.isMessageCalls(parent);
    if (old && old.key === key && (!underMessage || !old.loose)) return;
    const { el, fill } = callView(c);
    let outer: HTMLElement = el;
    let loose = false;
    if (old) {
      // Keep the request/response blocks as the reader left them.
      const wasOpen = [...old.el.querySelectorAll('details')].map((d) => d.open);
      el.querySelectorAll('details').forEach((d, i) => {
        d.open = wasOpen[i] ?? false;
      });
    }
    if (old && !(underMessage && old.loose)) {
      // Same place, new content.
      old.el.replaceWith(el);
      outer = old.outer;
      loose = old.loose;
    } else {
      if (old) old.outer.remove(); // it stood alone; its message is on screen now
      if (underMessage) (parent as Node).appendChild(el);
      else {
        loose = true;
        outer = h(
          'div',
          { class: 'entry loose-call' },
          h('div', { class: 'loose-label muted' }, 'tool call without a message on screen'),
          el,
        );
        (parent as Node).appendChild(outer);
      }
    }
    this.calls.set(c.id, { outer, el, fill, call: c, key, loose });
  }

  private isMessageCalls(node: Node): boolean {
    return node instanceof HTMLElement && node.classList.contains('message-calls');
  }

  /** Duration bars to scale: the slowest call on screen is full width. */
  private rescale(): void {
    let max = 0;
    for (const r of this.calls.values()) max = Math.max(max, r.call.executionTimeMs ?? 0);
    for (const r of this.calls.values()) {
      const ms = r.call.executionTimeMs;
      const pct = ms === null || max === 0 ? 0 : Math.max(0.5, (ms / max) * 100);
      setVar(r.fill, '--w', `${pct.toFixed(2)}%`);
      r.fill.classList.toggle('none', ms === null);
    }
  }
}
