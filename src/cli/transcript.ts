import type { AgentStorage } from '../contract/storage.js';
import type { JsonValue, Message, Question, Session, Setting, ToolCall } from '../contract/types.js';
import { columnsOf, formatDuration, formatTime, printable, type Style } from './style.js';

/**
 * A session as a person reads it: its messages in order, each with the tool calls it made,
 * then questions and settings. Built from contract reads only, so it works on every adapter;
 * `show` prints it and the studio draws it.
 */
export interface Transcript {
  session: Session;
  /** The timeline: messages in order, each followed by its tool calls; calls with no shown message by time. */
  entries: TranscriptEntry[];
  /** Messages before the first one shown (`--last`); 0 when the whole session is shown. */
  earlier: number;
  totals: { messages: number; toolCalls: number };
  questions: Question[];
  settings: Setting[];
}

export type TranscriptEntry =
  | { message: Message; toolCalls: ToolCall[] }
  | { message: null; toolCalls: [ToolCall] };

/** Reads the transcript of `sessionId` (the last `last` messages when given); `null` for an unknown session. */
export async function loadTranscript(
  store: AgentStorage,
  sessionId: string,
  options: { last?: number | undefined } = {},
): Promise<Transcript | null> {
  const session = await store.getSession(sessionId);
  if (session === null) return null;
  const caps = store.capabilities;
  let messages: Message[];
  let toolCalls: ToolCall[];
  let totals: Transcript['totals'];
  if (options.last !== undefined && caps.paging) {
    // The latest N without reading the session: one index-backed page from the end.
    messages = (await store.getMessagesPage(sessionId, { from: 'end', limit: options.last })).items;
    toolCalls = await callsSince(store, sessionId, messages[0]?.createdAt ?? Number.NEGATIVE_INFINITY);
    totals = {
      messages: await store.countMessages(sessionId),
      toolCalls: await store.countToolCalls(sessionId),
    };
  } else {
    messages = await store.getMessages(sessionId);
    toolCalls = await store.getToolCalls(sessionId);
    totals = { messages: messages.length, toolCalls: toolCalls.length };
    if (options.last !== undefined) {
      messages = messages.slice(-options.last);
      toolCalls = toolCalls.filter(
        (c) => c.createdAt >= (messages[0]?.createdAt ?? Number.NEGATIVE_INFINITY),
      );
    }
  }
  // The calls of messages not shown are not shown either (`--last`: an earlier message of the
  // same second would otherwise lend its calls to the first one shown).
  const shown = new Set(messages.map((m) => m.id));
  if (options.last !== undefined)
    toolCalls = toolCalls.filter((c) => c.messageId === null || shown.has(c.messageId));
  return {
    session,
    entries: timeline(messages, toolCalls),
    earlier: totals.messages - messages.length,
    totals,
    questions: caps.questions ? await store.getQuestions(sessionId) : [],
    settings: caps.settings ? await store.getSettings(sessionId) : [],
  };
}

/**
 * A session's tool calls created at or after `since`, read from the end a page at a time:
 * as many pages as the calls of that window fill, never the whole session.
 */
async function callsSince(store: AgentStorage, sessionId: string, since: number): Promise<ToolCall[]> {
  const pages: ToolCall[][] = [];
  let before: string | null = null;
  do {
    const page = await store.getToolCallsPage(
      sessionId,
      before === null ? { from: 'end', limit: 1000 } : { before, limit: 1000 },
    );
    pages.unshift(page.items);
    before = (page.items[0]?.createdAt ?? Number.NEGATIVE_INFINITY) >= since ? page.nextCursor : null;
  } while (before !== null);
  return pages.flat().filter((c) => c.createdAt >= since);
}

/** Messages in order with their calls; a call whose message is not shown (or has none) stands alone at its time. */
function timeline(messages: Message[], toolCalls: ToolCall[]): TranscriptEntry[] {
  const byMessage = new Map<string, ToolCall[]>();
  const shown = new Set(messages.map((m) => m.id));
  const loose: ToolCall[] = [];
  for (const c of toolCalls) {
    if (c.messageId !== null && shown.has(c.messageId)) {
      const list = byMessage.get(c.messageId) ?? [];
      list.push(c);
      byMessage.set(c.messageId, list);
    } else loose.push(c);
  }
  const entries: TranscriptEntry[] = [];
  let next = 0;
  for (const m of messages) {
    while (next < loose.length && (loose[next] as ToolCall).createdAt < m.createdAt)
      entries.push({ message: null, toolCalls: [loose[next++] as ToolCall] });
    entries.push({ message: m, toolCalls: byMessage.get(m.id) ?? [] });
  }
  while (next < loose.length) entries.push({ message: null, toolCalls: [loose[next++] as ToolCall] });
  return entries;
}

