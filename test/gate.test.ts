import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Gate, gateFor } from '../src/core/gate.js';

// The per-file gate every store on one database shares in this process.

describe('gateFor', () => {
  it('gives every store on one file the same gate while one holds it, and another file another', () => {
    const held = gateFor('/tmp/gate-a.db');
    expect(gateFor('/tmp/gate-a.db')).toBe(held);
    expect(gateFor('/tmp/gate-b.db')).not.toBe(held);
    expect(gateFor(undefined)).not.toBe(gateFor(undefined));
  });

  it('keeps no gate for a file once no store holds it (a database per tenant must not grow the process)', () => {
    // In a process with gc exposed: a gate nothing holds is collected, and its entry goes.
    const dir = mkdtempSync(join(tmpdir(), 'agent-storage-gate-'));
    const script = join(dir, 'gates.mts');
    const gate = pathToFileURL(join(import.meta.dirname, '..', 'src', 'core', 'gate.ts')).href;
    writeFileSync(
      script,
      `import { gateFor } from ${JSON.stringify(gate)};
      const open = () => Array.from({ length: 100 }, (_, i) => new WeakRef(gateFor('/tmp/tenant-' + i + '.db')));
      const refs = open();
      // A WeakRef keeps its target until the turn that made it ends: collect after it.
      await new Promise((resolve) => setTimeout(resolve, 10));
      // (No deref() before a gc(): it keeps its target to the end of the turn too.)
      for (let i = 0; i < 3; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(refs.filter((r) => r.deref() !== undefined).length);`,
    );
    try {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
      });
      expect(out.trim()).toBe('0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Gate', () => {
  it('runs calls in the order they are made: a shared call waiting on an exclusive one runs before the exclusive call made when it ends', async () => {
    const gate = new Gate();
    const order: string[] = [];
    const first = gate.exclusive(async () => {
      order.push('E1');
    });
    const shared = gate.shared(() => {
      order.push('S');
    });
    // Made in the turn the first one settles in: the shared call, made before, must still go first.
    const second = first.then(() =>
      gate.exclusive(async () => {
        order.push('E2');
      }),
    );
    await Promise.all([first, shared, second]);
    expect(order).toEqual(['E1', 'S', 'E2']);
  });
});
