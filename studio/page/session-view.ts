// `#/sessions/<id>`: header, prompts, config, the timeline (opened at its end, older pages
// loaded when scrolled to the top), questions, settings and outcome. Live sessions poll.
import { ApiError, api, LIVE_STATUSES, type MessagesPage, type SessionDetail } from './api.js';
import { h, replace } from './dom.js';
import { formatCount, formatTime, sessionDuration } from './format.js';
import { jsonView } from './json-view.js';
import { Timeline } from './timeline.js';
import { badge, errorBox, field, isAbort, type ViewContext } from './widgets.js';

const PAGE = 100;
const POLL_MS = 2000;
/** Calls of the latest messages re-read on each poll (their status and response change while running). */
const TAIL = 20;

function header(d: SessionDetail, live: boolean): HTMLElement {
  const s = d.session;
  return h(
    'header',
    { class: 'session-header', 'data-testid': 'session-header' },
    h(
      'div',
      { class: 'session-title' },
      h('h1', null, s.agentName),
      badge(s.status, 'session-status'),
      live ? h('span', { class: 'live', 'data-testid': 'live' }, 'live · updates every 2 s') : null,
    ),
    h(
      'dl',
      { class: 'fields' },
      field('Session', h('span', { class: 'mono' }, s.id)),
      field('Provider / model', `${s.provider} / ${s.model}`),
      field('Started (UTC)', formatTime(s.startedAt)),
      field('Ended (UTC)', s.endedAt === null ? '—' : formatTime(s.endedAt)),
      field(
        'Total time',
        h('span', { 'data-testid': 'session-total' }, sessionDuration(s.startedAt, s.endedAt, live) || '—'),
      ),
      field('Messages', formatCount(d.totals.messages)),
      field('Tool calls', formatCount(d.totals.toolCalls)),
      field('Questions', formatCount(d.questions.length)),
      field('Settings', formatCount(d.settings.length)),
    ),
  );
}

function prompts(d: SessionDetail): HTMLElement {
  const s = d.session;
  return h(
    'section',
    { class: 'prompts' },
    h(
      'div',
      { class: 'prompt' },
      h('h2', null, 'System prompt'),
      s.systemPrompt === null
        ? h('p', { class: 'muted' }, 'none')
        : h('pre', { class: 'prompt-text', 'data-testid': 'system-prompt' }, s.systemPrompt),
    ),
    h(
      'div',
      { class: 'prompt' },
      h('h2', null, 'User prompt'),
      h('pre', { class: 'prompt-text', 'data-testid': 'user-prompt' }, s.userPrompt),
    ),
    h(
      'div',
      { class: 'prompt config' },
      h('h2', null, 'Config'),
      h('div', { class: 'config-json', 'data-testid': 'config' }, jsonView(s.config)),
    ),
  );
}

function questions(d: SessionDetail): HTMLElement {
  return h(
    'section',
    { class: 'questions', 'data-testid': 'questions' },
    h('h2', null, `Questions & answers (${d.questions.length})`),
    d.questions.length === 0
      ? h('p', { class: 'muted' }, 'No questions.')
      : h(
          'ol',
          { class: 'qa-list' },
          d.questions.map((q) =>
            h(
              'li',
              { class: 'qa', 'data-testid': 'question', 'data-id': q.id },
              h(
                'div',
                { class: 'qa-head' },
                h('span', { class: 'mono muted' }, q.questionId),
                ' ',
                h('strong', null, q.question),
                ' ',
                h('span', { class: 'muted' }, `(${q.responseType}) asked ${formatTime(q.createdAt)}`),
              ),
              q.description ? h('p', { class: 'qa-desc' }, q.description) : null,
              q.answer === null
                ? h('p', { class: 'qa-answer unanswered' }, 'not answered yet')
                : h(
                    'p',
                    { class: 'qa-answer' },
                    h('span', { class: 'muted' }, `answered ${formatTime(q.answeredAt)}: `),
                    q.answer,
                  ),
            ),
          ),
        ),
  );
}

