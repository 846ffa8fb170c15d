import { describe, expect, it } from 'vitest';
import { MemoryAgentStorage } from '../src/adapters/memory.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { NewSession } from '../src/contract/types.js';

// The wording of INVALID_INPUT messages (the conformance suite checks codes and fields).
const session: NewSession = { agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' };

async function messageOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('INVALID_INPUT messages', () => {
  it('say what a record that is not plain is, with the right article', async () => {
    const store = new MemoryAgentStorage();
    expect(await messageOf(() => store.createSession(Object.create({ ...session })))).toBe(
      '[memory] INVALID_INPUT: createSession: input must be a plain object, got an object whose prototype is not Object.prototype',
    );
    expect(await messageOf(() => store.createSession(new Error('x') as never))).toMatch(
      /must be a plain object, got an Error$/,
    );
    expect(await messageOf(() => store.createSession(new Date(0) as never))).toMatch(
      /must be a plain object, got a Date$/,
    );
  });

  it('name the field a Proxy whose trap throws stands in, wherever it is, and carry what the trap threw', async () => {
    const store = new MemoryAgentStorage();
    const sessionId = await store.createSession(session);
    const thrown = new Error('trap');
    const trap = () => {
      throw thrown;
    };
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const refusal = (action: () => Promise<unknown>) =>
      action().then(
        () => 'resolved',
        (e: { code?: string; message?: string; cause?: unknown }) => [e.code, e.message, e.cause === thrown],
      );
    // A value, a list, a list's element, an option: INVALID_INPUT naming it, never the trap's own error.
    expect(
      await refusal(() =>
        store.createSession({ ...session, model: new Proxy({}, { getPrototypeOf: trap }) as never }),
      ),
    ).toEqual([
      'INVALID_INPUT',
      '[memory] INVALID_INPUT: createSession: model must be a string, got an object that could not be read',
      false,
    ]);
    expect(
      await refusal(() =>
        store.updateSession(sessionId, { status: 'failed' }, { expectedStatus: revoked.proxy as never }),
      ),
    ).toMatchObject(['INVALID_INPUT', expect.stringMatching(/: expectedStatus could not be read: /), false]);
    const message = { sessionId, role: 'user' as const, content: 'x' };
    expect(
      await refusal(() =>
        store.appendBatch({ messages: [message, new Proxy({ ...message }, { ownKeys: trap })] }),
      ),
    ).toEqual([
      'INVALID_INPUT',
      '[memory] INVALID_INPUT: appendBatch: messages[1] could not be read: trap',
      true,
    ]);
    // A trap that throws one of the kit's own errors is still the caller's input that could not be read.
    const posing = new Proxy(
      { ...session },
      {
        ownKeys: () => {
          throw new AgentStorageError('NOT_FOUND', 'posing', { adapter: 'trap' });
        },
      },
    );
    expect(await refusal(() => store.createSession(posing))).toEqual([
      'INVALID_INPUT',
      '[memory] INVALID_INPUT: createSession: input could not be read: [trap] NOT_FOUND: posing',
      false,
    ]);
    expect(await store.getMessages(sessionId)).toEqual([]);
  });

  it('abbreviate the path of JSON nested past the limit', async () => {
    const store = new MemoryAgentStorage();
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    const message = await messageOf(() => store.createSession({ ...session, config: deep as never }));
    expect(message).toBe(
      '[memory] INVALID_INPUT: createSession: config is not JSON: config[0][0][0][0][0]…(502 more)…[0][0][0][0][0] nests deeper than 512 levels',
    );
  });

  it('name a symbol key or a non-enumerable property of a record', async () => {
    const store = new MemoryAgentStorage();
    expect(await messageOf(() => store.createSession({ ...session, [Symbol('x')]: 1 } as NewSession))).toBe(
      '[memory] INVALID_INPUT: createSession: Symbol(x) is a symbol key, which a record cannot hold',
    );
    const hidden = { ...session };
    Object.defineProperty(hidden, 'note', { value: 1, enumerable: false });
    expect(await messageOf(() => store.createSession(hidden))).toBe(
      '[memory] INVALID_INPUT: createSession: note is a non-enumerable property, which a record cannot hold',
    );
  });

  it('name the clock when it throws, with its error as cause, and store its -0 as 0', async () => {
    const boom = new Error('no time');
    const broken = new MemoryAgentStorage({
      clock: () => {
        throw boom;
      },
    });
    const error = await broken.createSession(session).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'clock', cause: boom });
    expect((error as Error).message).toBe(
      '[memory] INVALID_INPUT: createSession: clock threw while supplying the omitted startedAt: no time',
    );
    const zero = new MemoryAgentStorage({ clock: () => -0 });
    const id = await zero.createSession(session);
    expect(Object.is((await zero.getSession(id))?.startedAt, 0)).toBe(true);
  });
});
