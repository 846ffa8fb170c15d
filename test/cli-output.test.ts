import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.js';
import { recordSampleRuns } from '../src/cli/sample-runs.js';
import { columnsOf } from '../src/cli/style.js';
import type { JsonValue } from '../src/contract/types.js';
import { createStorage } from '../src/create-storage.js';
import { fakeIo } from './helpers/cli-io.js';

// What `sessions` and `show` print, pinned by snapshots: on a terminal (colour, cut to its
// width) and piped (plain and whole), over a store of the sample runs (fixed seed and times).

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cli-output-'));
const url = `sqlite:${join(dir, 'runs.db')}`;
let ids: string[] = [];
let hostile = '';

beforeAll(async () => {
  const store = await createStorage(url);
  ids = await recordSampleRuns(store, { count: 8, seed: 7 });
  // Stored text that must never drive the terminal: escape sequences, a carriage return.
  hostile = await store.createSession({
    agentName: 'evil\u001b[2Jagent',
    provider: 'p',
    model: 'm',
    userPrompt: 'line one\r\nline two\u0007',
    startedAt: 1_767_300_000,
  });
  await store.createMessage({
    sessionId: hostile,
    role: 'user',
    content: '<img src=x onerror=alert(1)>\u001b]0;title\u0007 \u202etxt.exe\u2028\u2066',
    createdAt: 1_767_300_001,
  });
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], tty: boolean, on = url) {
  const f = fakeIo({ tty, columns: 100 });
  const code = await runCli([...args, '--url', on], f.io);
  await f.cleanup();
  return { code, stdout: f.stdout(), stderr: f.stderr() };
}

