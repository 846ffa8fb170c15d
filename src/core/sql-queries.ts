import type { TableName } from './rows.js';

/**
 * The two things in which the dialects' SQL differs for the statements below:
 * how a parameter is written (`?`, or `$n::type`) and how a table is named (plain, or
 * schema-qualified). Each dialect file passes its syntax; statements that are the same SQL
 * in both dialects are written once here. The inserts stay in the dialect files: SQLite
 * binds each `?` once, in order, where Postgres reuses `$n`, so their shapes differ.
 */
export interface SqlSyntax {
  /** The `index`-th parameter (1-based), cast to `type` (no cast: the column's type is inferred). */
  param(index: number, type?: 'text' | 'bigint'): string;
  table(name: TableName): string;
  /** An id column selected as decimal text. */
  idText(column: string): string;
}

/** Which filters a `listSessions` call uses, hence which statement (cached per shape). */
export interface ListShape {
  statuses: number;
  agentName: boolean;
  provider: boolean;
  model: boolean;
  startedFrom: boolean;
  startedBefore: boolean;
  cursor: boolean;
}

export const SESSION_SELECT = `id, agent_name, provider, model, system_prompt, user_prompt, config, status, started_at,
  ended_at, result, error`;

/** Placeholders numbered in the order they appear, so both `?` and `$n` styles bind the same array. */
function placeholders(syntax: SqlSyntax) {
  let n = 0;
  return (type?: 'text' | 'bigint') => syntax.param(++n, type);
}

export function sessionColumns(syntax: SqlSyntax): string {
  return SESSION_SELECT.replace(/^id,/, `${syntax.idText('id')} AS id,`);
}

/** Params: statuses…, agentName?, provider?, model?, startedFrom?, startedBefore?, cursor key, cursor id, limit. */
export function listSessionsSql(syntax: SqlSyntax, shape: ListShape): string {
  const p = placeholders(syntax);
  const where: string[] = [];
  if (shape.statuses > 0)
    where.push(`status IN (${Array.from({ length: shape.statuses }, () => p('text')).join(', ')})`);
  if (shape.agentName) where.push(`agent_name = ${p('text')}`);
  if (shape.provider) where.push(`provider = ${p('text')}`);
  if (shape.model) where.push(`model = ${p('text')}`);
  if (shape.startedFrom) where.push(`started_at >= ${p('bigint')}`);
  if (shape.startedBefore) where.push(`started_at < ${p('bigint')}`);
  // A row value: Postgres turns it into one btree range (an OR would become a bitmap scan and a sort).
  if (shape.cursor) where.push(`(x.started_at, x.id) < (${p('bigint')}, ${p('bigint')})`);
  // Ordering names the table's columns (x.): a bare `id` would mean the text alias and sort "10" before "9".
  return `SELECT ${sessionColumns(syntax)} FROM ${syntax.table('agent_sessions')} x
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.started_at DESC, x.id DESC LIMIT ${p('bigint')}`;
}

/**
 * One keyset page of a session's children in (created_at, id) order. Params: sessionId,
 * then for `after`/`before` the cursor's key and id; then the limit. `before` reads
 * descending (the caller reverses), so the page ends right at the cursor.
 */
export function pageSql(
  syntax: SqlSyntax,
  table: TableName,
  columns: string,
  direction: 'first' | 'after' | 'before',
): string {
  const p = placeholders(syntax);
  const session = `x.session_id = ${p('bigint')}`;
  if (direction === 'first') {
    return `SELECT ${columns} FROM ${syntax.table(table)} x WHERE ${session} ORDER BY x.created_at, x.id LIMIT ${p('bigint')}`;
  }
  const [cmp, order] = direction === 'after' ? ['>', 'ASC'] : ['<', 'DESC'];
  return `SELECT ${columns} FROM ${syntax.table(table)} x
    WHERE ${session} AND (x.created_at, x.id) ${cmp} (${p('bigint')}, ${p('bigint')})
    ORDER BY x.created_at ${order}, x.id ${order} LIMIT ${p('bigint')}`;
}

