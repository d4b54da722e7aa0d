BEGIN TRANSACTION;
CREATE TABLE assignment (
	id INTEGER NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	purpose VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_assignment UNIQUE (work_id, stage, reviewer), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
INSERT INTO "assignment" VALUES(1,1,'title_abstract','reviewer1','dual','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(2,1,'title_abstract','reviewer2','dual','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(3,2,'title_abstract','reviewer1','dual','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(4,2,'title_abstract','reviewer2','dual','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(5,2,'title_abstract','lead','adjudicate','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(6,3,'title_abstract','reviewer1','single','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(7,3,'title_abstract','reviewer2','verify','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(8,4,'title_abstract','reviewer2','single','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(9,5,'title_abstract','reviewer1','rule_check','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(10,6,'title_abstract','reviewer2','single','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(11,7,'title_abstract','reviewer1','pilot','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(12,7,'title_abstract','reviewer2','pilot','2026-11-20 09:20:00.000000');
INSERT INTO "assignment" VALUES(13,1,'full_text','reviewer1','dual','2026-11-20 10:00:00.000000');
INSERT INTO "assignment" VALUES(14,1,'full_text','reviewer2','dual','2026-11-20 10:00:00.000000');
INSERT INTO "assignment" VALUES(15,3,'full_text','reviewer1','single','2026-11-20 10:00:00.000000');
CREATE TABLE dedupe_event (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	action VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	work_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES dedupe_pair (id)
);
INSERT INTO "dedupe_event" VALUES(1,3,'keep_both','reviewer1',NULL,'2026-11-20 09:13:00.000000');
CREATE TABLE dedupe_pair (
	id INTEGER NOT NULL, 
	record_a INTEGER NOT NULL, 
	record_b INTEGER NOT NULL, 
	rule VARCHAR NOT NULL, 
	scores JSON, 
	band VARCHAR NOT NULL, 
	decision VARCHAR, 
	decided_by VARCHAR, 
	decided_at DATETIME, 
	undone_at DATETIME, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_dedupe_pair UNIQUE (record_a, record_b), 
	FOREIGN KEY(record_a) REFERENCES record (id), 
	FOREIGN KEY(record_b) REFERENCES record (id)
);
INSERT INTO "dedupe_pair" VALUES(1,1,6,'doi','{"doi": 1.0}','auto','merge','automation','2026-11-20 09:12:00.000000',NULL,'2026-11-20 09:12:00.000000');
INSERT INTO "dedupe_pair" VALUES(2,2,7,'fuzzy_title+year+authors','{"title": 0.71, "year": 0.0}','review',NULL,NULL,NULL,NULL,'2026-11-20 09:12:00.000000');
INSERT INTO "dedupe_pair" VALUES(3,3,8,'fuzzy_title+year+authors','{"title": 0.4}','review','keep_both','reviewer1','2026-11-20 09:13:00.000000',NULL,'2026-11-20 09:12:00.000000');
INSERT INTO "dedupe_pair" VALUES(4,4,5,'fuzzy_title',NULL,'distinct',NULL,NULL,NULL,NULL,'2026-11-20 09:12:00.000000');
CREATE TABLE document (
	id INTEGER NOT NULL, 
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
	fetched_at DATETIME, 
	read_at DATETIME, 
	record_id INTEGER, 
	title VARCHAR, 
	attempts INTEGER NOT NULL, 
	method VARCHAR, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_document_url UNIQUE (work_id, url), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(record_id) REFERENCES record (id)
);
INSERT INTO "document" VALUES(1,1,'openalex_best_oa','https://example.org/hubs.pdf','readable',NULL,'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd','extracted/files/hubs.pdf','application/pdf',30255,'cc-by','publishedVersion',2,120,1,'2026-11-20 10:01:00.000000','2026-11-20 10:02:00.000000',NULL,NULL,0,NULL);
INSERT INTO "document" VALUES(2,3,'manual',NULL,'not_retrieved','HTTP 403',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,NULL);
CREATE TABLE extraction_value (
	id INTEGER NOT NULL, 
	work_id INTEGER NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	field VARCHAR NOT NULL, 
	value JSON, 
	document_id INTEGER, 
	page_no INTEGER, 
	quote TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
INSERT INTO "extraction_value" VALUES(1,1,'reviewer1','extractor','study.design','"cohort"',1,1,'set up in 12 areas','2026-11-20 10:20:00.000000');
INSERT INTO "extraction_value" VALUES(2,1,'reviewer1','extractor','study.sample_size',40,NULL,NULL,NULL,'2026-11-20 10:21:00.000000');
INSERT INTO "extraction_value" VALUES(3,1,'reviewer2','verifier','study.outcomes','["attendance", "wellbeing"]',NULL,NULL,NULL,'2026-11-20 10:22:00.000000');
CREATE TABLE meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('created_at','2026-11-20T09:00:00+00:00');
INSERT INTO "meta" VALUES('created_by','review 0.1.0');
CREATE TABLE page (
	id INTEGER NOT NULL, 
	document_id INTEGER NOT NULL, 
	page_no INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_page UNIQUE (document_id, page_no), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
INSERT INTO "page" VALUES(1,1,1,'Family hubs were set up in 12 areas.');
INSERT INTO "page" VALUES(2,1,2,'Outcomes improved for children’s attendance.');
CREATE TABLE pdf_table (
	id INTEGER NOT NULL, 
	document_id INTEGER NOT NULL, 
	page_no INTEGER NOT NULL, 
	table_no INTEGER NOT NULL, 
	rows JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(document_id) REFERENCES document (id)
);
INSERT INTO "pdf_table" VALUES(1,1,2,1,'[["Area", "n"], ["North", "40"], ["South", null]]');
CREATE TABLE record (
	id INTEGER NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	work_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_record_source UNIQUE (source, source_id), 
	FOREIGN KEY(first_run_id) REFERENCES search_run (id), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
INSERT INTO "record" VALUES(1,'openalex','W1','Family hubs and early help: an evaluation','We evaluate family hubs in 12 local authorities.','["Smith, Jane", "Okafor, Chidi"]',2021,'2021-03-01','10.1000/hubs.1','Child Care in Practice','1234-5678','12','3','101-119','Taylor & Francis','article','en','https://doi.org/10.1000/hubs.1','W1',NULL,NULL,NULL,'["GB"]','["family hubs", "early help"]','{"oa": {"is_oa": true}}',1,'2026-11-20 09:01:00.000000','2026-11-20 09:02:00.000000',1);
INSERT INTO "record" VALUES(2,'openalex','W2','Sure Start children’s centres: long-run effects',NULL,'["Cattan, Sarah"]',2019,'2019-03-01','10.1000/ss.2','IFS Report',NULL,'12',NULL,NULL,'Institute for Fiscal Studies','report','en',NULL,'W2',NULL,NULL,NULL,'["GB"]',NULL,NULL,1,'2026-11-20 09:02:00.000000','2026-11-20 09:03:00.000000',2);
INSERT INTO "record" VALUES(3,'openalex','W3','Parenting programmes in Wales — a review','Systematic review.','["Evans, Rhys"]',2018,'2018-03-01',NULL,NULL,NULL,NULL,NULL,NULL,'Welsh Government','report','en','https://gov.wales/parenting','W3',NULL,NULL,NULL,NULL,NULL,NULL,1,'2026-11-20 09:03:00.000000','2026-11-20 09:04:00.000000',3);
INSERT INTO "record" VALUES(4,'openalex','W4','Early years outcomes in England','Cohort study.',NULL,2015,'2015-03-01','10.1000/ey.4','BMJ Open',NULL,NULL,NULL,NULL,'BMJ','article','en',NULL,'W4','3456789',NULL,NULL,'["GB", "IE"]',NULL,'{"locations": [{"pdf_url": "https://example.org/ey.pdf"}]}',1,'2026-11-20 09:04:00.000000','2026-11-20 09:05:00.000000',4);
INSERT INTO "record" VALUES(5,'openalex','W5','Home visiting: a cost analysis',NULL,'["Ng, Wei"]',2005,'2005-03-01',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'article','en',NULL,'W5',NULL,NULL,NULL,NULL,NULL,NULL,1,'2026-11-20 09:05:00.000000','2026-11-20 09:06:00.000000',5);
INSERT INTO "record" VALUES(6,'dfe','DFE-1','Family hubs and early help: an evaluation','We evaluate family hubs in 12 local authorities.','["Smith, Jane", "Okafor, Chidi"]',2021,'2021-03-01','10.1000/hubs.1','Child Care in Practice',NULL,NULL,NULL,NULL,'Taylor & Francis','article','en','https://doi.org/10.1000/hubs.1',NULL,NULL,NULL,NULL,'["GB"]','["family hubs", "early help"]',NULL,2,'2026-11-20 09:06:00.000000','2026-11-20 09:07:00.000000',1);
INSERT INTO "record" VALUES(7,'dfe','DFE-2','Children''s centres: staff survey','Survey of staff.','["Brown, A."]',2020,'2020-03-01',NULL,NULL,NULL,NULL,NULL,NULL,'Department for Education','report','en',NULL,NULL,NULL,NULL,NULL,'["GB"]',NULL,NULL,2,'2026-11-20 09:07:00.000000','2026-11-20 09:08:00.000000',6);
INSERT INTO "record" VALUES(8,'dfe','DFE-3','Untouched work',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'en',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,2,'2026-11-20 09:08:00.000000','2026-11-20 09:09:00.000000',7);
CREATE TABLE record_hit (
	record_id INTEGER NOT NULL, 
	search_run_id INTEGER NOT NULL, 
	rank INTEGER, 
	PRIMARY KEY (record_id, search_run_id), 
	FOREIGN KEY(record_id) REFERENCES record (id), 
	FOREIGN KEY(search_run_id) REFERENCES search_run (id)
);
INSERT INTO "record_hit" VALUES(1,1,1);
INSERT INTO "record_hit" VALUES(2,1,2);
INSERT INTO "record_hit" VALUES(3,1,3);
INSERT INTO "record_hit" VALUES(4,1,4);
INSERT INTO "record_hit" VALUES(5,1,5);
INSERT INTO "record_hit" VALUES(6,2,6);
INSERT INTO "record_hit" VALUES(7,2,7);
INSERT INTO "record_hit" VALUES(8,2,8);
INSERT INTO "record_hit" VALUES(1,3,NULL);
CREATE TABLE rule_result (
	id INTEGER NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	rule VARCHAR NOT NULL, 
	reason_code VARCHAR NOT NULL, 
	detail TEXT, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	overturned_by INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_rule_result UNIQUE (work_id, stage, rule), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(overturned_by) REFERENCES screening_decision (id)
);
INSERT INTO "rule_result" VALUES(1,5,'title_abstract','date_range','out_of_date_range','year 2005 before 2010',1,'2026-11-20 09:15:00.000000',NULL);
INSERT INTO "rule_result" VALUES(2,6,'title_abstract','document_type','wrong_document_type','survey',1,'2026-11-20 09:15:00.000000',NULL);
INSERT INTO "rule_result" VALUES(3,3,'title_abstract','language','not_english',NULL,0,'2026-11-20 09:15:00.000000',7);
CREATE TABLE screening_decision (
	id INTEGER NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	decision VARCHAR NOT NULL, 
	reason_code VARCHAR, 
	note TEXT, 
	supersedes INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id), 
	FOREIGN KEY(supersedes) REFERENCES screening_decision (id)
);
INSERT INTO "screening_decision" VALUES(1,1,'title_abstract','reviewer1','screener','include',NULL,NULL,NULL,'2026-11-20 09:30:00.000000');
INSERT INTO "screening_decision" VALUES(2,1,'title_abstract','reviewer2','screener','maybe',NULL,'unclear setting',NULL,'2026-11-20 09:31:00.000000');
INSERT INTO "screening_decision" VALUES(3,2,'title_abstract','reviewer1','screener','include',NULL,NULL,NULL,'2026-11-20 09:32:00.000000');
INSERT INTO "screening_decision" VALUES(4,2,'title_abstract','reviewer2','screener','exclude','wrong_population',NULL,NULL,'2026-11-20 09:33:00.000000');
INSERT INTO "screening_decision" VALUES(5,2,'title_abstract','lead','adjudicator','exclude','wrong_population',NULL,NULL,'2026-11-20 09:40:00.000000');
INSERT INTO "screening_decision" VALUES(6,3,'title_abstract','reviewer1','screener','exclude','wrong_design',NULL,NULL,'2026-11-20 09:34:00.000000');
INSERT INTO "screening_decision" VALUES(7,3,'title_abstract','reviewer1','screener','include',NULL,'changed my mind',6,'2026-11-20 09:35:00.000000');
INSERT INTO "screening_decision" VALUES(8,3,'title_abstract','reviewer2','verifier','include',NULL,NULL,NULL,'2026-11-20 09:36:00.000000');
INSERT INTO "screening_decision" VALUES(9,4,'title_abstract','reviewer2','screener','include',NULL,NULL,NULL,'2026-11-20 09:37:00.000000');
INSERT INTO "screening_decision" VALUES(10,4,'title_abstract','reviewer2','screener','retracted',NULL,NULL,9,'2026-11-20 09:38:00.000000');
INSERT INTO "screening_decision" VALUES(11,7,'title_abstract','reviewer1','screener','exclude','not_uk',NULL,NULL,'2026-11-20 09:39:00.000000');
INSERT INTO "screening_decision" VALUES(12,1,'full_text','reviewer1','screener','exclude','no_outcome',NULL,NULL,'2026-11-20 10:10:00.000000');
INSERT INTO "screening_decision" VALUES(13,1,'full_text','reviewer2','screener','exclude','wrong_design',NULL,NULL,'2026-11-20 10:11:00.000000');
INSERT INTO "screening_decision" VALUES(14,3,'full_text','reviewer1','screener','include',NULL,NULL,NULL,'2026-11-20 10:12:00.000000');
CREATE TABLE screening_note (
	id INTEGER NOT NULL, 
	work_id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(work_id) REFERENCES work (id)
);
INSERT INTO "screening_note" VALUES(1,1,'title_abstract','reviewer2','Check the setting: hubs or centres?','2026-11-20 09:31:00.000000');
CREATE TABLE search_run (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	search_name VARCHAR NOT NULL, 
	arm VARCHAR NOT NULL, 
	platform VARCHAR NOT NULL, 
	request TEXT, 
	filters JSON, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
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
INSERT INTO "search_run" VALUES(1,'openalex','family_hubs','databases','OpenAlex API via pyalex 0.21','https://api.openalex.org/works?search=family+hubs','{"from_publication_date": "2010-01-01"}','2026-11-20 09:00:00.000000','2026-11-20 09:03:00.000000','review 0.1.0',5,5,1,'complete',NULL,NULL,0.0,'sources/openalex/family_hubs.jsonl.gz','abababababababababababababababababababababababababababababababab',NULL);
INSERT INTO "search_run" VALUES(2,'dfe','dfe_export.ris','other','RIS file import','sources/imports/dfe_export.ris',NULL,'2026-11-20 09:05:00.000000','2026-11-20 09:05:00.000000','review 0.1.0',NULL,3,1,'complete','3 records read',NULL,0.0,NULL,NULL,NULL);
INSERT INTO "search_run" VALUES(3,'govuk','govuk_hubs','other','GOV.UK Search API',NULL,NULL,'2026-11-20 09:06:00.000000',NULL,'review 0.1.0',NULL,0,0,'interrupted',NULL,'{"start": 20}',0.0,NULL,NULL,NULL);
CREATE TABLE stage_run (
	id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	status VARCHAR NOT NULL, 
	counts JSON, 
	protocol_hash VARCHAR, 
	tool_version VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "stage_run" VALUES(1,'dedupe','2026-11-20 09:12:00.000000','2026-11-20 09:12:00.000000','complete','{"records": 8, "works": 7}','efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef','review 0.1.0');
CREATE TABLE stopping_log (
	id INTEGER NOT NULL, 
	stage VARCHAR NOT NULL, 
	reviewer VARCHAR NOT NULL, 
	screened INTEGER NOT NULL, 
	remaining INTEGER NOT NULL, 
	estimate JSON, 
	method VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "stopping_log" VALUES(1,'title_abstract','lead',6,1,'{"recall": 0.95, "ci": [0.9, 1.0]}','buscar','2026-11-20 09:50:00.000000');
CREATE TABLE work (
	id INTEGER NOT NULL, 
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
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "work" VALUES(1,'Family hubs and early help: an evaluation','We evaluate family hubs in 12 local authorities.','["Smith, Jane", "Okafor, Chidi"]',2021,'10.1000/hubs.1','Child Care in Practice','Taylor & Francis','article','en','https://doi.org/10.1000/hubs.1','["GB"]','2026-11-20 09:10:00.000000','2026-11-20 09:11:00.000000');
INSERT INTO "work" VALUES(2,'Sure Start children’s centres: long-run effects',NULL,'["Cattan, Sarah"]',2019,'10.1000/ss.2','IFS Report','Institute for Fiscal Studies','report','en',NULL,'["GB"]','2026-11-20 09:10:00.000000','2026-11-20 09:12:00.000000');
INSERT INTO "work" VALUES(3,'Parenting programmes in Wales — a review','Systematic review.','["Evans, Rhys"]',2018,NULL,NULL,'Welsh Government','report','en','https://gov.wales/parenting',NULL,'2026-11-20 09:10:00.000000','2026-11-20 09:13:00.000000');
INSERT INTO "work" VALUES(4,'Early years outcomes in England','Cohort study.',NULL,2015,'10.1000/ey.4','BMJ Open','BMJ','article','en',NULL,'["GB", "IE"]','2026-11-20 09:10:00.000000','2026-11-20 09:14:00.000000');
INSERT INTO "work" VALUES(5,'Home visiting: a cost analysis',NULL,'["Ng, Wei"]',2005,NULL,NULL,NULL,'article','en',NULL,NULL,'2026-11-20 09:10:00.000000','2026-11-20 09:15:00.000000');
INSERT INTO "work" VALUES(6,'Children''s centres: staff survey','Survey of staff.','["Brown, A."]',2020,NULL,NULL,'Department for Education','report','en',NULL,'["GB"]','2026-11-20 09:10:00.000000','2026-11-20 09:16:00.000000');
INSERT INTO "work" VALUES(7,'Untouched work',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'en',NULL,NULL,'2026-11-20 09:10:00.000000','2026-11-20 09:17:00.000000');
CREATE INDEX ix_search_run_search_name ON search_run (search_name);
CREATE INDEX ix_search_run_source ON search_run (source);
CREATE INDEX ix_work_year ON work (year);
CREATE INDEX ix_work_doi ON work (doi);
CREATE INDEX ix_stage_run_stage ON stage_run (stage);
CREATE INDEX ix_record_doi ON record (doi);
CREATE INDEX ix_record_work ON record (work_id);
CREATE INDEX ix_assignment_queue ON assignment (reviewer, stage, purpose, work_id);
CREATE INDEX ix_assignment_work_id ON assignment (work_id);
CREATE INDEX ix_decision_work_stage ON screening_decision (work_id, stage);
CREATE INDEX ix_screening_decision_reviewer ON screening_decision (reviewer);
CREATE INDEX ix_screening_note_reviewer ON screening_note (reviewer);
CREATE INDEX ix_note_work_stage ON screening_note (work_id, stage);
CREATE INDEX ix_record_hit_search_run_id ON record_hit (search_run_id);
CREATE INDEX ix_rule_result_work_id ON rule_result (work_id);
CREATE INDEX ix_rule_result_active ON rule_result (stage, active, work_id);
CREATE INDEX ix_document_sha256 ON document (sha256);
CREATE INDEX ix_document_work_id ON document (work_id);
CREATE INDEX ix_dedupe_event_pair_id ON dedupe_event (pair_id);
CREATE INDEX ix_page_document_id ON page (document_id);
CREATE INDEX ix_pdf_table_document_id ON pdf_table (document_id);
CREATE INDEX ix_extraction_work_field ON extraction_value (work_id, field);
COMMIT;