function settings(d: SessionDetail): HTMLElement {
  return h(
    'section',
    { class: 'settings', 'data-testid': 'settings' },
    h('h2', null, `Settings (${d.settings.length})`),
    d.settings.length === 0
      ? h('p', { class: 'muted' }, 'No settings.')
      : h(
          'table',
          { class: 'settings-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Key', 'Name', 'Type', 'Value', 'Description', 'Updated (UTC)'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            d.settings.map((s) =>
              h(
                'tr',
                { 'data-testid': 'setting', 'data-id': s.id },
                h('td', { class: 'mono' }, s.settingKey),
                h('td', null, s.settingName),
                h('td', null, s.settingType),
                h('td', { class: 'mono' }, s.settingValue ?? h('span', { class: 'muted' }, 'pending')),
                h('td', null, s.description ?? ''),
                h('td', { class: 'nowrap mono' }, formatTime(s.updatedAt ?? s.createdAt)),
              ),
            ),
          ),
        ),
  );
}

function outcome(d: SessionDetail): HTMLElement {
  const s = d.session;
  return h(
    'section',
    { class: 'outcome-section' },
    h('h2', null, 'Outcome'),
    s.result === null ? null : h('pre', { class: 'result', 'data-testid': 'session-result' }, s.result),
    s.error === null ? null : h('pre', { class: 'error', 'data-testid': 'session-error' }, s.error),
    s.result === null && s.error === null
      ? h(
          'p',
          { class: 'muted' },
          (LIVE_STATUSES as readonly string[]).includes(s.status)
            ? 'Not finished yet.'
            : 'No result recorded.',
        )
      : null,
  );
}

const nearBottom = () => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48;
const scrollToBottom = () => window.scrollTo(0, document.documentElement.scrollHeight);

