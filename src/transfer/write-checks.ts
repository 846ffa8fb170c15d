import { unixSeconds } from '../contract/clock.js';
import { AgentStorageError, isAgentStorageError, problemOf } from '../contract/errors.js';
import type { ValidationContext } from '../contract/input-checks.js';
import type { AgentStorage, OptionalCapability } from '../contract/storage.js';
import type { Message, Question, Session, Setting, ToolCall } from '../contract/types.js';
import {
  validateAnswers,
  validateNewMessage,
  validateNewSession,
  validateNewToolCall,
  validateQuestions,
  validateSettings,
  validateSettingValues,
} from '../contract/validation.js';
import { type KeyedRow, replayOrder } from './replay-order.js';
import { newMessage, newQuestion, newSetting, newToolCall } from './row-inputs.js';
import type { SessionSnapshot } from './snapshot.js';

/** Stands for the ids a write will reference, which do not exist yet: any id passes the checks. */
const SOME_ID = '1';

/**
 * The contract's validation of what writing one row will send (the session, a message, a tool
 * call, a question or setting with its later answer or value), so that a value the store
 * would refuse (a fractional `executionTimeMs`, an empty `toolName`, U+0000 in text) is
 * refused before anything of its session is written, and named. Throws `INVALID_INPUT`.
 */
export const checkRowValues = {
  session(ctx: ValidationContext, { id: _, ...session }: Session): void {
    validateNewSession(ctx, session);
  },
  message(ctx: ValidationContext, m: Message): void {
    validateNewMessage(ctx, newMessage(SOME_ID, m));
  },
  toolCall(ctx: ValidationContext, t: ToolCall): void {
    validateNewToolCall(ctx, {
      ...newToolCall(SOME_ID, t),
      messageId: t.messageId === null ? null : SOME_ID,
    });
  },
  question(ctx: ValidationContext, q: Question): void {
    validateQuestions(ctx, SOME_ID, [newQuestion(q, q.toolCallId === null ? null : SOME_ID)]);
    if (q.answer !== null && q.answeredAt !== null)
      validateAnswers(ctx, SOME_ID, [
        { questionId: q.questionId, answer: q.answer, answeredAt: q.answeredAt },
      ]);
  },
  setting(ctx: ValidationContext, s: Setting): void {
    validateSettings(ctx, SOME_ID, [newSetting(s, s.toolCallId === null ? null : SOME_ID)]);
    if (s.settingValue !== null && s.updatedAt !== null)
      validateSettingValues(ctx, SOME_ID, [
        { settingKey: s.settingKey, value: s.settingValue, updatedAt: s.updatedAt },
      ]);
  },
};

/**
 * What `writeSession` checks before it writes anything, so that a session it cannot copy
 * exactly is refused whole instead of leaving a partial copy behind: capabilities, references
 * within the session, replayable questions and settings, and (unless `values: false`, for a
 * caller that ran `checkRowValues` on each row itself) every row's values.
 */
