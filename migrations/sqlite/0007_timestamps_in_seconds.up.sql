-- Timestamps are Unix seconds, as nocodo writes them. Earlier releases defaulted to
-- milliseconds: a value of 100,000,000,000 or more can only be milliseconds (in seconds it
-- would be after the year 5138; in milliseconds it is after 1973-03-03), and becomes
-- seconds, rounded down. Smaller values are left alone: they are seconds already, or too
-- ambiguous to touch.
UPDATE agent_sessions SET started_at = started_at / 1000 WHERE started_at >= 100000000000;
UPDATE agent_sessions SET ended_at = ended_at / 1000 WHERE ended_at >= 100000000000;
UPDATE agent_messages SET created_at = created_at / 1000 WHERE created_at >= 100000000000;
UPDATE agent_tool_calls SET created_at = created_at / 1000 WHERE created_at >= 100000000000;
UPDATE agent_tool_calls SET completed_at = completed_at / 1000 WHERE completed_at >= 100000000000;
UPDATE project_requirements_qna SET created_at = created_at / 1000 WHERE created_at >= 100000000000;
UPDATE project_requirements_qna SET answered_at = answered_at / 1000 WHERE answered_at >= 100000000000;
UPDATE project_settings SET created_at = created_at / 1000 WHERE created_at >= 100000000000;
UPDATE project_settings SET updated_at = updated_at / 1000 WHERE updated_at >= 100000000000;
