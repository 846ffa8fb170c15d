DROP TABLE agent_tool_calls;
