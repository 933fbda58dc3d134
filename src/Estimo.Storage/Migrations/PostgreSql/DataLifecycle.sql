START TRANSACTION;
ALTER TABLE installations ADD personal_data_reported_at timestamp with time zone;

ALTER TABLE installations ADD token_refused_since timestamp with time zone;

ALTER TABLE installations ADD uninstalled_at timestamp with time zone;

CREATE TABLE installation_purges (
    installation_id character varying(200) NOT NULL,
    purged_at timestamp with time zone NOT NULL,
    reason character varying(32) NOT NULL,
    last_key_version integer NOT NULL,
    purges integer NOT NULL,
    CONSTRAINT pk_installation_purges PRIMARY KEY (installation_id)
);

CREATE TABLE personal_data_accounts (
    installation_id character varying(200) NOT NULL,
    account_id character varying(128) NOT NULL,
    first_stored_at timestamp with time zone NOT NULL,
    last_stored_at timestamp with time zone NOT NULL,
    last_reported_at timestamp with time zone,
    CONSTRAINT pk_personal_data_accounts PRIMARY KEY (installation_id, account_id),
    CONSTRAINT fk_personal_data_accounts_installations_installation_id FOREIGN KEY (installation_id) REFERENCES installations (id) ON DELETE CASCADE
);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129021606_DataLifecycle', '10.0.15');

COMMIT;

