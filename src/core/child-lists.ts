import type { QuestionRecord, SettingRecord } from '../contract/validation.js';
import { notFound } from './failures.js';
import { isRowId } from './ids.js';
import type { StoragePort } from './port.js';

/**
 * Questions and settings, the two keyed lists a session holds: created all or nothing,
 * their values (answers, setting values) set all or nothing. An empty list writes nothing
 * and checks nothing, whatever the session.
 */

export type ChildKind = 'questions' | 'settings';
const str = JSON.stringify;

export async function insertChildren(
  port: StoragePort,
  op: string,
  kind: ChildKind,
  sessionId: string,
  items: readonly (QuestionRecord | SettingRecord)[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const missing = (toolCallId: string | null) =>
    notFound(
      port.adapter,
      op,
      toolCallId === null
        ? `session ${str(sessionId)}`
        : `session ${str(sessionId)} with tool call ${str(toolCallId)}`,
    );
  if (!isRowId(sessionId)) throw missing(null);
  for (const item of items)
    if (item.toolCallId !== null && !isRowId(item.toolCallId)) throw missing(item.toolCallId);
  return port.atomically(async (unit) => {
    const ids: string[] = [];
    for (const item of items) {
      const id = await unit.insertChild(kind, sessionId, item);
      if (id === 'no-parent') throw missing(item.toolCallId);
      ids.push(id);
    }
    return ids;
  });
}

/**
 * Each value goes to the session's pending rows with its key, else replaces the latest row's;
 * a key the session lacks is NOT_FOUND and undoes the rest.
 */
export async function setValues(
  port: StoragePort,
  op: string,
  kind: ChildKind,
  sessionId: string,
  values: readonly { key: string; value: string; at: number }[],
): Promise<void> {
  if (values.length === 0) return;
  const what = kind === 'questions' ? 'question' : 'setting';
  const missing = (key: string) =>
    notFound(port.adapter, op, `${what} ${str(key)} in session ${str(sessionId)}`);
  if (!isRowId(sessionId)) throw missing((values[0] as { key: string }).key);
  await port.atomically(async (unit) => {
    for (const { key, value, at } of values) {
      if ((await unit.setValue(kind, sessionId, key, { value, at }, 'pending')) > 0) continue;
      if ((await unit.setValue(kind, sessionId, key, { value, at }, 'latest')) === 0) throw missing(key);
    }
  });
}