export function countSql(syntax: SqlSyntax, table: TableName): string {
  return `SELECT COUNT(*) AS n FROM ${syntax.table(table)} WHERE session_id = ${syntax.param(1, 'bigint')}`;
}

/** `UPDATE … SET c1 = ?, … WHERE id = ? [AND status IN (…)]`: params are the values, the id, then the statuses. */
export function updateSql(
  syntax: SqlSyntax,
  table: TableName,
  columns: readonly string[],
  statuses = 0,
): string {
  const p = placeholders(syntax);
  // SET infers each parameter's type from its column (json, text or bigint).
  const sets = columns.map((c) => `${c} = ${p()}`).join(', ');
  const id = p('bigint'); // numbered before the guard: `$n` order must follow the text
  const guard =
    statuses > 0 ? ` AND status IN (${Array.from({ length: statuses }, () => p('text')).join(', ')})` : '';
  return `UPDATE ${syntax.table(table)} SET ${sets} WHERE id = ${id}${guard}`;
}

/** Params: id. */
export function deleteSessionSql(syntax: SqlSyntax): string {
  return `DELETE FROM ${syntax.table('agent_sessions')} WHERE id = ${syntax.param(1, 'bigint')}`;
}

export const QUESTION_COLUMNS = `question_id, question, description, response_type, answer, created_at, answered_at`;
export const SETTING_COLUMNS = `setting_key, setting_name, description, setting_type, setting_value, created_at, updated_at`;

export function childColumns(syntax: SqlSyntax, rest: string): string {
  return `${syntax.idText('id')} AS id, ${syntax.idText('session_id')} AS session_id, ${syntax.idText('tool_call_id')} AS tool_call_id, ${rest}`;
}

/** Params: sessionId. `pendingColumn`: only rows where it is NULL. */
export function selectChildrenSql(
  syntax: SqlSyntax,
  table: TableName,
  columns: string,
  pendingColumn?: string,
): string {
  const pending = pendingColumn ? ` AND ${pendingColumn} IS NULL` : '';
  return `SELECT ${childColumns(syntax, columns)} FROM ${syntax.table(table)} x
    WHERE x.session_id = ${syntax.param(1, 'bigint')}${pending} ORDER BY x.created_at, x.id`;
}

/**
 * Answers (sets) every still-pending row of a session with this key: a key may repeat, as
 * nocodo stores it, and an answer belongs to the questions still waiting for it, not to
 * earlier rounds'. Params: value, timestamp, sessionId, key.
 */
export function setByKeySql(
  syntax: SqlSyntax,
  table: TableName,
  valueColumn: string,
  timeColumn: string,
  keyColumn: string,
): string {
  const p = placeholders(syntax);
  return `UPDATE ${syntax.table(table)} SET ${valueColumn} = ${p()}, ${timeColumn} = ${p()}
    WHERE session_id = ${p('bigint')} AND ${keyColumn} = ${p('text')} AND ${valueColumn} IS NULL`;
}

/**
 * When no row with the key is pending: replaces the value of the latest one (createdAt, then
 * insertion order), so answering again changes the last answer only. Params as `setByKeySql`.
 */
export function setLatestByKeySql(
  syntax: SqlSyntax,
  table: TableName,
  valueColumn: string,
  timeColumn: string,
  keyColumn: string,
): string {
  const p = placeholders(syntax);
  const t = syntax.table(table);
  return `UPDATE ${t} SET ${valueColumn} = ${p()}, ${timeColumn} = ${p()}
    WHERE id = (SELECT l.id FROM ${t} l WHERE l.session_id = ${p('bigint')} AND l.${keyColumn} = ${p('text')}
      ORDER BY l.created_at DESC, l.id DESC LIMIT 1)`;
}
