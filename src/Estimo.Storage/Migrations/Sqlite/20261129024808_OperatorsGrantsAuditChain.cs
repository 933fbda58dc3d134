using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Estimo.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OperatorsGrantsAuditChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "hash",
                table: "audit_events",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "installation_id",
                table: "audit_events",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "operator_id",
                table: "audit_events",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "prev_hash",
                table: "audit_events",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "sequence",
                table: "audit_events",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ssh_key_fingerprint",
                table: "audit_events",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "operators",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    os_user = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_operators", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "operator_keys",
                columns: table => new
                {
                    operator_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    fingerprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    added_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_operator_keys", x => new { x.operator_id, x.fingerprint });
                    table.ForeignKey(
                        name: "fk_operator_keys_operators_operator_id",
                        column: x => x.operator_id,
                        principalTable: "operators",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "support_grants",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    operator_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    installation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ticket = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false),
                    requires_approval = table.Column<bool>(type: "INTEGER", nullable: false),
                    approved_by = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    approved_at = table.Column<long>(type: "INTEGER", nullable: true),
                    revoked_by = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    revoked_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_support_grants", x => x.id);
                    table.ForeignKey(
                        name: "fk_support_grants_operators_operator_id",
                        column: x => x.operator_id,
                        principalTable: "operators",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_installation_occurred_at",
                table: "audit_events",
                columns: new[] { "installation_id", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "ux_audit_events_sequence",
                table: "audit_events",
                column: "sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_operator_keys_fingerprint",
                table: "operator_keys",
                column: "fingerprint",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_operators_os_user",
                table: "operators",
                column: "os_user",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_support_grants_operator_id",
                table: "support_grants",
                column: "operator_id");

            migrationBuilder.CreateIndex(
                name: "ix_support_grants_installation_created_at",
                table: "support_grants",
                columns: new[] { "installation_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "operator_keys");

            migrationBuilder.DropTable(
                name: "support_grants");

            migrationBuilder.DropTable(
                name: "operators");

            migrationBuilder.DropIndex(
                name: "ix_audit_events_installation_occurred_at",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "ux_audit_events_sequence",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "hash",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "installation_id",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "operator_id",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "prev_hash",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "sequence",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "ssh_key_fingerprint",
                table: "audit_events");
        }
    }
}
