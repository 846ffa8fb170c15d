import { seededRandom } from '../../conformance/seeded-random.js';
import type { AgentStorage } from '../contract/storage.js';
import type { BatchToolCall, NewMessage, SessionStatus } from '../contract/types.js';

/**
 * Realistic agent runs, generated deterministically from a seed: nocodo's SQLite reader agent
 * and a few others asking questions of a database, calling tools, sometimes failing, sometimes
 * waiting for the user. For demos, the CLI's snapshot tests, and the copy test's 10,000-session
 * store (`npm run generate`).
 */

const AGENTS = [
  { agentName: 'sqlite-reader', provider: 'anthropic', model: 'claude-sonnet-4-5' },
  { agentName: 'sqlite-reader', provider: 'openai', model: 'gpt-5' },
  { agentName: 'codebase-analysis', provider: 'anthropic', model: 'claude-haiku-4-5' },
  { agentName: 'structured-json', provider: 'zai', model: 'glm-4.6' },
] as const;

const QUESTIONS = [
  [
    'How many users signed up last week?',
    'SELECT COUNT(*) AS n FROM users WHERE created_at >= ?',
    '{"n": 412}',
  ],
  [
    'Which tables hold orders?',
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
    '[{"name": "orders"}, {"name": "order_items"}]',
  ],
  ['What is the average basket size?', 'SELECT AVG(total) AS avg FROM orders', '{"avg": 37.25}'],
  [
    'List the five largest customers',
    'SELECT customer_id, SUM(total) AS t FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 5',
    '[{"customer_id": 7, "t": 9120.5}]',
  ],
] as const;

const STATUSES: SessionStatus[] = [
  'completed',
  'completed',
  'completed',
  'failed',
  'running',
  'waiting_for_user_input',
];

/** Records `count` runs into `store`, starting at `start` (Unix seconds) a few minutes apart; returns their ids. */
export async function recordSampleRuns(
  store: AgentStorage,
  options: { count: number; seed?: number; start?: number; onSession?: (done: number) => void },
): Promise<string[]> {
  const next = seededRandom(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  let at = options.start ?? 1_767_225_600; // 2026-01-01T00:00:00Z
  const ids: string[] = [];
  for (let i = 0; i < options.count; i++) {
    at += 60 + Math.floor(next() * 600);
    const agent = pick(AGENTS);
    const [question, sql, rows] = pick(QUESTIONS);
    const status = pick(STATUSES);
    const sessionId = await store.createSession({
      ...agent,
      systemPrompt: 'You are a careful analyst. Use the sqlite_query tool; never guess numbers.',
      userPrompt: question,
      config: { temperature: 0, maxTurns: 8, tools: ['sqlite_query'] },
      startedAt: at,
    });
    const turns = 1 + Math.floor(next() * 3);
    let t = at;
    const messages: NewMessage[] = [{ sessionId, role: 'user', content: question, createdAt: t }];
    const toolCalls: BatchToolCall[] = [];
    for (let turn = 0; turn < turns; turn++) {
      t += 1 + Math.floor(next() * 4);
      messages.push({
        sessionId,
        role: 'assistant' as const,
        content: turn === 0 ? 'Let me look at the schema first.' : 'Running the query.',
        createdAt: t,
      });
      const failed = status === 'failed' && turn === turns - 1;
      toolCalls.push({
        sessionId,
        messageIndex: messages.length - 1,
        toolCallId: `toolu_${i}_${turn}`,
        toolName: 'sqlite_query',
        request: { sql, params: turn === 0 ? [] : ['2026-01-01'] },
        response: failed ? null : JSON.parse(rows),
        status: failed ? ('failed' as const) : ('completed' as const),
        executionTimeMs: 2 + Math.floor(next() * 400),
        createdAt: t,
        completedAt: t + 1,
        errorDetails: failed ? 'SQLITE_ERROR: no such column: created_at' : null,
      });
      t += 1;
      messages.push({
        sessionId,
        role: 'tool' as const,
        content: failed ? 'error: no such column: created_at' : rows,
        createdAt: t,
      });
    }
    if (status === 'completed')
      messages.push({ sessionId, role: 'assistant' as const, content: `Answer: ${rows}`, createdAt: t + 1 });
    await store.appendBatch({ messages, toolCalls });
    if (status === 'waiting_for_user_input' && store.capabilities.questions) {
      await store.createQuestions(sessionId, [
        {
          questionId: 'date_range',
          question: 'Which date range should I use?',
          responseType: 'text',
          createdAt: t + 1,
        },
      ]);
    }
    if (i % 5 === 0 && store.capabilities.settings) {
      await store.createSettings(sessionId, [
        { settingKey: 'db_path', settingName: 'Database path', settingType: 'path', createdAt: t + 1 },
      ]);
      await store.setSettingValues(sessionId, [
        { settingKey: 'db_path', value: './shop.db', updatedAt: t + 2 },
      ]);
    }
    if (status === 'completed' || status === 'failed') {
      await store.updateSession(sessionId, {
        status,
        endedAt: t + 2,
        ...(status === 'completed'
          ? { result: `Answer: ${rows}` }
          : { error: 'the query failed twice; giving up' }),
      });
    } else if (status !== 'running') await store.updateSession(sessionId, { status });
    ids.push(sessionId);
    options.onSession?.(i + 1);
  }
  return ids;
}
