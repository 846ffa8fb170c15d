-- Deleting a session (and pruning many) looks up the rows that reference what it deletes:
-- tool calls by message (ON DELETE SET NULL), questions and settings by tool call. Without
-- these indexes each lookup scans the whole table, so deleting one session cost time in
-- proportion to every other session's rows. Postgres has had them since its first migrations.
CREATE INDEX IF NOT EXISTS idx_agent_tool_calls_message
    ON agent_tool_calls(message_id);

CREATE INDEX IF NOT EXISTS idx_project_requirements_qna_tool_call
    ON project_requirements_qna(tool_call_id);

CREATE INDEX IF NOT EXISTS idx_project_settings_tool_call
    ON project_settings(tool_call_id);
