DROP TABLE agent_messages;
