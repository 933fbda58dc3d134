using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Estimo.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "installations",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    cloud_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    site_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    api_base_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    app_version = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    environment = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    installed_at = table.Column<long>(type: "INTEGER", nullable: false),
                    upgraded_at = table.Column<long>(type: "INTEGER", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_installations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "poker_sessions",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    installation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    project_key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    board_id = table.Column<long>(type: "INTEGER", nullable: true),
                    estimation_field_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    source_kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    sprint_id = table.Column<long>(type: "INTEGER", nullable: true),
                    facilitator_account_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    mode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    ended_at = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    issue_count = table.Column<int>(type: "INTEGER", nullable: false),
                    participant_count = table.Column<int>(type: "INTEGER", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    sealed_state = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_poker_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_poker_sessions_installations_installation_id",
                        column: x => x.installation_id,
                        principalTable: "installations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "system_tokens",
                columns: table => new
                {
                    installation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    sealed_token = table.Column<byte[]>(type: "BLOB", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_system_tokens", x => x.installation_id);
                    table.ForeignKey(
                        name: "fk_system_tokens_installations_installation_id",
                        column: x => x.installation_id,
                        principalTable: "installations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_installations_cloud_id",
                table: "installations",
                column: "cloud_id");

            migrationBuilder.CreateIndex(
                name: "ix_poker_sessions_installation_project_status",
                table: "poker_sessions",
                columns: new[] { "installation_id", "project_key", "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_poker_sessions_status_ended_at",
                table: "poker_sessions",
                columns: new[] { "status", "ended_at" });

            migrationBuilder.CreateIndex(
                name: "ix_poker_sessions_updated_at",
                table: "poker_sessions",
                column: "updated_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "poker_sessions");

            migrationBuilder.DropTable(
                name: "system_tokens");

            migrationBuilder.DropTable(
                name: "installations");
        }
    }
}
