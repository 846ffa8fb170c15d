/**
 * Payloads the benchmark writes: sized like a real agent run (a paragraph of assistant
 * text; a SQL tool request; a small result set as the response).
 */

/** ~300 characters, ASCII with a little non-ASCII, as assistant text tends to be. */
export const MESSAGE_CONTENT =
  'I looked at the schema: there are three tables (users, orders, order_items). ' +
  'Orders reference users by user_id, and order_items reference orders by order_id. ' +
  'To answer "which customers spent the most in 2024" I will join the three, sum quantity × price ' +
  'per user and sort descending — running the query now. ✓';

/** Messages in the session that the whole-session read returns. */
export const READ_SESSION_MESSAGES = 10_000;

export const TOOL_REQUEST = {
  sql: `SELECT u.name, SUM(i.quantity * i.price) AS spent FROM users u
    JOIN orders o ON o.user_id = u.id JOIN order_items i ON i.order_id = o.id
    WHERE o.created_at >= '2024-01-01' GROUP BY u.id ORDER BY spent DESC LIMIT 10`,
  params: [],
  limit: 10,
  readOnly: true,
};

export const TOOL_RESPONSE = {
  columns: ['name', 'spent'],
  rows: Array.from({ length: 10 }, (_, i) => [`customer ${i + 1}`, 12_345.5 - i * 1_000.25]),
  rowCount: 10,
  truncated: false,
  elapsedMs: 3,
};
