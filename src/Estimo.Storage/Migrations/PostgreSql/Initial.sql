CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;
CREATE TABLE installations (
    id character varying(200) NOT NULL,
    cloud_id character varying(200) NOT NULL,
    site_url character varying(2048),
    api_base_url character varying(2048) NOT NULL,
    app_version character varying(100) NOT NULL,
    environment character varying(100) NOT NULL,
    installed_at timestamp with time zone NOT NULL,
    upgraded_at timestamp with time zone,
    status character varying(32) NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    version integer NOT NULL,
    CONSTRAINT pk_installations PRIMARY KEY (id)
);

CREATE TABLE poker_sessions (
    id character varying(128) NOT NULL,
    installation_id character varying(200) NOT NULL,
    project_key character varying(255) NOT NULL,
    board_id bigint,
    estimation_field_id character varying(255) NOT NULL,
    source_kind character varying(32) NOT NULL,
    sprint_id bigint,
    facilitator_account_id character varying(128) NOT NULL,
    mode character varying(32) NOT NULL,
    status character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    issue_count integer NOT NULL,
    participant_count integer NOT NULL,
    version bigint NOT NULL,
    sealed_state bytea NOT NULL,
    CONSTRAINT pk_poker_sessions PRIMARY KEY (id),
    CONSTRAINT fk_poker_sessions_installations_installation_id FOREIGN KEY (installation_id) REFERENCES installations (id) ON DELETE CASCADE
);

CREATE TABLE system_tokens (
    installation_id character varying(200) NOT NULL,
    sealed_token bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_system_tokens PRIMARY KEY (installation_id),
    CONSTRAINT fk_system_tokens_installations_installation_id FOREIGN KEY (installation_id) REFERENCES installations (id) ON DELETE CASCADE
);

CREATE INDEX ix_installations_cloud_id ON installations (cloud_id);

CREATE INDEX ix_poker_sessions_installation_project_status ON poker_sessions (installation_id, project_key, status, created_at);

CREATE INDEX ix_poker_sessions_status_ended_at ON poker_sessions (status, ended_at);

CREATE INDEX ix_poker_sessions_updated_at ON poker_sessions (updated_at);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129000456_Initial', '10.0.15');

COMMIT;