describe('sessions and show output', () => {
  for (const tty of [true, false]) {
    const mode = tty ? 'on a terminal' : 'piped';
    it(`sessions ${mode}`, async () => {
      const r = await cli(['sessions', '--limit', '5'], tty);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatchSnapshot();
      expect(r.stderr).toMatch(/^more: add --cursor \S+$/m);
    });

    it(`show ${mode}`, async () => {
      const r = await cli(['show', ids[3] as string], tty);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatchSnapshot();
    });

    it(`show --last 2 ${mode}`, async () => {
      const r = await cli(['show', ids[5] as string, '--last', '2'], tty);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatchSnapshot();
    });
  }

  it('NO_COLOR turns colours off on a terminal, and lines still fit its width in columns, wide characters counted twice', async () => {
    const wide = join(dir, 'wide.db');
    const store = await createStorage(`sqlite:${wide}`);
    const id = await store.createSession({
      agentName: '数据分析代理',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
      startedAt: 1_767_300_000,
    });
    await store.createMessage({
      sessionId: id,
      role: 'user',
      content: '表'.repeat(80),
      createdAt: 1_767_300_001,
    });
    await store.close();
    const run = async (args: string[], env: Record<string, string>) => {
      const f = fakeIo({ tty: true, columns: 60, env });
      expect(await runCli([...args, '--url', `sqlite:${wide}`], f.io)).toBe(0);
      await f.cleanup();
      return f.stdout();
    };
    for (const args of [['sessions'], ['show', id]]) {
      const plain = await run(args, { NO_COLOR: '1' });
      expect(plain).not.toContain('\u001b[');
      // Every line fits 60 columns, wide characters counted as two (one cut at 60 code points overflowed).
      for (const line of plain.split('\n')) expect(columnsOf(line), line).toBeLessThanOrEqual(60);
      expect(await run(args, { NO_COLOR: '' })).toContain('\u001b[');
    }
    // The listing's columns line up in terminal columns: the status column starts at one place.
    const listing = (await run(['sessions'], { NO_COLOR: '1' })).split('\n');
    const at = (line: string, word: string) => columnsOf(line.slice(0, line.indexOf(word)));
    expect(at(listing[1] as string, 'running')).toBe(at(listing[0] as string, 'status'));
  });

  it('text of several lines keeps its indent: error details, questions, answers and setting values', async () => {
    const many = join(dir, 'many-lines.db');
    const store = await createStorage(`sqlite:${many}`);
    const id = await store.createSession({
      agentName: 'a',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
      startedAt: 1_767_300_000,
    });
    const call = await store.createToolCall({
      sessionId: id,
      toolCallId: 'c1',
      toolName: 'sql',
      request: {},
      createdAt: 1_767_300_001,
    });
    await store.updateToolCall(call, { status: 'failed', errorDetails: 'Traceback:\nSTACK at run (x.ts:1)' });
    await store.createQuestions(id, [{ questionId: 'q1', question: 'Which one?\nOPTIONS a, b' }]);
    await store.answerQuestions(id, [
      { questionId: 'q1', answer: 'a\nBECAUSE it is first', answeredAt: 1_767_300_002 },
    ]);
    await store.createSettings(id, [{ settingKey: 'k', settingName: 'K' }]);
    await store.setSettingValues(id, [{ settingKey: 'k', value: 'one\nSECOND line' }]);
    await store.close();
    for (const tty of [true, false]) {
      const r = await cli(['show', id], tty, `sqlite:${many}`);
      expect(r.code).toBe(0);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colour sequences, taken off to look at the text
      const plain = r.stdout.replace(/\u001b\[[0-9;]*m/g, '');
      for (const word of ['STACK', 'OPTIONS', 'BECAUSE', 'SECOND']) {
        const at = plain.split('\n').find((l) => l.includes(word)) ?? '';
        // Under the first line's text, never at column 0.
        expect(at, word).toMatch(/^ {4,}\S/);
      }
    }
  });

  it('show --last N shows every tool call of the messages shown, however many, and none of the messages hidden', async () => {
    const calls = join(dir, 'calls.db');
    const store = await createStorage(`sqlite:${calls}`);
    const long = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    const rows = Array.from({ length: 600 }, (_, i) => i);
    await store.appendBatch({
      messages: rows.map((i) => ({
        sessionId: long,
        role: 'assistant' as const,
        content: `m${i}`,
        createdAt: 1_767_300_000 + i,
      })),
      toolCalls: rows.flatMap((i) =>
        [0, 1].map((k) => ({
          sessionId: long,
          messageIndex: i,
          toolCallId: `c${i}.${k}`,
          toolName: 't',
          request: {},
          createdAt: 1_767_300_000 + i,
        })),
      ),
    });
    // Three messages in one second, a call each: the last one's call only, when it alone is shown.
    const tie = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    await store.appendBatch({
      messages: [0, 1, 2].map((i) => ({
        sessionId: tie,
        role: 'assistant' as const,
        content: `t${i}`,
        createdAt: 1_767_300_000,
      })),
      toolCalls: [0, 1, 2].map((i) => ({
        sessionId: tie,
        messageIndex: i,
        toolCallId: `call${i}`,
        toolName: 't',
        request: {},
        createdAt: 1_767_300_000,
      })),
    });
    await store.close();
    const count = (text: string) => text.split('\n').filter((l) => l.includes('↳')).length;
    const all = await cli(['show', long, '--last', '600'], false, `sqlite:${calls}`);
    expect(count(all.stdout)).toBe(1200);
    const some = await cli(['show', long, '--last', '5'], false, `sqlite:${calls}`);
    expect(count(some.stdout)).toBe(10);
    const one = await cli(['show', tie, '--last', '1'], false, `sqlite:${calls}`);
    expect(count(one.stdout)).toBe(1);
    expect(one.stdout).toContain('call2');
    expect(one.stdout).not.toMatch(/call[01]/);
  });

  it('stored control characters are shown as escapes, never sent to the terminal', async () => {
    for (const tty of [true, false]) {
      const r = await cli(['show', hostile], tty);
      expect(r.code).toBe(0);
      for (const raw of ['\u001b[2J', '\u001b]0', '\u0007', '\r', '\u202e', '\u2028', '\u2066'])
        expect(r.stdout).not.toContain(raw);
      expect(r.stdout).toContain('evil\\u001b[2Jagent');
      expect(r.stdout).toContain(
        '<img src=x onerror=alert(1)>\\u001b]0;title\\u0007 \\u202etxt.exe\\u2028\\u2066',
      );
    }
  });

  it('--json keeps what the contract returns exactly: -0, key order, JSON as deep as the contract allows', async () => {
    const own = `sqlite:${join(dir, 'zero.db')}`;
    const store = await createStorage(own);
    const id = await store.createSession({
      agentName: 'zero',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
      config: { z: -0, a: [-0, 1] },
      startedAt: 1_767_400_000,
    });
    await store.createToolCall({ sessionId: id, toolCallId: 't', toolName: 'q', request: { n: -0 } });
    // JSON as deep as the contract allows, a few levels down in the output.
    let deep: JsonValue = 0;
    for (let i = 0; i < 510; i++) deep = [deep];
    const deepId = await store.createSession({
      agentName: 'zero',
      provider: 'p',
      model: 'm',
      userPrompt: 'deep',
      config: deep,
      startedAt: 1,
    });
    await store.createToolCall({ sessionId: deepId, toolCallId: 'd', toolName: 'q', request: deep });
    await store.close();
    const listed = await cli(['sessions', '--json'], false, own);
    expect(listed.stdout).toContain('"config":{"z":-0,"a":[-0,1]}');
    const shown = await cli(['show', id, '--json'], false, own);
    expect(shown.stdout).toContain('{"z":-0,"a":[-0,1]}');
    expect(shown.stdout).toContain('{"n":-0}');
    const deepListed = await cli(['sessions', '--json'], false, own);
    expect(deepListed.code).toBe(0);
    expect(JSON.parse(deepListed.stdout).items.map((s: { userPrompt: string }) => s.userPrompt)).toEqual([
      'u',
      'deep',
    ]);
    const deepShown = await cli(['show', deepId, '--json'], false, own);
    expect(deepShown.code).toBe(0);
    expect(deepShown.stdout).toContain(`${'['.repeat(510)}0${']'.repeat(510)}`);
  });

  it('the next page continues the listing, and --json prints the page', async () => {
    const first = await cli(['sessions', '--limit', '4', '--json'], false);
    const page = JSON.parse(first.stdout) as { items: { id: string }[]; nextCursor: string };
    expect(page.items).toHaveLength(4);
    const second = await cli(['sessions', '--limit', '4', '--json', '--cursor', page.nextCursor], false);
    const next = JSON.parse(second.stdout) as { items: { id: string }[] };
    expect(next.items.map((s) => s.id)).not.toContain(page.items[0]?.id);
    expect([...page.items, ...next.items]).toHaveLength(8);
  });

  it('filters by status and time; an unknown status is a usage error', async () => {
    const r = await cli(['sessions', '--status', 'failed,running', '--json'], false);
    const page = JSON.parse(r.stdout) as { items: { status: string }[] };
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((s) => ['failed', 'running'].includes(s.status))).toBe(true);
    const bad = await cli(['sessions', '--status', 'done'], false);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status must be one of/);
  });

  it('show of an unknown session fails with NOT_FOUND', async () => {
    const r = await cli(['show', '999999'], false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NOT_FOUND.*999999/);
  });
});
