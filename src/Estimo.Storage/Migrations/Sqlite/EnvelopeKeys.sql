BEGIN TRANSACTION;
CREATE TABLE "audit_events" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_audit_events" PRIMARY KEY AUTOINCREMENT,
    "occurred_at" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "details" TEXT NOT NULL
);

CREATE TABLE "installation_keys" (
    "installation_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "kek_id" TEXT NOT NULL,
    "wrapped_key" BLOB NOT NULL,
    "created_at" INTEGER NOT NULL,
    "retired_at" INTEGER NULL,
    CONSTRAINT "pk_installation_keys" PRIMARY KEY ("installation_id", "version"),
    CONSTRAINT "fk_installation_keys_installations_installation_id" FOREIGN KEY ("installation_id") REFERENCES "installations" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_audit_events_action_subject" ON "audit_events" ("action", "subject");

CREATE INDEX "ix_installation_keys_kek_id" ON "installation_keys" ("kek_id");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261129003414_EnvelopeKeys', '10.0.15');

COMMIT;

