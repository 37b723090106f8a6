-- Checklist templates: the questions an auditor asks for each ISO 9001 clause. Every
-- organisation has its own library, which it edits; an audit's checklist copies the questions
-- of its criteria, so later edits never change an audit already planned or done.

-- +goose Up
-- The questions every organisation starts with: reference data, like iso_clauses. New
-- organisations are given a copy when they are created (internal/qms), existing ones below.
CREATE TABLE iso_default_questions (
    clause_number text NOT NULL REFERENCES iso_clauses (number),
    position      integer NOT NULL,
    question      text NOT NULL,
    guidance      text NOT NULL DEFAULT '',
    PRIMARY KEY (clause_number, position)
);

INSERT INTO iso_default_questions (clause_number, position, question, guidance) VALUES
    ('4.1', 1, 'Have the external and internal issues relevant to the organisation''s purpose and strategic direction been determined?', 'Look for a context analysis (e.g. SWOT or PESTLE) and evidence that it was reviewed in the last year.'),
    ('4.1', 2, 'Is information about these issues monitored and reviewed?', 'Check management review inputs and minutes.'),
    ('4.2', 1, 'Have the interested parties and their relevant requirements been determined?', 'Customers, regulators, suppliers, employees, certification body.'),
    ('4.2', 2, 'Is information about interested parties and their requirements monitored and reviewed?', ''),
    ('4.3', 1, 'Is the scope of the QMS available as documented information, stating products, services and sites covered?', 'Any requirement determined not applicable must be justified.'),
    ('4.4', 1, 'Have the processes of the QMS been determined with their inputs, outputs, sequence and interaction?', 'Process map, turtle diagrams or process descriptions.'),
    ('4.4', 2, 'Are criteria, methods, resources, responsibilities and risks set for each process, and are processes evaluated?', 'Process KPIs and owners.'),
    ('5.1', 1, 'Does top management demonstrate leadership and take accountability for the effectiveness of the QMS?', 'Interview top management; look for involvement in reviews, objectives and resources.'),
    ('5.1', 2, 'Are customer and applicable statutory and regulatory requirements determined, understood and consistently met?', 'Customer focus (5.1.2): on-time delivery and quality performance, complaint trends.'),
    ('5.2', 1, 'Is the quality policy appropriate, does it include the required commitments and provide a framework for objectives?', ''),
    ('5.2', 2, 'Is the quality policy communicated, understood and applied within the organisation?', 'Ask people on the shop floor what the policy means for their work.'),
    ('5.3', 1, 'Are responsibilities and authorities for relevant roles assigned, communicated and understood?', 'Organisation chart, job descriptions, who may release product.'),
    ('6.1', 1, 'Have risks and opportunities been determined for the processes, and are actions planned to address them?', 'Risk register; actions proportionate to the potential impact.'),
    ('6.1', 2, 'Is the effectiveness of the actions taken on risks and opportunities evaluated?', ''),
    ('6.2', 1, 'Are quality objectives set for relevant functions and processes, measurable and consistent with the policy?', ''),
    ('6.2', 2, 'Is it planned what will be done, by whom, with what resources and by when to achieve each objective, and how results are evaluated?', 'Compare targets with actual performance.'),
    ('6.3', 1, 'Are changes to the QMS carried out in a planned manner, considering their purpose, consequences, resources and responsibilities?', 'Recent reorganisations, new machines, site moves.'),
    ('7.1', 1, 'Are the resources needed for the QMS determined and provided, including people and infrastructure?', '7.1.1 to 7.1.3.'),
    ('7.1.4', 1, 'Is the environment for the operation of processes suitable and maintained (e.g. temperature, cleanliness, lighting)?', 'Measurement rooms: temperature records.'),
    ('7.1.5', 1, 'Are monitoring and measuring resources suitable for the measurements made and maintained for continued fitness?', 'Gauges, CMMs, instruments: identification and status.'),
    ('7.1.5', 2, 'Are measuring instruments calibrated or verified at specified intervals against standards traceable to national or international standards, and is their status identified?', 'Sample instruments in use; compare with the calibration register and certificates.'),
    ('7.1.5', 3, 'When an instrument is found out of calibration, is the validity of previous results assessed and action taken?', 'Look for the impact assessment on product measured since the last good calibration.'),
    ('7.1.6', 1, 'Is the knowledge necessary for operation of processes determined, maintained and made available?', 'Lessons learned, work instructions, succession planning.'),
    ('7.2', 1, 'Is the competence required for each role that affects quality determined?', 'Skills matrix, job descriptions.'),
    ('7.2', 2, 'Are people competent on the basis of education, training or experience, and is evidence of competence retained?', 'Sample training records against the skills matrix.'),
    ('7.2', 3, 'Where competence gaps exist, are actions taken and their effectiveness evaluated?', ''),
    ('7.3', 1, 'Are people aware of the quality policy, relevant objectives, their contribution and the implications of not conforming?', 'Interview operators.'),
    ('7.4', 1, 'Are internal and external communications relevant to the QMS determined (what, when, with whom, how, who)?', ''),
    ('7.5', 1, 'Is documented information required by the standard and by the organisation created with proper identification, format and review and approval?', '7.5.2.'),
    ('7.5', 2, 'Is documented information controlled: available where needed, protected, version controlled, and obsolete versions prevented from unintended use?', '7.5.3: check documents at the point of use are the current revision.'),
    ('7.5', 3, 'Are retained records protected from unintended alteration, and are retention and disposition defined?', ''),
    ('8.1', 1, 'Are the processes needed to provide products and services planned, implemented and controlled, with criteria for processes and acceptance of product?', 'Route cards, process sheets, control plans.'),
    ('8.2', 1, 'Are customer communications about products, enquiries, contracts, orders, feedback and customer property handled?', '8.2.1.'),
    ('8.2', 2, 'Are requirements reviewed before committing to supply, including requirements not stated by the customer, and are the results retained?', '8.2.3: sample quotations and order reviews, including drawing revisions.'),
    ('8.2', 3, 'When requirements change, is documented information amended and are relevant persons made aware?', '8.2.4.'),
    ('8.3', 1, 'Is design and development planned, with stages, reviews, verification and validation activities and responsibilities?', '8.3.2. If design is excluded from scope, check the justification.'),
    ('8.3', 2, 'Are design inputs adequate and complete, and are controls applied to ensure outputs meet input requirements?', '8.3.3 to 8.3.5.'),
    ('8.3', 3, 'Are design changes identified, reviewed, controlled and recorded?', '8.3.6.'),
    ('8.4', 1, 'Are criteria for the evaluation, selection, monitoring of performance and re-evaluation of external providers determined and applied?', 'Approved supplier list, supplier scorecards.'),
    ('8.4', 2, 'Are the type and extent of controls on externally provided processes, products and services defined and applied?', '8.4.2: incoming inspection, certificates of conformity, material certificates.'),
    ('8.4', 3, 'Are requirements communicated to external providers adequately before they are communicated?', '8.4.3: purchase orders specify material grade, revision, approvals and certificates required.'),
    ('8.5.1', 1, 'Is production carried out under controlled conditions: documented characteristics, work instructions, suitable equipment, competent people?', 'Check the current drawing and program at the machine.'),
    ('8.5.1', 2, 'Are monitoring and measurement activities carried out at appropriate stages to verify that criteria are met?', 'First-off, in-process and last-off inspection records.'),
    ('8.5.1', 3, 'Are processes whose output cannot be verified by subsequent monitoring validated and periodically revalidated?', 'Special processes: heat treatment, plating, welding.'),
    ('8.5.2', 1, 'Are outputs identified, with their status with respect to monitoring and measurement, and is traceability controlled where required?', 'Batch and heat numbers from material certificate to delivered part.'),
    ('8.5.3', 1, 'Is property belonging to customers or external providers identified, verified, protected and safeguarded, and is loss or damage reported?', 'Free-issue material, customer gauges and fixtures.'),
    ('8.5.4', 1, 'Are outputs preserved during production and service provision (handling, packaging, storage, protection)?', 'Rust prevention, damage protection, FIFO stock.'),
    ('8.5.5', 1, 'Are requirements for post-delivery activities met, considering customer feedback and warranty?', ''),
    ('8.5.6', 1, 'Are changes to production reviewed and controlled, with the results of the review and the authorisation retained?', 'Program changes, machine changes, alternative routes.'),
    ('8.6', 1, 'Is the release of products verified against planned arrangements, and is the person authorising release identified?', 'Final inspection records, certificates of conformity.'),
    ('8.7', 1, 'Are outputs that do not conform identified and controlled to prevent their unintended use or delivery?', 'Quarantine area, NCR tags, segregation.'),
    ('8.7', 2, 'Is action taken on nonconforming outputs (correction, segregation, concession, scrap) and is it recorded, with the authority for the decision?', 'Sample nonconformance reports; concessions signed by the customer where required.'),
    ('9.1.1', 1, 'Is it determined what needs to be monitored and measured, by what methods and when, and are results evaluated?', 'KPI dashboard.'),
    ('9.1.2', 1, 'Is customer perception of the degree to which requirements are met monitored?', 'Surveys, scorecards from customers, complaint analysis.'),
    ('9.1.3', 1, 'Are appropriate data analysed and evaluated, and used to evaluate performance and the effectiveness of the QMS?', ''),
    ('9.2', 1, 'Is an audit programme planned and maintained, taking into account the importance of processes, changes and results of previous audits?', ''),
    ('9.2', 2, 'Are audit criteria and scope defined for each audit, auditors selected for objectivity and impartiality, and results reported to management?', 'Auditors do not audit their own work.'),
    ('9.2', 3, 'Are corrections and corrective actions taken without undue delay, and is audit evidence retained?', ''),
    ('9.3', 1, 'Does top management review the QMS at planned intervals, considering all inputs of 9.3.2?', 'Minutes of the last management review.'),
    ('9.3', 2, 'Do the outputs of management review include decisions on improvement, changes to the QMS and resource needs, and are actions followed up?', ''),
    ('10.2', 1, 'When a nonconformity occurs, including from complaints, is it reacted to, its causes determined and corrective action taken?', 'Sample CAPAs: root cause analysis, actions, due dates.'),
    ('10.2', 2, 'Is the effectiveness of corrective actions reviewed, and are risks and opportunities updated where necessary?', 'Evidence of effectiveness checks before closure.'),
    ('10.3', 1, 'Is the suitability, adequacy and effectiveness of the QMS continually improved, using analysis, audit results and management review?', 'Improvement projects, OFIs taken up.');

