CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;
CREATE TABLE installations (
    id character varying(200) NOT NULL,
    cloud_id character varying(200) NOT NULL,
    site_url character varying(2048) NOT NULL,
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

CREATE TABLE system_tokens (
    installation_id character varying(200) NOT NULL,
    sealed_token bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_system_tokens PRIMARY KEY (installation_id),
    CONSTRAINT fk_system_tokens_installations_installation_id FOREIGN KEY (installation_id) REFERENCES installations (id) ON DELETE CASCADE
);

CREATE INDEX ix_installations_cloud_id ON installations (cloud_id);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261128235506_Initial', '10.0.15');

COMMIT;