export function checkWritable(
  store: AgentStorage,
  snapshot: SessionSnapshot,
  { values: checkValues = true }: { values?: boolean } = {},
): void {
  const { session, messages, toolCalls, questions, settings } = snapshot;
  const where = `session ${JSON.stringify(session.id)}`;
  const need = (capability: OptionalCapability, why: string) => {
    if (!store.capabilities[capability])
      throw new AgentStorageError(
        'NOT_SUPPORTED',
        `cannot write ${where}: it has ${why}, and this store does not declare capability ${capability}`,
        { adapter: store.adapter, field: capability },
      );
  };
  if (questions.length > 0) need('questions', `${questions.length} question(s)`);
  if (settings.length > 0) need('settings', `${settings.length} setting(s)`);
  if (messages.some((m) => m.clientKey !== null) || toolCalls.some((t) => t.clientKey !== null))
    need('idempotency', 'client keys');

  const bad = (field: string, problem: string) => {
    throw new AgentStorageError('INVALID_INPUT', `cannot write ${where}: ${field} ${problem}`, {
      adapter: store.adapter,
      field,
    });
  };
  const sessionOf = (rows: readonly { sessionId: string }[], name: string) =>
    rows.forEach((row, i) => {
      if (row.sessionId !== session.id) bad(`${name}[${i}].sessionId`, 'names another session');
    });
  sessionOf(messages, 'messages');
  sessionOf(toolCalls, 'toolCalls');
  sessionOf(questions, 'questions');
  sessionOf(settings, 'settings');
  const messageIds = new Set(messages.map((m) => m.id));
  toolCalls.forEach((t, i) => {
    if (t.messageId !== null && !messageIds.has(t.messageId))
      bad(`toolCalls[${i}].messageId`, `names message ${JSON.stringify(t.messageId)}, not in the session`);
  });
  const toolCallIds = new Set(toolCalls.map((t) => t.id));
  for (const [name, rows] of [
    ['questions', questions],
    ['settings', settings],
  ] as const)
    rows.forEach((row, i) => {
      if (row.toolCallId !== null && !toolCallIds.has(row.toolCallId))
        bad(
          `${name}[${i}].toolCallId`,
          `names tool call ${JSON.stringify(row.toolCallId)}, not in the session`,
        );
    });
  replayable(store, where, 'questions', questions.map(questionRow));
  replayable(store, where, 'settings', settings.map(settingRow));

  if (!checkValues) return;
  const ctx: ValidationContext = { adapter: store.adapter, clock: unixSeconds };
  const values = <T>(name: string, rows: readonly T[], check: (ctx: ValidationContext, row: T) => void) =>
    rows.forEach((row, i) => {
      try {
        check(ctx, row);
      } catch (e) {
        if (!isAgentStorageError(e, 'INVALID_INPUT')) throw e;
        const at = name === 'session' ? name : `${name}[${i}]`;
        bad(e.field === undefined ? at : `${at}.${e.field}`, `is refused: ${problemOf(e)}`);
      }
    });
  values('session', [session], checkRowValues.session);
  values('messages', messages, checkRowValues.message);
  values('toolCalls', toolCalls, checkRowValues.toolCall);
  values('questions', questions, checkRowValues.question);
  values('settings', settings, checkRowValues.setting);
}

/** A question as `replayOrder` sees it; answer and answeredAt come together, or it is refused. */
export const questionRow = (q: Question): KeyedRow & { consistent: boolean } => ({
  key: q.questionId,
  createdAt: q.createdAt,
  valued: q.answer !== null,
  pending: q.answer === null,
  consistent: (q.answer === null) === (q.answeredAt === null),
});

/**
 * A setting as `replayOrder` sees it. One with a value but no `updatedAt` was created with
 * its value: neither pending nor given one later. `updatedAt` without a value is refused.
 */
export const settingRow = (s: Setting): KeyedRow & { consistent: boolean } => ({
  key: s.settingKey,
  createdAt: s.createdAt,
  valued: s.settingValue !== null && s.updatedAt !== null,
  pending: s.settingValue === null,
  consistent: s.settingValue !== null || s.updatedAt === null,
});

/**
 * Refuses, as NOT_SUPPORTED, questions or settings whose values the contract's writes
 * cannot put back: a value without its time (or the reverse), or rows no creation order
 * can reproduce (see `replayOrder`). The contract's own calls never leave such a state;
 * a foreign import might, and it is refused rather than written wrong.
 */
function replayable(
  store: AgentStorage,
  where: string,
  list: 'questions' | 'settings',
  rows: readonly (KeyedRow & { consistent: boolean })[],
): void {
  const refuse = (field: string, problem: string) => {
    throw new AgentStorageError(
      'NOT_SUPPORTED',
      `cannot write ${where}: ${field} ${problem}, which the contract's writes cannot reproduce`,
      { adapter: store.adapter, field },
    );
  };
  const odd = rows.findIndex((row) => !row.consistent);
  if (odd >= 0) refuse(`${list}[${odd}]`, 'has a value without its time or a time without a value');
  if (replayOrder(rows) === null)
    refuse(list, 'hold a pending row that a later-created valued row with the same key must precede');
}
