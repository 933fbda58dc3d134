START TRANSACTION;
ALTER TABLE audit_events ADD hash character varying(64);

ALTER TABLE audit_events ADD installation_id character varying(200);

ALTER TABLE audit_events ADD operator_id character varying(32);

ALTER TABLE audit_events ADD prev_hash character varying(64);

ALTER TABLE audit_events ADD sequence bigint;

ALTER TABLE audit_events ADD ssh_key_fingerprint character varying(64);

CREATE TABLE operators (
    id character varying(32) NOT NULL,
    os_user character varying(64) NOT NULL,
    display_name character varying(200) NOT NULL,
    role character varying(32) NOT NULL,
    active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_operators PRIMARY KEY (id)
);

CREATE TABLE operator_keys (
    operator_id character varying(32) NOT NULL,
    fingerprint character varying(64) NOT NULL,
    added_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_operator_keys PRIMARY KEY (operator_id, fingerprint),
    CONSTRAINT fk_operator_keys_operators_operator_id FOREIGN KEY (operator_id) REFERENCES operators (id) ON DELETE CASCADE
);

CREATE TABLE support_grants (
    id character varying(32) NOT NULL,
    operator_id character varying(32) NOT NULL,
    installation_id character varying(200) NOT NULL,
    reason character varying(500) NOT NULL,
    ticket character varying(100) NOT NULL,
    scope character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    requires_approval boolean NOT NULL,
    approved_by character varying(32),
    approved_at timestamp with time zone,
    revoked_by character varying(32),
    revoked_at timestamp with time zone,
    CONSTRAINT pk_support_grants PRIMARY KEY (id),
    CONSTRAINT fk_support_grants_operators_operator_id FOREIGN KEY (operator_id) REFERENCES operators (id) ON DELETE RESTRICT
);

CREATE INDEX ix_audit_events_installation_occurred_at ON audit_events (installation_id, occurred_at);

CREATE UNIQUE INDEX ux_audit_events_sequence ON audit_events (sequence);

CREATE UNIQUE INDEX ux_operator_keys_fingerprint ON operator_keys (fingerprint);

CREATE UNIQUE INDEX ux_operators_os_user ON operators (os_user);

CREATE INDEX "IX_support_grants_operator_id" ON support_grants (operator_id);

CREATE INDEX ix_support_grants_installation_created_at ON support_grants (installation_id, created_at);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129024820_OperatorsGrantsAuditChain', '10.0.15');

COMMIT;

