CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "installations" (
    "id" TEXT NOT NULL CONSTRAINT "pk_installations" PRIMARY KEY,
    "cloud_id" TEXT NOT NULL,
    "site_url" TEXT NOT NULL,
    "api_base_url" TEXT NOT NULL,
    "app_version" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "installed_at" INTEGER NOT NULL,
    "upgraded_at" INTEGER NULL,
    "status" TEXT NOT NULL,
    "updated_at" INTEGER NOT NULL,
    "version" INTEGER NOT NULL
);

CREATE TABLE "system_tokens" (
    "installation_id" TEXT NOT NULL CONSTRAINT "pk_system_tokens" PRIMARY KEY,
    "sealed_token" BLOB NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,
    CONSTRAINT "fk_system_tokens_installations_installation_id" FOREIGN KEY ("installation_id") REFERENCES "installations" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_installations_cloud_id" ON "installations" ("cloud_id");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261128235503_Initial', '10.0.15');

COMMIT;

