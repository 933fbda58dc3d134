CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "installations" (
    "id" TEXT NOT NULL CONSTRAINT "pk_installations" PRIMARY KEY,
    "cloud_id" TEXT NOT NULL,
    "site_url" TEXT NULL,
    "api_base_url" TEXT NOT NULL,
    "app_version" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "installed_at" INTEGER NOT NULL,
    "upgraded_at" INTEGER NULL,
    "status" TEXT NOT NULL,
    "updated_at" INTEGER NOT NULL,
    "version" INTEGER NOT NULL
);

CREATE TABLE "poker_sessions" (
    "id" TEXT NOT NULL CONSTRAINT "pk_poker_sessions" PRIMARY KEY,
    "installation_id" TEXT NOT NULL,
    "project_key" TEXT NOT NULL,
    "board_id" INTEGER NULL,
    "estimation_field_id" TEXT NOT NULL,
    "source_kind" TEXT NOT NULL,
    "sprint_id" INTEGER NULL,
    "facilitator_account_id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created_at" INTEGER NOT NULL,
    "ended_at" INTEGER NULL,
    "updated_at" INTEGER NOT NULL,
    "issue_count" INTEGER NOT NULL,
    "participant_count" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "sealed_state" BLOB NOT NULL,
    CONSTRAINT "fk_poker_sessions_installations_installation_id" FOREIGN KEY ("installation_id") REFERENCES "installations" ("id") ON DELETE CASCADE
);

CREATE TABLE "system_tokens" (
    "installation_id" TEXT NOT NULL CONSTRAINT "pk_system_tokens" PRIMARY KEY,
    "sealed_token" BLOB NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,
    CONSTRAINT "fk_system_tokens_installations_installation_id" FOREIGN KEY ("installation_id") REFERENCES "installations" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_installations_cloud_id" ON "installations" ("cloud_id");

CREATE INDEX "ix_poker_sessions_installation_project_status" ON "poker_sessions" ("installation_id", "project_key", "status", "created_at");

CREATE INDEX "ix_poker_sessions_status_ended_at" ON "poker_sessions" ("status", "ended_at");

CREATE INDEX "ix_poker_sessions_updated_at" ON "poker_sessions" ("updated_at");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129000447_Initial', '10.0.15');

COMMIT;

