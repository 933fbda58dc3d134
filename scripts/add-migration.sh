#!/usr/bin/env bash
# Adds an EF Core migration for BOTH providers (SQLite and PostgreSQL) with the same name, and
# writes the SQL of each next to it for review. Usage: scripts/add-migration.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh NAME}"
[[ "$name" =~ ^[A-Z][A-Za-z0-9]+$ ]] || { echo "add-migration: NAME must be PascalCase letters and digits" >&2; exit 2; }

dotnet tool restore >/dev/null
for provider in Sqlite PostgreSql; do
  previous=$(ls src/Estimo.Storage/Migrations/$provider/*_*.cs 2>/dev/null | grep -v Designer | sed -E 's#.*/[0-9]+_([A-Za-z0-9]+)\.cs#\1#' | tail -n 1 || true)
  dotnet ef migrations add "$name" --project src/Estimo.Storage --startup-project src/Estimo.Storage \
    --context ${provider}EstimoDbContext --output-dir Migrations/$provider \
    --namespace Estimo.Storage.Migrations.$provider >/dev/null
  # dotnet-ef puts the model snapshot in a folder named after the namespace; move it back.
  if [ -d src/Estimo.Storage/Estimo/Storage/Migrations/$provider ]; then
    mv src/Estimo.Storage/Estimo/Storage/Migrations/$provider/*.cs src/Estimo.Storage/Migrations/$provider/
  fi
  rm -rf src/Estimo.Storage/Estimo
  from=${previous:-0}
  dotnet ef migrations script "$from" "$name" --project src/Estimo.Storage --startup-project src/Estimo.Storage \
    --context ${provider}EstimoDbContext -o src/Estimo.Storage/Migrations/$provider/$name.sql >/dev/null
done
rm -f src/Estimo.Storage/estimo-design-time.db
echo "Added migration $name for Sqlite and PostgreSql; review src/Estimo.Storage/Migrations/*/$name.sql"
