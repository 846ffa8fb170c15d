DROP INDEX IF EXISTS idx_project_settings_tool_call;
DROP INDEX IF EXISTS idx_project_requirements_qna_tool_call;
DROP INDEX IF EXISTS idx_agent_tool_calls_message;
