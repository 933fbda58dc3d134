BEGIN TRANSACTION;
ALTER TABLE "audit_events" ADD "hash" TEXT NULL;

ALTER TABLE "audit_events" ADD "installation_id" TEXT NULL;

ALTER TABLE "audit_events" ADD "operator_id" TEXT NULL;

ALTER TABLE "audit_events" ADD "prev_hash" TEXT NULL;

ALTER TABLE "audit_events" ADD "sequence" INTEGER NULL;

ALTER TABLE "audit_events" ADD "ssh_key_fingerprint" TEXT NULL;

CREATE TABLE "operators" (
    "id" TEXT NOT NULL CONSTRAINT "pk_operators" PRIMARY KEY,
    "os_user" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "active" INTEGER NOT NULL,
    "created_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL
);

CREATE TABLE "operator_keys" (
    "operator_id" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "added_at" INTEGER NOT NULL,
    CONSTRAINT "pk_operator_keys" PRIMARY KEY ("operator_id", "fingerprint"),
    CONSTRAINT "fk_operator_keys_operators_operator_id" FOREIGN KEY ("operator_id") REFERENCES "operators" ("id") ON DELETE CASCADE
);

CREATE TABLE "support_grants" (
    "id" TEXT NOT NULL CONSTRAINT "pk_support_grants" PRIMARY KEY,
    "operator_id" TEXT NOT NULL,
    "installation_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "ticket" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "created_at" INTEGER NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "requires_approval" INTEGER NOT NULL,
    "approved_by" TEXT NULL,
    "approved_at" INTEGER NULL,
    "revoked_by" TEXT NULL,
    "revoked_at" INTEGER NULL,
    CONSTRAINT "fk_support_grants_operators_operator_id" FOREIGN KEY ("operator_id") REFERENCES "operators" ("id") ON DELETE RESTRICT
);

CREATE INDEX "ix_audit_events_installation_occurred_at" ON "audit_events" ("installation_id", "occurred_at");

CREATE UNIQUE INDEX "ux_audit_events_sequence" ON "audit_events" ("sequence");

CREATE UNIQUE INDEX "ux_operator_keys_fingerprint" ON "operator_keys" ("fingerprint");

CREATE UNIQUE INDEX "ux_operators_os_user" ON "operators" ("os_user");

CREATE INDEX "IX_support_grants_operator_id" ON "support_grants" ("operator_id");

CREATE INDEX "ix_support_grants_installation_created_at" ON "support_grants" ("installation_id", "created_at");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129024808_OperatorsGrantsAuditChain', '10.0.15');

COMMIT;

