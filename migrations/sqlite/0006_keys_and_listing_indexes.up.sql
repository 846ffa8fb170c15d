-- Idempotent writes: a message may carry the caller's key; a tool call is identified by
-- its provider id within the session; questions and settings by their keys.
ALTER TABLE agent_messages ADD COLUMN client_key TEXT;

CREATE UNIQUE INDEX idx_agent_messages_client_key
    ON agent_messages(session_id, client_key) WHERE client_key IS NOT NULL;

CREATE UNIQUE INDEX idx_agent_tool_calls_call_id
    ON agent_tool_calls(session_id, tool_call_id);

CREATE UNIQUE INDEX idx_project_requirements_qna_question
    ON project_requirements_qna(session_id, question_id);

CREATE UNIQUE INDEX idx_project_settings_session_key
    ON project_settings(session_id, setting_key);

-- Keyset pages of tool calls in (created_at, id) order; the rowid rides in every index.
CREATE INDEX idx_agent_tool_calls_session_created
    ON agent_tool_calls(session_id, created_at);

-- Listing sessions newest first, whole or by status or agent.
CREATE INDEX idx_agent_sessions_started ON agent_sessions(started_at);
CREATE INDEX idx_agent_sessions_status_started ON agent_sessions(status, started_at);
CREATE INDEX idx_agent_sessions_agent_started ON agent_sessions(agent_name, started_at);
