import { describe, expect, it } from 'vitest';
import { SCHEMA } from '../src/core/schema.js';
import { postgresDialect } from '../src/dialects/postgres.js';
import { sqliteDialect } from '../src/dialects/sqlite.js';
import { type Statement, statements, updateParams } from '../src/sql/statements.js';

// The SQL port binds most statements by name (`Statement.bind`, compiled per statement) and an
// update's by position (`updateParams`): both must give each placeholder its own field's value.
const dialects = { sqlite: sqliteDialect.syntax, postgres: postgresDialect('s').syntax };

/** What binding by name means, written the slow, obvious way. */
const byName = (st: Statement, values: Record<string, unknown>) => st.names.map((n) => values[n] ?? null);

/** Every subset of `fields`, in their order. */
const subsets = (fields: readonly string[]) =>
  Array.from({ length: 2 ** fields.length }, (_, mask) => fields.filter((_, i) => mask & (1 << i)));

describe.each(Object.entries(dialects))('%s statements', (_, syntax) => {
  const st = statements(syntax);

  it("bind gives each placeholder its field's value, NULL for a missing one", () => {
    const values = { sessionId: '7', role: 'user', content: 'hi', createdAt: 12, clientKey: undefined };
    expect(st.insertMessage.bind(values)).toEqual(byName(st.insertMessage, values));
    expect(st.insertMessage.bind(values)).toContain('hi');
    expect(st.insertMessage.bind(values)).toContain(null);
    const call = {
      sessionId: '1',
      messageId: '2',
      toolCallId: 't',
      toolName: 'n',
      request: '{}',
      createdAt: 3,
    };
    expect(st.insertToolCall.bind(call)).toEqual(byName(st.insertToolCall, call));
  });

  it.each([
    ['toolCalls', ['status', 'response', 'executionTimeMs', 'completedAt', 'errorDetails']],
    ['sessions', ['status', 'endedAt', 'result', 'error']],
  ] as const)('updateParams lines up with every %s update statement', (table, mutable) => {
    for (const fields of subsets(mutable)) {
      for (const statuses of table === 'sessions' ? [[], ['running'], ['running', 'failed']] : [[]]) {
        const update = { fields, values: fields.map((f, i) => `${f}-${i}`) };
        const statement = st.update(SCHEMA[table], fields, statuses.length);
        const named: Record<string, unknown> = { id: '42' };
        fields.forEach((f, i) => {
          named[f] = update.values[i];
        });
        statuses.forEach((s, i) => {
          named[`status${i}`] = s;
        });
        expect(updateParams(update, '42', statuses.length > 0 ? statuses : null)).toEqual(
          byName(statement, named),
        );
        // The walk to a statement finds the one it made before.
        expect(st.update(SCHEMA[table], fields, statuses.length)).toBe(statement);
      }
    }
  });
});
