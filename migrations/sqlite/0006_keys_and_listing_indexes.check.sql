-- Rows the unique indexes of 0006 would refuse: the migration stops and lists them.
SELECT 'agent_tool_calls' AS table_name, session_id, tool_call_id AS duplicate_key, COUNT(*) AS copies
  FROM agent_tool_calls GROUP BY session_id, tool_call_id HAVING COUNT(*) > 1
UNION ALL
SELECT 'project_requirements_qna', session_id, question_id, COUNT(*)
  FROM project_requirements_qna GROUP BY session_id, question_id HAVING COUNT(*) > 1
UNION ALL
SELECT 'project_settings', session_id, setting_key, COUNT(*)
  FROM project_settings GROUP BY session_id, setting_key HAVING COUNT(*) > 1
