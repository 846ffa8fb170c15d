DROP TABLE project_requirements_qna;
