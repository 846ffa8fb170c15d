import { memoryTables } from '../../src/adapters/memory.js';
import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { NewMessage, NewToolCall, Session, SessionQuery } from '../../src/contract/types.js';
import { MAX_NAME_LENGTH } from '../../src/contract/validation.js';
import type { Mutant } from '../mutants.js';

/**
 * Mutants of the classes an independent set of broken adapters found the suite blind to:
 * keys compared loosely, filters as patterns, limits checked below their size, rules that
 * only random runs used to reach, and a synchronous throw. Each breaks one documented rule
 * the way a real adapter would (a `COLLATE NOCASE` column, a `LIKE` filter, a cap on rows).
 */

const fold = (s: string) => s.normalize('NFC').toLowerCase();
const trim = (s: string) => s.trim();
const nfc = (s: string) => s.normalize('NFC');
/** What SQL's LIKE does with `pattern` against `value` (no escape character). */
export function like(value: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, 'si').test(value);
}

const tables = (inner: AgentStorage) => memoryTables(inner as never);

/** A create that dedupes on a loosely compared clientKey: returns the look-alike's id. */
function looseMessageKey(compare: (a: string, b: string) => boolean): Mutant['break'] {
  return (inner) => ({
    async createMessage(input: NewMessage) {
      const key = input?.clientKey;
      if (typeof key === 'string') {
        for (const row of tables(inner).agent_messages.values()) {
          if (
            row.session_id === input.sessionId &&
            typeof row.client_key === 'string' &&
            compare(row.client_key, key)
          )
            return row.id;
        }
      }
      return inner.createMessage(input);
    },
  });
}

function looseCallKey(compare: (a: string, b: string) => boolean): Mutant['break'] {
  return (inner) => ({
    async createToolCall(input: NewToolCall) {
      const key = input?.clientKey;
      if (typeof key === 'string') {
        for (const row of tables(inner).agent_tool_calls.values()) {
          if (
            row.session_id === input.sessionId &&
            typeof row.client_key === 'string' &&
            compare(row.client_key, key)
          )
            return row.id;
        }
      }
      return inner.createToolCall(input);
    },
  });
}

/** Answers (values) also go to pending rows whose key matches loosely. */
function looseAnswers(
  table: 'project_requirements_qna' | 'project_settings',
  compare: (a: string, b: string) => boolean,
): Mutant['break'] {
  const [keyColumn, valueColumn] =
    table === 'project_requirements_qna' ? ['question_id', 'answer'] : ['setting_key', 'setting_value'];
  const op = table === 'project_requirements_qna' ? 'answerQuestions' : 'setSettingValues';
  return (inner) => ({
    async [op](
      sessionId: string,
      items: { questionId?: string; settingKey?: string; answer?: string; value?: string }[],
    ) {
      await (inner as unknown as Record<string, (s: string, i: unknown) => Promise<void>>)[op]?.(
        sessionId,
        items,
      );
      for (const item of items) {
        const key = (item.questionId ?? item.settingKey) as string;
        for (const row of tables(inner)[table].values() as Iterable<Record<string, unknown>>) {
          if (
            row.session_id === sessionId &&
            row[valueColumn] === null &&
            compare(row[keyColumn] as string, key)
          )
            row[valueColumn] = item.answer ?? item.value;
        }
      }
    },
  });
}

/** listSessions with one filter applied loosely (the rest by the real store). */
function looseFilter(
  field: 'agentName' | 'provider' | 'model',
  compare: (stored: string, wanted: string) => boolean,
): Mutant['break'] {
  return (inner) => ({
    async listSessions(query?: SessionQuery) {
      const wanted = query?.[field];
      if (typeof wanted !== 'string') return inner.listSessions(query);
      const { [field]: _loose, limit, cursor: _c, ...rest } = query as SessionQuery & Record<string, unknown>;
      const all = await everySession(inner, rest);
      return { items: all.filter((s) => compare(s[field], wanted)).slice(0, limit ?? 50), nextCursor: null };
    },
  });
}