GRANT SELECT ON iso_default_questions TO plumbline_app;

-- An organisation's library of questions, by clause.
CREATE TABLE audit_question_templates (
    tenant_id     uuid NOT NULL REFERENCES organisations (id),
    id            uuid NOT NULL DEFAULT uuid_v7(),
    clause_number text NOT NULL REFERENCES iso_clauses (number),
    position      integer NOT NULL DEFAULT 0,
    question      text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    guidance      text NOT NULL DEFAULT '' CHECK (length(guidance) <= 2000),
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_question_templates_clause_idx ON audit_question_templates (tenant_id, clause_number, position);
SELECT enable_tenant_rls('audit_question_templates');
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_question_templates TO plumbline_app;

-- Organisations that exist already get the default library. (Migrations run as the owner,
-- whose inserts row-level security would refuse without a tenant: the policy is lifted for
-- this one statement by setting each row's tenant as the transaction's.)
-- +goose StatementBegin
DO $$
DECLARE
    org uuid;
BEGIN
    FOR org IN SELECT id FROM organisations LOOP
        PERFORM set_config('app.tenant_id', org::text, true);
        INSERT INTO audit_question_templates (tenant_id, clause_number, position, question, guidance)
        SELECT org, clause_number, position, question, guidance FROM iso_default_questions;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_question_templates;
DROP TABLE iso_default_questions;
