import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';
import { createStorage } from '../src/create-storage.js';

// The whole suite, model-based and interleaving requirements included, on PostgreSQL in this process.
describeConformance(pgliteTarget());

describe('pglite URLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-storage-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pglite: is a private in-memory database; pglite:<folder> keeps its data across reopening', async () => {
    const memory = await createStorage('pglite:');
    expect(memory.adapter).toBe('pglite');
    expect(memory.capabilities.persistent).toBe(false);
    await memory.close();

    const url = `pglite:${join(dir, 'data')}?schema=agents`;
    const first = await createStorage(url);
    expect(first.capabilities.persistent).toBe(true);
    const id = await first.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'hello' });
    await first.createMessage({ sessionId: id, role: 'user', content: 'kept' });
    await first.close();

    const again = await createStorage(url);
    expect((await again.getMessages(id)).map((m) => m.content)).toEqual(['kept']);
    await again.close();
  });

  it('refuses query parameters and options it does not know, naming them', async () => {
    await expect(createStorage('pglite:?shema=x')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'url',
    });
    await expect(createStorage('pglite:', { busyTimeoutMs: 5 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'busyTimeoutMs',
    });
  });
});