/** Every session matching `query` (listSessions' filters), all pages. */
export async function everySession(
  inner: AgentStorage,
  query: Omit<SessionQuery, 'limit' | 'cursor'>,
): Promise<Session[]> {
  const all: Session[] = [];
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await inner.listSessions({ ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    more = cursor !== undefined;
  }
  return all;
}

/** Over-long values cut to the limit instead of refused. */
function truncates(op: 'createSession' | 'createToolCall' | 'createMessage', field: string): Mutant['break'] {
  return (inner) => ({
    async [op](input: Record<string, unknown>) {
      const v = input?.[field];
      const cut =
        typeof v === 'string' && v.length > MAX_NAME_LENGTH
          ? { ...input, [field]: v.slice(0, MAX_NAME_LENGTH) }
          : input;
      return (inner as unknown as Record<string, (i: unknown) => Promise<string>>)[op]?.(cut);
    },
  });
}

export const classMutants: Mutant[] = [
  // ---------------------------------------------------------------- keys compared loosely
  {
    id: 'message-key-nocase',
    name: 'message clientKey compared case-insensitively (COLLATE NOCASE)',
    caughtBy: ['keys.client-keys'],
    break: looseMessageKey((a, b) => a.toLowerCase() === b.toLowerCase()),
  },
  {
    id: 'message-key-like',
    name: 'message clientKey looked up with LIKE',
    caughtBy: ['keys.client-keys'],
    break: looseMessageKey((stored, key) => like(stored, key)),
  },
  {
    id: 'call-key-nfc',
    name: 'tool-call clientKey normalised to NFC before comparing',
    caughtBy: ['keys.client-keys'],
    break: looseCallKey((a, b) => nfc(a) === nfc(b)),
  },
  {
    id: 'call-key-trimmed',
    name: 'tool-call clientKey trimmed before comparing',
    caughtBy: ['keys.client-keys'],
    break: looseCallKey((a, b) => trim(a) === trim(b)),
  },
  {
    id: 'question-id-nocase',
    name: 'an answer also goes to questions whose id differs only in case',
    caughtBy: ['keys.question-ids'],
    break: looseAnswers('project_requirements_qna', (a, b) => fold(a) === fold(b)),
  },
  {
    id: 'question-id-trimmed',
    name: 'an answer also goes to questions whose id differs only in surrounding spaces',
    caughtBy: ['keys.question-ids'],
    break: looseAnswers('project_requirements_qna', (a, b) => trim(a) === trim(b)),
  },
  {
    id: 'setting-key-like',
    name: 'a value goes to settings whose key matches it as a LIKE pattern',
    caughtBy: ['keys.setting-keys'],
    break: looseAnswers('project_settings', (stored, key) => like(stored, key)),
  },
  {
    id: 'setting-key-nfc',
    name: 'a value also goes to settings whose key differs only in normalisation form',
    caughtBy: ['keys.setting-keys'],
    break: looseAnswers('project_settings', (a, b) => nfc(a) === nfc(b)),
  },
  // ---------------------------------------------------------------- filters as patterns
  {
    id: 'agent-filter-like',
    name: 'listSessions filters agentName with LIKE',
    caughtBy: ['list.filter-exact'],
    break: looseFilter('agentName', (stored, wanted) => like(stored, wanted)),
  },
  {
    id: 'provider-filter-nocase',
    name: 'listSessions filters provider with COLLATE NOCASE',
    caughtBy: ['list.filter-exact'],
    break: looseFilter('provider', (stored, wanted) => stored.toLowerCase() === wanted.toLowerCase()),
  },
  {
    id: 'model-filter-trimmed',
    name: 'listSessions compares model after trimming spaces',
    caughtBy: ['list.filter-exact'],
    break: looseFilter('model', (stored, wanted) => trim(stored) === trim(wanted)),
  },
  {
    id: 'agent-filter-nfc',
    name: 'listSessions compares agentName after Unicode normalisation',
    caughtBy: ['list.filter-exact'],
    break: looseFilter('agentName', (stored, wanted) => nfc(stored) === nfc(wanted)),
  },
  // ---------------------------------------------------------------- limits below their size
  {
    id: 'list-unlimited',
    name: 'listSessions without a limit returns every session',
    caughtBy: ['limits.list-sessions'],
    break: (inner) => ({
      async listSessions(query) {
        if (query?.limit !== undefined) return inner.listSessions(query);
        const page = await inner.listSessions({ ...query, limit: 1000 });
        return page;
      },
    }),
  },
  {
    id: 'list-max-clamped',
    name: 'listSessions clamps a limit over 1000 to 1000 instead of refusing it',
    caughtBy: ['limits.list-sessions'],
    break: (inner) => ({
      async listSessions(query) {
        return inner.listSessions(
          typeof query?.limit === 'number' && query.limit > 1000 ? { ...query, limit: 1000 } : query,
        );
      },
    }),
  },
  {
    id: 'messages-page-default-100',
    name: 'getMessagesPage defaults to 100 rows',
    caughtBy: ['limits.pages'],
    break: (inner) => ({
      async getMessagesPage(sessionId, query) {
        return inner.getMessagesPage(
          sessionId,
          query?.limit === undefined ? { ...query, limit: 100 } : query,
        );
      },
    }),
  },
  {
    id: 'calls-page-max-500',
    name: 'getToolCallsPage returns at most 500 rows whatever the limit',
    caughtBy: ['limits.pages'],
    break: (inner) => ({
      async getToolCallsPage(sessionId, query) {
        return inner.getToolCallsPage(
          sessionId,
          typeof query?.limit === 'number' && query.limit > 500 ? { ...query, limit: 500 } : query,
        );
      },
    }),
  },
  // ---------------------------------------------------------------- every key's length rule
  {
    id: 'agent-name-truncated',
    name: 'an agentName over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createSession', 'agentName'),
  },
  {
    id: 'tool-call-id-truncated',
    name: 'a toolCallId over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createToolCall', 'toolCallId'),
  },
  {
    id: 'client-key-truncated',
    name: 'a message clientKey over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createMessage', 'clientKey'),
  },
  {
    id: 'provider-truncated',
    name: 'a provider over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createSession', 'provider'),
  },
  {
    id: 'model-truncated',
    name: 'a model over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createSession', 'model'),
  },
  {
    id: 'tool-name-truncated',
    name: 'a toolName over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createToolCall', 'toolName'),
  },
  {
    id: 'call-key-truncated',
    name: 'a tool-call clientKey over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: truncates('createToolCall', 'clientKey'),
  },
  {
    id: 'filter-length-unchecked',
    name: 'a listSessions name filter over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      async listSessions(query) {
        const cut = (v: unknown) =>
          typeof v === 'string' && v.length > MAX_NAME_LENGTH ? v.slice(0, MAX_NAME_LENGTH) : v;
        return inner.listSessions(
          query && typeof query === 'object'
            ? ({
                ...query,
                agentName: cut(query.agentName),
                provider: cut(query.provider),
                model: cut(query.model),
              } as SessionQuery)
            : query,
        );
      },
    }),
  },
  {
    id: 'question-id-truncated',
    name: 'a questionId over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      async createQuestions(sessionId, questions) {
        return inner.createQuestions(
          sessionId,
          questions.map((q) =>
            q.questionId?.length > 512 ? { ...q, questionId: q.questionId.slice(0, 512) } : q,
          ),
        );
      },
    }),
  },
  {
    id: 'setting-key-limit-256',
    name: 'a settingKey over 256 units refused (the limit is 512)',
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      async createSettings(sessionId, settings) {
        if (settings.some((s) => s.settingKey?.length > 256)) {
          throw new AgentStorageError('INVALID_INPUT', 'createSettings: settings[0].settingKey too long', {
            adapter: 'memory',
            field: 'settings[0].settingKey',
          });
        }
        return inner.createSettings(sessionId, settings);
      },
    }),
  },
  // ---------------------------------------------------------------- rules random runs used to reach
  {
    id: 'question-ties-desc',
    name: 'questions with tied createdAt listed newest first',
    caughtBy: ['questions.qna'],
    break: (inner) => ({
      async getQuestions(sessionId) {
        return (await inner.getQuestions(sessionId)).sort(
          (a, b) => a.createdAt - b.createdAt || Number(b.id) - Number(a.id),
        );
      },
    }),
  },
  {
    id: 'retry-ignores-message-id',
    name: 'a tool-call retry with another messageId returns the first id',
    caughtBy: ['idempotency.toolcall'],
    break: (inner) => ({
      async createToolCall(input) {
        try {
          return await inner.createToolCall(input);
        } catch (e) {
          if (!(e instanceof AgentStorageError && e.code === 'CONFLICT')) throw e;
          for (const row of tables(inner).agent_tool_calls.values()) {
            if (
              row.session_id === input.sessionId &&
              row.client_key === input.clientKey &&
              row.tool_name === input.toolName
            )
              return row.id;
          }
          throw e;
        }
      },
    }),
  },
  {
    id: 'null-client-key-is-a-key',
    name: 'an explicit clientKey: null dedupes like a key',
    caughtBy: ['idempotency.message'],
    break: (inner) => ({
      async createMessage(input) {
        if (input?.clientKey !== null) return inner.createMessage(input);
        for (const row of tables(inner).agent_messages.values()) {
          if (row.session_id === input.sessionId && row.content === input.content && row.client_key === null)
            return row.id;
        }
        return inner.createMessage(input);
      },
    }),
  },
  {
    id: 'update-error-unchecked',
    name: "updateSession's error field made storable (U+0000 cut, lone surrogates replaced) instead of refused",
    caughtBy: ['text.reject-unrepresentable'],
    break: (inner) => ({
      async updateSession(id, update, options) {
        const error = update?.error;
        if (typeof error !== 'string') return inner.updateSession(id, update, options);
        const storable = (error.split('\u0000')[0] as string).toWellFormed();
        return inner.updateSession(id, { ...update, error: storable }, options);
      },
    }),
  },
  {
    id: 'reanswer-ignored',
    name: 'answering a question again changes nothing',
    caughtBy: ['questions.qna'],
    break: (inner) => ({
      async answerQuestions(sessionId, answers) {
        const pending = new Set((await inner.getPendingQuestions(sessionId)).map((q) => q.questionId));
        const fresh = answers.filter((a) => pending.has(a.questionId));
        if (fresh.length === answers.length) return inner.answerQuestions(sessionId, answers);
        await inner.getQuestions(sessionId);
        if (fresh.length > 0) await inner.answerQuestions(sessionId, fresh);
      },
    }),
  },
  // ---------------------------------------------------------------- a synchronous throw
  {
    id: 'sync-throw',
    name: 'getSession throws synchronously for a non-string id',
    caughtBy: ['errors.async'],
    break: (inner) => ({
      getSession(id: string) {
        if (typeof id !== 'string') {
          throw new AgentStorageError('INVALID_INPUT', 'getSession: id must be a string', {
            adapter: 'memory',
            field: 'id',
          });
        }
        return inner.getSession(id);
      },
    }),
  },
];
