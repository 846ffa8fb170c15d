import { type AgentStorage, ALL_CAPABILITIES, type OptionalCapability } from '../../src/contract/storage.js';
import { fail, rejects } from '../expect.js';
import { aSession, newMessage } from '../fixtures.js';
import type { Requirement } from '../types.js';

/**
 * Operations of each optional capability, called with plausible arguments; thunks, so each
 * call starts only when the requirement awaits it (a rejection is never left unhandled).
 */
const OPERATIONS: Record<
  OptionalCapability,
  (s: AgentStorage, sessionId: string) => (() => Promise<unknown>)[]
> = {
  listSessions: (s) => [() => s.listSessions({})],
  paging: (s, id) => [
    () => s.getMessagesPage(id),
    () => s.getToolCallsPage(id),
    () => s.countMessages(id),
    () => s.countToolCalls(id),
  ],
  deleteSession: (s, id) => [() => s.deleteSession(id), () => s.deleteSessions({ startedBefore: 0 })],
  batch: (s, id) => [() => s.appendBatch({ messages: [newMessage(id)] })],
  idempotency: (s, id) => [() => s.createMessage(newMessage(id, { clientKey: 'k' }))],
  conditionalUpdate: (s, id) => [
    () => s.updateSession(id, { status: 'failed' }, { expectedStatus: 'running' }),
  ],
  questions: (s, id) => [
    () => s.createQuestions(id, []),
    () => s.getQuestions(id),
    () => s.getPendingQuestions(id),
    () => s.answerQuestions(id, []),
  ],
  settings: (s, id) => [
    () => s.createSettings(id, []),
    () => s.getSettings(id),
    () => s.getPendingSettings(id),
    () => s.setSettingValues(id, []),
  ],
};

export const capabilityRequirements: Requirement[] = [
  {
    id: 'capabilities.undeclared',
    title:
      'Every operation of a capability the adapter does not declare returns a promise that rejects with NOT_SUPPORTED (it never throws synchronously)',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      for (const capability of Object.keys(ALL_CAPABILITIES) as OptionalCapability[]) {
        if (ctx.store.capabilities[capability] === true) continue;
        for (const [i, call] of OPERATIONS[capability](ctx.store, sessionId).entries()) {
          const what = `${capability} operation #${i + 1}, undeclared`;
          // Called outside `rejects`, which awaits in a try: a synchronous throw must fail here.
          let result: Promise<unknown>;
          try {
            result = call();
          } catch (e) {
            fail(
              `${what} threw synchronously (${e instanceof Error ? e.message : String(e)}): it must return a promise and reject it`,
            );
          }
          await rejects(() => result, 'NOT_SUPPORTED', what);
        }
      }
    },
  },
];
