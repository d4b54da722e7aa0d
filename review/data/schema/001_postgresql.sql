CREATE TABLE meta (
	key VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY (key)
);
CREATE TABLE search_run (
	id SERIAL NOT NULL, 
	source VARCHAR NOT NULL, 
	search_name VARCHAR NOT NULL, 
	arm VARCHAR NOT NULL, 
	platform VARCHAR NOT NULL, 
	request TEXT, 
	filters JSON, 
	started_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	finished_at TIMESTAMP WITH TIME ZONE, 
	tool_version VARCHAR NOT NULL, 
	total_reported INTEGER, 
	retrieved INTEGER NOT NULL, 
	pages INTEGER NOT NULL, 
	status VARCHAR NOT NULL, 
	message TEXT, 
	resume_state JSON, 
	cost_usd FLOAT NOT NULL, 
	raw_path VARCHAR, 
	raw_sha256 VARCHAR, 
	protocol_hash VARCHAR, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_search_run_search_name ON search_run (search_name);
CREATE INDEX ix_search_run_source ON search_run (source);
CREATE TABLE stage_run (
	id SERIAL NOT NULL, 
	stage VARCHAR NOT NULL, 
	started_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	finished_at TIMESTAMP WITH TIME ZONE, 
	status VARCHAR NOT NULL, 
	counts JSON, 
	protocol_hash VARCHAR, 
	tool_version VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_stage_run_stage ON stage_run (stage);
CREATE TABLE stopping_log (
	id SERIAL NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	screened INTEGER NOT NULL, 
	remaining INTEGER NOT NULL, 
	estimate JSON, 
	method VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE work (
	id SERIAL NOT NULL, 
	title TEXT, 
	abstract TEXT, 
	authors JSON, 
	year INTEGER, 
	doi VARCHAR, 
	journal VARCHAR, 
	publisher VARCHAR, 
	doc_type VARCHAR, 
	language VARCHAR, 
	url VARCHAR, 
	countries JSON, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_work_doi ON work (doi);
CREATE INDEX ix_work_year ON work (year);
CREATE TABLE assignment (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	purpose VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_assignment UNIQUE (work_id, stage, reviewer), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
CREATE INDEX ix_assignment_queue ON assignment (reviewer, stage, purpose, work_id);
CREATE INDEX ix_assignment_work_id ON assignment (work_id);
CREATE TABLE record (
	id SERIAL NOT NULL, 
	source VARCHAR NOT NULL, 
	source_id VARCHAR NOT NULL, 
	title TEXT, 
	abstract TEXT, 
	authors JSON, 
	year INTEGER, 
	publication_date VARCHAR, 
	doi VARCHAR, 
	journal VARCHAR, 
	issn VARCHAR, 
	volume VARCHAR, 
	issue VARCHAR, 
	pages VARCHAR, 
	publisher VARCHAR, 
	doc_type VARCHAR, 
	language VARCHAR, 
	url VARCHAR, 
	openalex_id VARCHAR, 
	pmid VARCHAR, 
	govuk_base_path VARCHAR, 
	govuk_content_id VARCHAR, 
	countries JSON, 
	keywords JSON, 
	extra JSON, 
	first_run_id INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	work_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_record_source UNIQUE (source, source_id), 
	FOREIGN KEY(first_run_id) REFERENCES search_run (id), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
CREATE INDEX ix_record_doi ON record (doi);
CREATE INDEX ix_record_work ON record (work_id);
CREATE TABLE screening_decision (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	decision VARCHAR NOT NULL, 
	reason_code VARCHAR, 
	note TEXT, 
	supersedes INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(supersedes) REFERENCES screening_decision (id)
);
CREATE INDEX ix_decision_work_stage ON screening_decision (work_id, stage);
CREATE INDEX ix_screening_decision_reviewer ON screening_decision (reviewer);
CREATE TABLE screening_note (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
CREATE INDEX ix_note_work_stage ON screening_note (work_id, stage);
CREATE INDEX ix_screening_note_reviewer ON screening_note (reviewer);
CREATE TABLE dedupe_pair (
	id SERIAL NOT NULL, 
	record_a INTEGER NOT NULL, 
	record_b INTEGER NOT NULL, 
	rule VARCHAR NOT NULL, 
	scores JSON, 
	band VARCHAR NOT NULL, 
	decision VARCHAR, 
	decided_by VARCHAR, 
	decided_at TIMESTAMP WITH TIME ZONE, 
	undone_at TIMESTAMP WITH TIME ZONE, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_dedupe_pair UNIQUE (record_a, record_b), 
	FOREIGN KEY(record_a) REFERENCES record (id), 
	FOREIGN KEY(record_b) REFERENCES record (id)
);
CREATE TABLE document (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	origin VARCHAR NOT NULL, 
	url VARCHAR, 
	status VARCHAR NOT NULL, 
	reason TEXT, 
	sha256 VARCHAR, 
	path VARCHAR, 
	content_type VARCHAR, 
	size INTEGER, 
	licence VARCHAR, 
	version VARCHAR, 
	pages INTEGER, 
	chars INTEGER, 
	tables INTEGER, 
	fetched_at TIMESTAMP WITH TIME ZONE, 
	read_at TIMESTAMP WITH TIME ZONE, 
	record_id INTEGER, 
	title VARCHAR, 
	attempts INTEGER NOT NULL, 
	method VARCHAR, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_document_url UNIQUE (work_id, url), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(record_id) REFERENCES record (id)
);
CREATE INDEX ix_document_sha256 ON document (sha256);
CREATE INDEX ix_document_work_id ON document (work_id);
CREATE TABLE record_hit (
	record_id INTEGER NOT NULL, 
	search_run_id INTEGER NOT NULL, 
	rank INTEGER, 
	PRIMARY KEY (record_id, search_run_id), 
	FOREIGN KEY(record_id) REFERENCES record (id), 
	FOREIGN KEY(search_run_id) REFERENCES search_run (id)
);
CREATE INDEX ix_record_hit_search_run_id ON record_hit (search_run_id);
CREATE TABLE rule_result (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	rule VARCHAR NOT NULL, 
	reason_code VARCHAR NOT NULL, 
	detail TEXT, 
	active BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	overturned_by INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_rule_result UNIQUE (work_id, stage, rule), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(overturned_by) REFERENCES screening_decision (id)
);
CREATE INDEX ix_rule_result_active ON rule_result (stage, active, work_id);
CREATE INDEX ix_rule_result_work_id ON rule_result (work_id);
CREATE TABLE dedupe_event (
	id SERIAL NOT NULL, 
	pair_id INTEGER NOT NULL, 
	action VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	work_id INTEGER, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES dedupe_pair (id)
);
CREATE INDEX ix_dedupe_event_pair_id ON dedupe_event (pair_id);
CREATE TABLE extraction_value (
	id SERIAL NOT NULL, 
	work_id INTEGER NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	field VARCHAR NOT NULL, 
	value JSON, 
	document_id INTEGER, 
	page_no INTEGER, 
	quote TEXT, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
CREATE INDEX ix_extraction_work_field ON extraction_value (work_id, field);
CREATE TABLE page (
	id SERIAL NOT NULL, 
	document_id INTEGER NOT NULL, 
	page_no INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_page UNIQUE (document_id, page_no), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
CREATE INDEX ix_page_document_id ON page (document_id);
CREATE TABLE pdf_table (
	id SERIAL NOT NULL, 
	document_id INTEGER NOT NULL, 
	page_no INTEGER NOT NULL, 
	table_no INTEGER NOT NULL, 
	rows JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
CREATE INDEX ix_pdf_table_document_id ON pdf_table (document_id);
