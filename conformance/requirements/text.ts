import { MAX_NAME_LENGTH } from '../../src/contract/validation.js';
import { rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

/** Strings every adapter must store in text fields and return unchanged. */
const TRICKY_TEXT: readonly [string, string][] = [
  ['empty', ''],
  ['astral', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀👩‍👩‍👧'],
  ['combining and RTL', 'e\u0301 \u05E9\u05DC\u05D5\u05DD \u202E'],
  ['quotes and SQL', `'); DROP TABLE agent_sessions; -- "\\`],
  ['whitespace', ' \t\r\n \u00A0\u2028\u2029 '],
  ['U+FFFF and U+FFFE', '\uFFFF\uFFFE'],
  ['a leading byte-order mark', '\uFEFFhello'],
  ['long', 'x'.repeat(1 << 20)],
];

/** Names and keys are capped at MAX_NAME_LENGTH: the tricky text, cut at a code point boundary. */
function name(prefix: string, text: string): string {
  return [...`${prefix}${text}`].slice(0, MAX_NAME_LENGTH / 2).join('');
}

export const textRequirements: Requirement[] = [
  {
    id: 'text.round-trip',
    title:
      'Text fields round-trip any well-formed Unicode without U+0000, including empty content and prompts',
    async run(ctx) {
      for (const [what, text] of TRICKY_TEXT) {
        const id = await ctx.store.createSession(
          newSession({
            agentName: name('a', text),
            systemPrompt: text,
            userPrompt: text,
            result: text,
            error: text,
          }),
        );
        const s = await ctx.store.getSession(id);
        same(
          [s?.agentName, s?.systemPrompt, s?.userPrompt, s?.result, s?.error],
          [name('a', text), text, text, text, text],
          `${what} text in a session`,
        );
        await ctx.store.createMessage(newMessage(id, { content: text }));
        same((await ctx.store.getMessages(id))[0]?.content, text, `${what} text as message content`);
        await ctx.store.createToolCall(
          newToolCall(id, { toolCallId: name('c', text), toolName: name('t', text), errorDetails: text }),
        );
        const c = (await ctx.store.getToolCalls(id))[0];
        same(
          [c?.toolCallId, c?.toolName, c?.errorDetails],
          [name('c', text), name('t', text), text],
          `${what} text in a tool call`,
        );
      }
    },
  },
  {
    id: 'text.reject-unrepresentable',
    title:
      'Text fields holding U+0000 or a lone surrogate reject with INVALID_INPUT naming the field on every adapter; nothing is written',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      for (const bad of ['a\u0000b', 'a\ud800b', '\udc00', 'x\ud83d']) {
        const label = JSON.stringify(bad);
        for (const field of [
          'agentName',
          'provider',
          'model',
          'systemPrompt',
          'userPrompt',
          'result',
          'error',
        ] as const) {
          await writesNothing(
            ctx,
            `${field} ${label}`,
            () =>
              rejects(
                () => ctx.store.createSession(newSession({ [field]: bad })),
                'INVALID_INPUT',
                `createSession ${field} = ${label}`,
                { field },
              ),
            visible,
          );
        }
        await writesNothing(
          ctx,
          `content ${label}`,
          () =>
            rejects(
              () => ctx.store.createMessage(newMessage(sessionId, { content: bad })),
              'INVALID_INPUT',
              `content = ${label}`,
              { field: 'content' },
            ),
          visible,
        );
        for (const field of ['toolCallId', 'toolName', 'errorDetails'] as const) {
          await writesNothing(
            ctx,
            `${field} ${label}`,
            () =>
              rejects(
                () => ctx.store.createToolCall(newToolCall(sessionId, { [field]: bad })),
                'INVALID_INPUT',
                `createToolCall ${field} = ${label}`,
                { field },
              ),
            visible,
          );
        }
        await writesNothing(
          ctx,
          `update result ${label}`,
          () =>
            rejects(
              () => ctx.store.updateSession(sessionId, { result: bad }),
              'INVALID_INPUT',
              `updateSession result = ${label}`,
              { field: 'result' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `update error ${label}`,
          () =>
            rejects(
              () => ctx.store.updateSession(sessionId, { status: 'failed', error: bad }),
              'INVALID_INPUT',
              `updateSession error = ${label}`,
              { field: 'error' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `update errorDetails ${label}`,
          () =>
            rejects(
              () => ctx.store.updateToolCall(callId, { errorDetails: bad }),
              'INVALID_INPUT',
              `updateToolCall errorDetails = ${label}`,
              { field: 'errorDetails' },
            ),
          visible,
        );
      }
    },
  },
];
