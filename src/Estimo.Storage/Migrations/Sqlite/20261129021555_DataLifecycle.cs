using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Estimo.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DataLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "personal_data_reported_at",
                table: "installations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "token_refused_since",
                table: "installations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "uninstalled_at",
                table: "installations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "installation_purges",
                columns: table => new
                {
                    installation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    purged_at = table.Column<long>(type: "INTEGER", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    last_key_version = table.Column<int>(type: "INTEGER", nullable: false),
                    purges = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_installation_purges", x => x.installation_id);
                });

            migrationBuilder.CreateTable(
                name: "personal_data_accounts",
                columns: table => new
                {
                    installation_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    first_stored_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_stored_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_reported_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_personal_data_accounts", x => new { x.installation_id, x.account_id });
                    table.ForeignKey(
                        name: "fk_personal_data_accounts_installations_installation_id",
                        column: x => x.installation_id,
                        principalTable: "installations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "installation_purges");

            migrationBuilder.DropTable(
                name: "personal_data_accounts");

            migrationBuilder.DropColumn(
                name: "personal_data_reported_at",
                table: "installations");

            migrationBuilder.DropColumn(
                name: "token_refused_since",
                table: "installations");

            migrationBuilder.DropColumn(
                name: "uninstalled_at",
                table: "installations");
        }
    }
}
