import { AgentStorageError } from '../../src/contract/errors.js';
import type { NewToolCall, SessionDeleteQuery } from '../../src/contract/types.js';
import { MAX_NAME_LENGTH } from '../../src/contract/validation.js';
import type { Mutant } from '../mutants.js';
import { everySession, like } from './classes.js';

/**
 * The classes of test/mutants/classes.ts on what a second independent audit found them
 * missing from: deleteSessions' filters and limits, the keys of answers and setting values,
 * the fields a keyed tool-call retry compares, a synchronous throw from an undeclared
 * capability, and text that loses a leading byte-order mark.
 */

const cut = (v: unknown) =>
  typeof v === 'string' && v.length > MAX_NAME_LENGTH ? v.slice(0, MAX_NAME_LENGTH) : v;

/** deleteSessions with one name filter compared loosely (the rest by the real store's listing). */
function looseDelete(
  field: 'agentName' | 'provider' | 'model',
  compare: (stored: string, wanted: string) => boolean,
): Mutant['break'] {
  return (inner) => ({
    async deleteSessions(query) {
      const wanted = query?.[field];
      if (typeof wanted !== 'string') return inner.deleteSessions(query);
      const { [field]: _loose, limit = 50, ...rest } = query;
      let deleted = 0;
      for (const s of await everySession(inner, rest)) {
        if (deleted >= limit) break;
        if (compare(s[field], wanted) && (await inner.deleteSession(s.id))) deleted++;
      }
      return deleted;
    },
  });
}

/** A keyed tool-call retry that compares `field` loosely: it is sent on with the first call's value. */
function looseRetry(
  field: 'toolCallId' | 'toolName',
  compare: (a: string, b: string) => boolean,
): Mutant['break'] {
  return (inner) => ({
    async createToolCall(input: NewToolCall) {
      if (typeof input?.clientKey === 'string' && typeof input[field] === 'string') {
        const prior = (await inner.getToolCalls(input.sessionId)).find(
          (c) => c.clientKey === input.clientKey,
        );
        if (prior && compare(prior[field], input[field]))
          return inner.createToolCall({ ...input, [field]: prior[field] });
      }
      return inner.createToolCall(input);
    },
  });
}

export const moreClassMutants: Mutant[] = [
  // ---------------------------------------------------------------- deleteSessions' filters as patterns
  {
    id: 'delete-agent-nocase',
    name: 'deleteSessions filters agentName with COLLATE NOCASE',
    caughtBy: ['delete.filter-exact'],
    break: looseDelete('agentName', (a, b) => a.toLowerCase() === b.toLowerCase()),
  },
  {
    id: 'delete-provider-like',
    name: 'deleteSessions filters provider with LIKE',
    caughtBy: ['delete.filter-exact'],
    break: looseDelete('provider', (stored, wanted) => like(stored, wanted)),
  },
  {
    id: 'delete-model-trimmed',
    name: 'deleteSessions compares model after trimming spaces',
    caughtBy: ['delete.filter-exact'],
    break: looseDelete('model', (a, b) => a.trim() === b.trim()),
  },
  // ---------------------------------------------------------------- deleteSessions' limits below their size
  {
    id: 'delete-default-unlimited',
    name: 'deleteSessions without a limit deletes up to 1000 sessions (the default is 50)',
    caughtBy: ['limits.delete-sessions'],
    break: (inner) => ({
      deleteSessions: (query) =>
        inner.deleteSessions(query && query.limit === undefined ? { ...query, limit: 1000 } : query),
    }),
  },
  {
    id: 'delete-limit-clamped',
    name: 'deleteSessions clamps a limit over 1000 to 1000 instead of refusing it',
    caughtBy: ['limits.delete-sessions'],
    break: (inner) => ({
      deleteSessions: (query) =>
        inner.deleteSessions(
          typeof query?.limit === 'number' && query.limit > 1000 ? { ...query, limit: 1000 } : query,
        ),
    }),
  },
  // ---------------------------------------------------------------- length rules of the keys left
  {
    id: 'delete-filter-length-unchecked',
    name: 'a deleteSessions name filter over 512 units is cut to 512 instead of refused',
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      deleteSessions: (query) =>
        inner.deleteSessions(
          query && typeof query === 'object'
            ? ({
                ...query,
                agentName: cut(query.agentName),
                provider: cut(query.provider),
                model: cut(query.model),
              } as SessionDeleteQuery)
            : query,
        ),
    }),
  },
  {
    id: 'answer-key-truncated',
    name: "an answer's questionId over 512 units is cut to 512 instead of refused",
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      answerQuestions: (sessionId, answers) =>
        inner.answerQuestions(
          sessionId,
          Array.isArray(answers)
            ? answers.map((a) => ({ ...a, questionId: cut(a?.questionId) as string }))
            : answers,
        ),
    }),
  },
  {
    id: 'setting-value-key-truncated',
    name: "a setting value's settingKey over 512 units is cut to 512 instead of refused",
    caughtBy: ['input.name-length'],
    break: (inner) => ({
      setSettingValues: (sessionId, values) =>
        inner.setSettingValues(
          sessionId,
          Array.isArray(values)
            ? values.map((v) => ({ ...v, settingKey: cut(v?.settingKey) as string }))
            : values,
        ),
    }),
  },
  // ---------------------------------------------------------------- what a keyed retry compares
  {
    id: 'retry-toolcallid-nocase',
    name: 'a keyed tool-call retry compares toolCallId case-insensitively',
    caughtBy: ['idempotency.toolcall'],
    break: looseRetry('toolCallId', (a, b) => a.toLowerCase() === b.toLowerCase()),
  },
  {
    id: 'retry-toolname-nfc',
    name: 'a keyed tool-call retry compares toolName after Unicode normalisation',
    caughtBy: ['idempotency.toolcall'],
    break: looseRetry('toolName', (a, b) => a.normalize('NFC') === b.normalize('NFC')),
  },
  // ---------------------------------------------------------------- a synchronous throw, a lost mark
  {
    id: 'undeclared-sync-throw',
    name: 'questions undeclared, and its operations throw NOT_SUPPORTED synchronously',
    caughtBy: ['capabilities.undeclared'],
    break: (inner) => {
      const refuse = () => {
        throw new AgentStorageError('NOT_SUPPORTED', 'questions are not supported', { adapter: 'memory' });
      };
      return {
        capabilities: { ...inner.capabilities, questions: false },
        createQuestions: refuse,
        getQuestions: refuse,
        getPendingQuestions: refuse,
        answerQuestions: refuse,
      };
    },
  },
  {
    id: 'leading-bom-dropped',
    name: 'message content and prompts read back without a leading U+FEFF (a decoder that strips a byte-order mark)',
    caughtBy: ['text.round-trip'],
    break: (inner) => {
      const strip = (t: string | null) => (t === null ? t : t.replace(/^\uFEFF/, ''));
      return {
        async getMessages(id) {
          return (await inner.getMessages(id)).map((m) => ({ ...m, content: strip(m.content) as string }));
        },
        async getSession(id) {
          const s = await inner.getSession(id);
          return (
            s && { ...s, userPrompt: strip(s.userPrompt) as string, systemPrompt: strip(s.systemPrompt) }
          );
        },
      };
    },
  },
];
