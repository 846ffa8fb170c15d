
CREATE TABLE project_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL,
    tool_call_id INTEGER,
    setting_key TEXT NOT NULL,
    setting_name TEXT NOT NULL,
    description TEXT,
    setting_type TEXT NOT NULL DEFAULT 'text',
    setting_value TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER,
    FOREIGN KEY (session_id) REFERENCES agent_sessions (id) ON DELETE CASCADE,
    FOREIGN KEY (tool_call_id) REFERENCES agent_tool_calls (id) ON DELETE CASCADE
);

CREATE INDEX idx_project_settings_session
    ON project_settings(session_id);

CREATE INDEX idx_project_settings_key
    ON project_settings(setting_key);
