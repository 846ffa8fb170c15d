import { describe, expect, it } from 'vitest';
import { MemoryAgentStorage } from '../src/adapters/memory.js';
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
