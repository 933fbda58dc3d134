BEGIN TRANSACTION;
ALTER TABLE "installations" ADD "personal_data_reported_at" INTEGER NULL;

ALTER TABLE "installations" ADD "token_refused_since" INTEGER NULL;

ALTER TABLE "installations" ADD "uninstalled_at" INTEGER NULL;

CREATE TABLE "installation_purges" (
    "installation_id" TEXT NOT NULL CONSTRAINT "pk_installation_purges" PRIMARY KEY,
    "purged_at" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "last_key_version" INTEGER NOT NULL,
    "purges" INTEGER NOT NULL
);

CREATE TABLE "personal_data_accounts" (
    "installation_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "first_stored_at" INTEGER NOT NULL,
    "last_stored_at" INTEGER NOT NULL,
    "last_reported_at" INTEGER NULL,
    CONSTRAINT "pk_personal_data_accounts" PRIMARY KEY ("installation_id", "account_id"),
    CONSTRAINT "fk_personal_data_accounts_installations_installation_id" FOREIGN KEY ("installation_id") REFERENCES "installations" ("id") ON DELETE CASCADE
);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129021555_DataLifecycle', '10.0.15');

COMMIT;

