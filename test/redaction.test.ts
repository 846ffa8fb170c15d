import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.js';
import { defaultJournal } from '../src/cli/transfer-commands.js';
import { redactSecrets, redactUrl } from '../src/contract/redact.js';
import { createStorage } from '../src/create-storage.js';
import { fakeIo } from './helpers/cli-io.js';
import { runCliProcess } from './helpers/cli-process.js';

// No message, CLI output or test output may show a password or token from a URL, whatever
// form the URL takes: well formed, mistyped, unparseable, with the secret in userinfo or query.
const PASSWORD = 'S3cr3tPw';
const TOKEN = 'T0k3nValue';
const secrets = [PASSWORD, TOKEN, encodeURIComponent(PASSWORD), encodeURIComponent(TOKEN)];

/** Hosts that refuse at once (no DNS, no waiting), so a connecting adapter fails fast. */
const CATALOGUE: readonly string[] = [
  `postgress://app:${PASSWORD}@127.0.0.1:1/app`,
  `postgres://app:${PASSWORD}@127.0.0.1:1/app?sslmode=disable&connect_timeout=2`,
  `postgresql://app:${PASSWORD}@127.0.0.1:1/app?schema=s1`,
  `postgres://app:${PASSWORD}@127.0.0.1:notaport/app`,
  `postgres://app:${PASSWORD}@[::1/app`,
  `postgres://app:p@ss:${PASSWORD}@127.0.0.1:1/app`,
  `postgres://app:p'${PASSWORD}@127.0.0.1:1/app`,
  `postgres://127.0.0.1:1/app?password=${PASSWORD}`,
  `postgres:app:${PASSWORD}@127.0.0.1:1/app`,
  `postgres://app:${PASSWORD}@127.0.0.1:1/app#${PASSWORD}`,
  `mysql://root:${PASSWORD}@127.0.0.1:1/db`,
  `libsql://app:${PASSWORD}@127.0.0.1:1`,
  `libsql://127.0.0.1:1?authToken=${TOKEN}`,
  `https://user:${PASSWORD}@127.0.0.1:1`,
  `wss://127.0.0.1:1?authToken=${TOKEN}&tls=1`,
  `http://127.0.0.1:1?authToken=${TOKEN}&tls=0`,
  `sqlite:./nowhere.db?token=${TOKEN}`,
  `libsql:./nowhere.db?authToken=${TOKEN}&mode=x`,
  `file:./nowhere.db?authToken=${TOKEN}`,
  `sqlite://app:${PASSWORD}@/tmp/x.db`,
  // A user and password with the host left out: the password stands where a port would.
  `postgres://app:${PASSWORD}`,
  `postgres://app:${PASSWORD}/app`,
  `postgress://app:${PASSWORD}`,
  `postgres://app:${PASSWORD}:5432/app`,
];

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-redaction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Which secrets `text` shows, by number: a failing assertion must not print them either. */
function leaks(text: string): string[] {
  return secrets.flatMap((s, i) => (text.includes(s) ? [`secret #${i}`] : []));
}

