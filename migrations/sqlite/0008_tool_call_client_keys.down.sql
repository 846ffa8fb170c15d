DROP INDEX idx_agent_tool_calls_client_key;
ALTER TABLE agent_tool_calls DROP COLUMN client_key;