const json = (v: JsonValue | null) => JSON.stringify(v);

/** The transcript as lines of text: coloured and cut to the terminal on a TTY, whole when piped. */
export function renderTranscript(t: Transcript, style: Style): string[] {
  const s = t.session;
  const out: string[] = [];
  const line = (text: string, indent = 0) => out.push(style.fit(`${' '.repeat(indent)}${text}`));
  // Stored text may hold newlines: each goes on its own indented line, never raw control characters.
  const parts = (text: string) => printable(text.replace(/\r\n/g, '\n')).split('\n');
  const block = (text: string, indent: number) => {
    for (const part of parts(text)) line(part, indent);
  };
  // `head` then `text`'s first line; its other lines under the first, where `head` ends.
  const labelled = (head: string, text: string, indent: number, paint = (x: string) => x) => {
    const [first, ...rest] = parts(text);
    line(paint(`${head}${first}`), indent);
    for (const part of rest) line(paint(part), indent + columnsOf(head));
  };
  const duration = s.endedAt === null ? 'still open' : formatDuration(s.endedAt - s.startedAt);
  line(
    `${style.bold(`Session ${s.id}`)}  ${printable(s.agentName)}  ${printable(s.provider)}/${printable(s.model)}  ${style.status(s.status)}`,
  );
  line(style.dim(`started ${formatTime(s.startedAt)}  ended ${formatTime(s.endedAt)}  (${duration})`));
  line(style.dim(`${t.totals.messages} messages, ${t.totals.toolCalls} tool calls`));
  if (s.systemPrompt !== null) {
    line(style.bold('System prompt'));
    block(s.systemPrompt, 2);
  }
  line(style.bold('User prompt'));
  block(s.userPrompt, 2);
  if (s.config !== null) line(`${style.bold('Config')} ${printable(json(s.config))}`);
  out.push('');
  if (t.earlier > 0) line(style.dim(`… ${t.earlier} earlier messages (show more with --last)`));
  for (const entry of t.entries) {
    if (entry.message !== null) {
      const m = entry.message;
      line(
        `${style.dim(formatTime(m.createdAt))}  ${style.magenta(m.role)}${m.clientKey === null ? '' : style.dim(`  key ${printable(m.clientKey)}`)}`,
      );
      block(m.content, 2);
    }
    for (const c of entry.toolCalls) {
      const time = c.executionTimeMs === null ? '' : `  ${c.executionTimeMs} ms`;
      const head = `${entry.message === null ? `${style.dim(formatTime(c.createdAt))}  ` : '  '}↳ ${style.cyan(printable(c.toolName))} ${style.dim(printable(c.toolCallId))}  ${style.status(c.status)}${time}`;
      line(head);
      line(`request  ${printable(json(c.request))}`, 6);
      if (c.response !== null) line(`response ${printable(json(c.response))}`, 6);
      if (c.errorDetails !== null) labelled('error    ', c.errorDetails, 6, style.red);
    }
  }
  if (t.questions.length > 0) {
    out.push('');
    line(style.bold('Questions'));
    for (const q of t.questions) {
      const [question, ...more] = parts(q.question);
      const [answer, ...further] = q.answer === null ? [style.yellow('(unanswered)')] : parts(q.answer);
      const answered = q.answer === null ? '' : `  ${style.dim(formatTime(q.answeredAt))}`;
      const head = `${printable(q.questionId)}  `;
      if (more.length === 0 && further.length === 0)
        line(`${head}${question}  ${q.answer === null ? '' : '→ '}${answer}${answered}`, 2);
      else {
        // Lines of their own, under the question's first, when either spans several.
        for (const [i, part] of [question, ...more].entries())
          line(`${i === 0 ? head : ''}${part}`, i === 0 ? 2 : 2 + columnsOf(head));
        for (const [i, part] of [answer, ...further].entries())
          line(
            `${i === 0 && q.answer !== null ? '→ ' : '  '}${part}${i === further.length ? answered : ''}`,
            2 + columnsOf(head),
          );
      }
    }
  }
  if (t.settings.length > 0) {
    out.push('');
    line(style.bold('Settings'));
    for (const x of t.settings) {
      const head = `${printable(x.settingKey)}  ${printable(x.settingName)}  `;
      if (x.settingValue === null) line(`${head}${style.yellow('(not set)')}`, 2);
      else labelled(`${head}= `, x.settingValue, 2);
    }
  }
  if (s.result !== null || s.error !== null) out.push('');
  if (s.result !== null) {
    line(style.bold('Result'));
    block(s.result, 2);
  }
  if (s.error !== null) {
    line(style.red(style.bold('Error')));
    block(s.error, 2);
  }
  return out;
}