/** Everything an app could print of an error: message, stack, every property, the cause chain. */
function everything(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 8, showHidden: true })}`;
}

describe('secrets in URLs are never shown', () => {
  it('redactUrl hides userinfo, tokens and unknown query values of every form, and keeps the rest', () => {
    // Labels name the catalogue entry, not the URL: a failing assertion must not print the secret either.
    for (const [i, url] of CATALOGUE.entries()) expect(leaks(redactUrl(url)), `catalogue[${i}]`).toEqual([]);
    expect(redactUrl('postgres://app:pw@db.example.com:5432/app?schema=s1&sslmode=require')).toBe(
      'postgres://***@db.example.com:5432/app?schema=s1&sslmode=require',
    );
    expect(redactUrl('libsql://db.turso.io?authToken=abc')).toBe('libsql://db.turso.io?authToken=***');
    expect(redactUrl('sqlite:./agent.db?durability=full')).toBe('sqlite:./agent.db?durability=full');
    expect(redactUrl('sqlite::memory:')).toBe('sqlite::memory:');
    expect(redactUrl('postgres://localhost/app')).toBe('postgres://localhost/app');
    // A password of digits only, where a port would stand: one that no port can be is masked.
    expect(redactUrl('postgres://app:123456/db')).toBe('postgres://app:***/db');
    expect(redactUrl('postgres://[::1]:5432/db')).toBe('postgres://[::1]:5432/db');
    expect(redactSecrets(`connect to "https://u:${PASSWORD}@h/x" failed; authToken=${TOKEN}`)).not.toMatch(
      /S3cr3t|T0k3n/,
    );
  });

  it("the default copy journal's name is no hash of a secret: URLs that differ only in theirs name one journal", () => {
    const to = 'sqlite:./copy.db';
    const names = CATALOGUE.flatMap((url) => [
      defaultJournal(url, to),
      defaultJournal(url.replaceAll(PASSWORD, 'other').replaceAll(TOKEN, 'other'), to),
    ]);
    for (let i = 0; i < names.length; i += 2)
      expect(names[i] === names[i + 1], `catalogue[${i / 2}]`).toBe(true);
    expect(defaultJournal('postgres://app:123456', to)).toBe(defaultJournal('postgres://app:654321', to));
    // Secrets by another name: libpq's sslpassword, a percent-encoded password.
    expect(defaultJournal(`postgres://h/db?sslpassword=${PASSWORD}&pass%77ord=${PASSWORD}`, to)).toBe(
      defaultJournal('postgres://h/db?sslpassword=other&pass%77ord=other', to),
    );
    // Still one journal per pair of databases, whatever part of the URL tells them apart.
    const journals = [
      'postgres://app:pw@127.0.0.1/a',
      'postgres://app:pw@127.0.0.1/b',
      'postgres://app:pw@127.0.0.1:5433/a',
      'postgres://app@/a?host=/run/one',
      'postgres://app@/a?host=/run/two',
      'postgres://app:pw@127.0.0.1/a?schema=s2',
      'libsql://one.example?authToken=t',
      'libsql://two.example?authToken=t',
      'sqlite:///tmp/a#1.db',
      'sqlite:///tmp/a#2.db',
      'sqlite:./a#1.db',
      'sqlite:./a#2.db',
      'sqlite:./alice@x.db',
      'sqlite:./bob@x.db',
    ].map((url) => defaultJournal(url, to));
    expect(new Set(journals).size).toBe(journals.length);
  });

  it('createStorage rejects or fails on every URL of the catalogue without showing its secret', async () => {
    // With a default user and host, a URL pg misreads reaches a real server, which quotes it back.
    const saved = { PGUSER: process.env.PGUSER, PGHOST: process.env.PGHOST };
    Object.assign(process.env, { PGUSER: 'postgres', PGHOST: '127.0.0.1' });
    try {
      await everyUrlFails();
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  async function everyUrlFails() {
    for (const [i, url] of CATALOGUE.entries()) {
      const error = await createStorage({ url: url.replace('./nowhere', join(dir, 'nowhere')) }).then(
        async (store) => {
          await store.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      // A local file may open (libsql takes an authToken for files too): then there is nothing to show.
      if (error !== undefined) expect(leaks(everything(error)), `error of catalogue[${i}]`).toEqual([]);
    }
  }

  it('CLI commands never print a secret, from --url or AGENT_STORAGE_URL', { timeout: 0 }, async () => {
    // In this process (the CLI's own io), so that every command meets every URL quickly; the
    // real process is checked once below, for what only a process prints.
    const cli = async (args: string[], env: Record<string, string> = {}) => {
      const f = fakeIo({ env });
      await runCli(args, f.io);
      await f.cleanup();
      return `${f.stdout()}${f.stderr()}`;
    };
    // Every URL through `status`; the unparseable and mistyped ones through every command and the environment.
    for (const [i, url] of CATALOGUE.entries())
      expect(leaks(await cli(['status', '--url', url])), `catalogue[${i}]`).toEqual([]);
    for (const [i, url] of [...CATALOGUE.slice(0, 4), ...CATALOGUE.slice(-3)].entries()) {
      for (const args of [
        ['migrate', '--url', url],
        ['verify', '--url', url, '--grep', 'session.create'],
        ['sessions', '--url', url],
        ['show', '1', '--url', url],
        ['export', '--url', url],
        ['prune', '--url', url, '--status', 'failed'],
        ['copy', '--from', url, '--to', 'memory:'],
        ['copy', '--from', 'memory:', '--to', url],
        ['studio', '--url', url],
      ])
        expect(leaks(await cli(args)), `${args[0]} with URL #${i}`).toEqual([]);
    }
    // Usage errors the argument parser words itself, quoting what was typed: every form.
    for (const [i, url] of CATALOGUE.entries()) {
      for (const [j, args] of [
        ['sessions', '--url', url, '--url', url],
        ['sessions', `--url=${url}`, `--url=${url}`],
        ['copy', '--from', url, '--from', url, '--to', 'memory:'],
        ['sessions', `--urll=${url}`],
        [url],
      ].entries())
        expect(leaks(await cli(args)), `usage form ${j} with catalogue[${i}]`).toEqual([]);
    }
    for (const [i, url] of [...CATALOGUE.slice(0, 4), ...CATALOGUE.slice(-3)].entries()) {
      expect(leaks(await cli(['status'], { AGENT_STORAGE_URL: url })), `AGENT_STORAGE_URL #${i}`).toEqual([]);
    }
    const process = await runCliProcess(['status'], { env: { AGENT_STORAGE_URL: CATALOGUE[0] as string } });
    expect(leaks(`${process.stdout}${process.stderr}`), 'the process').toEqual([]);
  });
});
