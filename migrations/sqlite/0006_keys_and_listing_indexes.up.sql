-- Idempotent writes: a message may carry the caller's key. Nothing here constrains
-- nocodo's own columns: tool-call ids, question ids and setting keys may repeat in a
-- session, as nocodo writes them.
ALTER TABLE agent_messages ADD COLUMN client_key TEXT;

CREATE UNIQUE INDEX idx_agent_messages_client_key
    ON agent_messages(session_id, client_key) WHERE client_key IS NOT NULL;

-- Keyset pages of tool calls in (created_at, id) order; the rowid rides in every index.
CREATE INDEX idx_agent_tool_calls_session_created
    ON agent_tool_calls(session_id, created_at);

-- Listing sessions newest first, whole or by status or agent.
CREATE INDEX idx_agent_sessions_started ON agent_sessions(started_at);
CREATE INDEX idx_agent_sessions_status_started ON agent_sessions(status, started_at);
CREATE INDEX idx_agent_sessions_agent_started ON agent_sessions(agent_name, started_at);