export function sessionView(ctx: ViewContext): void {
  const { root, signal } = ctx;
  const id = ctx.params[0] ?? '';
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  void open();

  async function open(): Promise<void> {
    let detail: SessionDetail;
    let first: MessagesPage;
    try {
      [detail, first] = await Promise.all([
        api.session(id, signal),
        api.messages(id, { from: 'end' }, PAGE, signal),
      ]);
    } catch (e) {
      if (!isAbort(e, signal)) replace(root, backLink(), errorBox(e));
      return;
    }
    if (signal.aborted) return;

    const timeline = new Timeline();
    let earlierCursor = first.earlierCursor;
    let laterCursor = first.laterCursor;
    let loading = false;

    const isLive = (d: SessionDetail) => (LIVE_STATUSES as readonly string[]).includes(d.session.status);
    const headerSlot = h('div', null, header(detail, isLive(detail)));
    const questionsSlot = h('div', null, questions(detail));
    const settingsSlot = h('div', null, settings(detail));
    const outcomeSlot = h('div', null, outcome(detail));
    const liveNote = h('div', { class: 'live-note', 'aria-live': 'polite' });

    const loadEarlier = h('button', { type: 'button', class: 'load-earlier', 'data-testid': 'load-earlier' });
    const startMark = h('div', { class: 'timeline-start muted' }, 'Start of session');
    const updateTop = () => {
      const more = Math.max(0, detail.totals.messages - timeline.messageCount);
      loadEarlier.hidden = earlierCursor === null;
      startMark.hidden = earlierCursor !== null;
      loadEarlier.disabled = loading;
      loadEarlier.textContent = loading
        ? 'Loading earlier messages…'
        : `Load earlier messages${more ? ` (${formatCount(more)} more)` : ''}`;
    };

    const timelineEl = h(
      'section',
      { class: 'timeline', 'data-testid': 'timeline' },
      loadEarlier,
      startMark,
      timeline.list,
      first.items.length === 0 && first.loose.length === 0
        ? h('p', { class: 'muted empty-timeline' }, 'No messages yet.')
        : null,
    );
    timeline.append(first);
    updateTop();

    replace(
      root,
      h(
        'div',
        { class: 'session-view' },
        backLink(),
        headerSlot,
        prompts(detail),
        h('h2', { class: 'timeline-title' }, 'Timeline'),
        timelineEl,
        liveNote,
        questionsSlot,
        settingsSlot,
        outcomeSlot,
      ),
    );
    scrollToBottom();

    const sentinelVisible = () => {
      if (loadEarlier.hidden) return false;
      const r = loadEarlier.getBoundingClientRect();
      return r.bottom >= -200 && r.top <= window.innerHeight;
    };

    async function earlier(): Promise<void> {
      if (loading || earlierCursor === null || signal.aborted) return;
      loading = true;
      updateTop();
      // Keep what the reader sees in place: measure the first entry before and after.
      const anchor = timeline.firstEntry();
      const before = anchor?.getBoundingClientRect().top ?? 0;
      try {
        const page = await api.messages(id, { before: earlierCursor }, PAGE, signal);
        if (signal.aborted) return;
        timeline.prepend(page);
        earlierCursor = page.earlierCursor;
        if (anchor?.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
        liveNote.replaceChildren();
      } catch (e) {
        if (isAbort(e, signal)) return;
        replace(liveNote, errorBox(e));
      } finally {
        loading = false;
        updateTop();
      }
      // Still at the top (a short page): keep filling the screen.
      if (sentinelVisible()) requestAnimationFrame(() => void earlier());
    }

    loadEarlier.addEventListener('click', () => void earlier());
    const observer = new IntersectionObserver(
      (seen) => {
        if (seen.some((e) => e.isIntersecting)) void earlier();
      },
      { rootMargin: '200px 0px 0px 0px' },
    );
    // After the jump to the bottom, so that opening the page does not load the earlier page.
    requestAnimationFrame(() => {
      if (!signal.aborted) observer.observe(loadEarlier);
    });
    signal.addEventListener('abort', () => observer.disconnect());

    // Live sessions: new messages after `laterCursor`, the latest calls, and the header.
    let timer: ReturnType<typeof setTimeout> | undefined;
    signal.addEventListener('abort', () => clearTimeout(timer));

    async function poll(): Promise<void> {
      if (signal.aborted) return;
      const stick = nearBottom();
      let live = true;
      try {
        const d = await api.session(id, signal);
        // Up to 10 pages per tick; a session that writes faster catches up over the next ticks.
        for (let i = 0; i < 10; i++) {
          const at = laterCursor === null ? ({ from: 'end' } as const) : { after: laterCursor };
          const fromEnd = 'from' in at; // nothing on screen yet: start from the latest page
          const page = await api.messages(id, at, PAGE, signal);
          if (signal.aborted) return;
          if (page.items.length || page.loose.length) timelineEl.querySelector('.empty-timeline')?.remove();
          timeline.append(page);
          if (fromEnd) earlierCursor = page.earlierCursor;
          if (page.laterCursor) laterCursor = page.laterCursor;
          if (fromEnd || page.items.length < PAGE || !page.laterCursor) break;
        }
        timeline.refresh(await api.messages(id, { from: 'end' }, TAIL, signal));
        if (signal.aborted) return;
        detail = d;
        live = isLive(d);
        replace(headerSlot, header(d, live));
        replace(questionsSlot, questions(d));
        replace(settingsSlot, settings(d));
        replace(outcomeSlot, outcome(d));
        updateTop();
        liveNote.replaceChildren();
        if (stick) scrollToBottom();
      } catch (e) {
        if (isAbort(e, signal)) return;
        replace(liveNote, h('span', { class: 'muted' }, 'live updates interrupted; retrying: '), errorBox(e));
        // Not authorised, or the session is gone: retrying will not help.
        if (e instanceof ApiError && (e.status === 401 || e.status === 404)) live = false;
      }
      if (live && !signal.aborted) timer = setTimeout(() => void poll(), POLL_MS);
    }

    if (isLive(detail)) timer = setTimeout(() => void poll(), POLL_MS);
  }
}

function backLink(): HTMLElement {
  return h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, '← Sessions'));
}
