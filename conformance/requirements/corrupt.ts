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
