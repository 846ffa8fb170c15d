-- Idempotent tool calls by the caller's own key, as for messages. A provider's tool-call id
-- may repeat in a session (providers reuse ids such as call_0 across turns), and so may a
-- question id or a setting key across ask-user rounds: nocodo writes them that way, so the
-- unique indexes an earlier release created on them are dropped.
DROP INDEX IF EXISTS idx_agent_tool_calls_call_id;
DROP INDEX IF EXISTS idx_project_requirements_qna_question;
DROP INDEX IF EXISTS idx_project_settings_session_key;

ALTER TABLE agent_tool_calls ADD COLUMN client_key TEXT;

CREATE UNIQUE INDEX idx_agent_tool_calls_client_key
    ON agent_tool_calls(session_id, client_key) WHERE client_key IS NOT NULL;
