using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Estimo.Storage.Migrations.PostgreSql
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
                    id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    cloud_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    site_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    api_base_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    app_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    environment = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    installed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    upgraded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_installations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "system_tokens",
                columns: table => new
                {
                    installation_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    sealed_token = table.Column<byte[]>(type: "bytea", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "system_tokens");

            migrationBuilder.DropTable(
                name: "installations");
        }
    }
}
