DROP INDEX IF EXISTS idx_agent_sessions_agent_started;
DROP INDEX IF EXISTS idx_agent_sessions_status_started;
DROP INDEX IF EXISTS idx_agent_sessions_started;
DROP INDEX IF EXISTS idx_project_settings_session_key;
DROP INDEX IF EXISTS idx_project_requirements_qna_question;
DROP INDEX IF EXISTS idx_agent_tool_calls_call_id;
DROP INDEX IF EXISTS idx_agent_messages_client_key;
ALTER TABLE agent_messages DROP COLUMN client_key;
