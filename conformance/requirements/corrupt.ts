import { MAX_JSON_DEPTH } from '../../src/contract/json.js';
import type { JsonValue } from '../../src/contract/types.js';
import { MAX_NAME_LENGTH } from '../../src/contract/validation.js';
import { check, fail, rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { InspectableTable, Requirement, RequirementContext } from '../types.js';

async function writeRaw(
  ctx: RequirementContext,
  table: InspectableTable,
  id: string,
  column: string,
  value: string | null,
): Promise<void> {
  const inspect = ctx.target.inspect;
  if (!inspect) fail('this requirement needs target.inspect');
  await inspect.writeRaw(ctx.store, table, id, column, value);
}

export const corruptRequirements: Requirement[] = [
  {
    id: 'corrupt.enum',
    title:
      'A stored status or role the contract does not know reads as CORRUPT_DATA naming table, row and column, never remapped',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const messageId = await ctx.store.createMessage(newMessage(sessionId));
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      await writeRaw(ctx, 'agent_sessions', sessionId, 'status', 'paused');
      await rejects(() => ctx.store.getSession(sessionId), 'CORRUPT_DATA', 'getSession with status paused', {
        field: 'status',
      });
      await expectNamed(() => ctx.store.getSession(sessionId), ['agent_sessions', sessionId, 'status']);
      await writeRaw(ctx, 'agent_messages', messageId, 'role', 'developer');
      await rejects(
        () => ctx.store.getMessages(sessionId),
        'CORRUPT_DATA',
        'getMessages with role developer',
        { field: 'role' },
      );
      await expectNamed(() => ctx.store.getMessages(sessionId), ['agent_messages', messageId, 'role']);
      await writeRaw(ctx, 'agent_tool_calls', callId, 'status', 'queued');
      await rejects(
        () => ctx.store.getToolCalls(sessionId),
        'CORRUPT_DATA',
        'getToolCalls with status queued',
        { field: 'status' },
      );
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', callId, 'status']);
    },
  },
  {
    id: 'corrupt.json',
    title: 'Stored JSON that does not parse reads as CORRUPT_DATA naming table, row and column',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      await writeRaw(ctx, 'agent_sessions', sessionId, 'config', '{"unterminated":');
      await rejects(() => ctx.store.getSession(sessionId), 'CORRUPT_DATA', 'getSession with broken config', {
        field: 'config',
      });
      await expectNamed(() => ctx.store.getSession(sessionId), ['agent_sessions', sessionId, 'config']);
      await writeRaw(ctx, 'agent_tool_calls', callId, 'request', 'not json');
      await rejects(
        () => ctx.store.getToolCalls(sessionId),
        'CORRUPT_DATA',
        'getToolCalls with broken request',
        { field: 'request' },
      );
      await rejects(
        () => ctx.store.getPendingToolCalls(sessionId),
        'CORRUPT_DATA',
        'getPendingToolCalls with broken request',
        { field: 'request' },
      );
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', callId, 'request']);
    },
  },
  {
    id: 'corrupt.null-config',
    title: "A config stored as SQL NULL or as the text 'null' (both written by nocodo) reads as JSON null",
    needs: ['inspect'],
    async run(ctx) {
      const a = await aSession(ctx, { config: { x: 1 } });
      const b = await aSession(ctx, { config: { x: 1 } });
      await writeRaw(ctx, 'agent_sessions', a, 'config', null);
      await writeRaw(ctx, 'agent_sessions', b, 'config', 'null');
      same((await ctx.store.getSession(a))?.config, null, 'config stored as NULL');
      same((await ctx.store.getSession(b))?.config, null, "config stored as 'null'");
    },
  },
  {
    id: 'corrupt.text',
    title:
      'Stored text holding U+0000 or a lone surrogate, which the contract refuses as input but a string holds, reads back as the backend stored it: whole, never cut at U+0000 (a backend that cannot store it refuses the raw write)',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const messageId = await ctx.store.createMessage(newMessage(sessionId));
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      const cells: [InspectableTable, string, string, () => Promise<unknown>][] = [
        [
          'agent_sessions',
          sessionId,
          'user_prompt',
          async () => (await ctx.store.getSession(sessionId))?.userPrompt,
        ],
        [
          'agent_messages',
          messageId,
          'content',
          async () => (await ctx.store.getMessages(sessionId))[0]?.content,
        ],
        [
          'agent_tool_calls',
          callId,
          'tool_name',
          async () => (await ctx.store.getToolCalls(sessionId))[0]?.toolName,
        ],
      ];
      for (const [table, id, column, read] of cells) {
        for (const [what, value, alike] of [
          // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what is looked for
          ['U+0000', 'a\u0000b', /^a\u0000b$/],
          // A driver that encodes UTF-8 stores U+FFFD in a lone surrogate's place (better-sqlite3
          // writes its three bytes, which read back as three).
          ['a lone surrogate', 'a\ud800b', /^a(\ud800|\ufffd+)b$/],
        ] as const) {
          // Postgres refuses U+0000 in text: nothing stored, nothing to read.
          const stored = await writeRaw(ctx, table, id, column, value).then(
            () => true,
            () => false,
          );
          if (!stored) continue;
          const back = await read();
          check(
            typeof back === 'string' && alike.test(back),
            `${table}.${column} holding ${what}: read back ${JSON.stringify(back)}, not what was stored`,
          );
        }
      }
    },
  },
  {
    id: 'corrupt.json-range',
    title:
      "Stored JSON that parses but that the contract cannot hold (a number past a double's range, nesting past 512 levels) reads as CORRUPT_DATA naming table, row and column, a keyed retry too; up to those limits it reads back",
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const keyed = ctx.store.capabilities.idempotency;
      const call = newToolCall(sessionId, keyed ? { clientKey: 'retry-me' } : {});
      const callId = await ctx.store.createToolCall(call);
      const other = await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: 'call_2' }));
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

      await writeRaw(ctx, 'agent_sessions', sessionId, 'config', '{"big":1e400}');
      await rejects(() => ctx.store.getSession(sessionId), 'CORRUPT_DATA', 'config holding 1e400', {
        field: 'config',
      });
      await expectNamed(() => ctx.store.getSession(sessionId), ['agent_sessions', sessionId, 'config']);

      await writeRaw(ctx, 'agent_tool_calls', callId, 'request', '{"sql":"SELECT 1","n":-2e308}');
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', callId, 'request']);
      await rejects(
        () => ctx.store.getPendingToolCalls(sessionId),
        'CORRUPT_DATA',
        'getPendingToolCalls with a request holding -2e308',
        { field: 'request' },
      );
      // A retry compares its request with the stored one, which cannot be encoded again.
      if (keyed)
        await rejects(
          () => ctx.store.createToolCall(call),
          'CORRUPT_DATA',
          'a keyed retry over a stored request holding -2e308',
          { field: 'request' },
        );
      await writeRaw(ctx, 'agent_tool_calls', callId, 'request', '{"sql":"SELECT 1"}');

      await writeRaw(ctx, 'agent_tool_calls', other, 'response', nested(MAX_JSON_DEPTH + 1));
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', other, 'response']);

      // The limits themselves read back.
      await writeRaw(ctx, 'agent_tool_calls', other, 'response', nested(MAX_JSON_DEPTH));
      let deepest: JsonValue = [];
      for (let i = 1; i < MAX_JSON_DEPTH; i++) deepest = [deepest];
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => c.response),
        [null, deepest],
        `a response nested ${MAX_JSON_DEPTH} levels`,
      );
      await writeRaw(
        ctx,
        'agent_sessions',
        sessionId,
        'config',
        '{"max":1.7976931348623157e308,"min":-1.7976931348623157e308,"big":1e300,"tiny":5e-324}',
      );
      same(
        (await ctx.store.getSession(sessionId))?.config,
        { max: Number.MAX_VALUE, min: -Number.MAX_VALUE, big: 1e300, tiny: 5e-324 },
        'a config holding the largest doubles',
      );
    },
  },
  {
    id: 'corrupt.representable',
    title:
      'Stored text the contract refuses as input but can represent (an empty or over-long name or key) reads back as stored, on every adapter',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const messageId = await ctx.store.createMessage(newMessage(sessionId));
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      const long = (c: string) => c.repeat(MAX_NAME_LENGTH + 100);
      await writeRaw(ctx, 'agent_sessions', sessionId, 'agent_name', '');
      await writeRaw(ctx, 'agent_sessions', sessionId, 'model', long('m'));
      await writeRaw(ctx, 'agent_messages', messageId, 'client_key', long('k'));
      await writeRaw(ctx, 'agent_tool_calls', callId, 'tool_name', '');
      await writeRaw(ctx, 'agent_tool_calls', callId, 'tool_call_id', long('c'));
      const session = await ctx.store.getSession(sessionId);
      same(
        [session?.agentName, session?.model],
        ['', long('m')],
        'an empty agentName and an over-long model',
      );
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => m.clientKey),
        [long('k')],
        'an over-long clientKey',
      );
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => [c.toolName, c.toolCallId]),
        [['', long('c')]],
        'an empty toolName and an over-long toolCallId',
      );
    },
  },
];

/** The CORRUPT_DATA message must let an operator find the row: table, row id and column. */
async function expectNamed(action: () => Promise<unknown>, parts: string[]): Promise<void> {
  try {
    await action();
  } catch (e) {
    const message = String((e as Error).message);
    for (const part of parts)
      check(message.includes(part), `CORRUPT_DATA message must name ${part}: ${message}`);
    return;
  }
  fail('expected CORRUPT_DATA');
}
