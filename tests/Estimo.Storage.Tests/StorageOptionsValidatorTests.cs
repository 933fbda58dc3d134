namespace Estimo.Storage.Tests;

public sealed class StorageOptionsValidatorTests
{
    private readonly StorageOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(_validator.Validate(null, new StorageOptions()).Succeeded);
    }

    [Fact]
    public void Validate_PostgreSqlWithConnectionString_Succeeds()
    {
        var options = new StorageOptions { Provider = StorageProvider.PostgreSql, ConnectionString = "Host=db;Username=estimo" };

        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_SeveralBadSettings_ReportsEveryOneWithItsFullName()
    {
        var options = new StorageOptions { Provider = StorageProvider.PostgreSql, DataDirectory = " ", ConnectionString = null };

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Storage:DataDirectory must not be empty.",
                "Storage:ConnectionString is required when Storage:Provider is PostgreSql (or give Storage:Host, Storage:Database, Storage:Username and Storage:Password).",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_UnknownProviderAndGarbledConnectionString_ReportsBothWithoutEchoingTheSecret()
    {
        var options = new StorageOptions { Provider = (StorageProvider)7, ConnectionString = "password-without-a-key" };

        var result = _validator.Validate(null, options);

        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Storage:Provider '7'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Storage:ConnectionString", StringComparison.Ordinal));
        Assert.DoesNotContain("password-without-a-key", result.FailureMessage, StringComparison.Ordinal);
    }
}

public sealed class PostgreSqlConnectionPartsTests
{
    [Fact]
    public void Parts_WithoutAConnectionString_BuildOneThatRequiresTls()
    {
        var options = new StorageOptions { Provider = StorageProvider.PostgreSql, Host = "db.internal", Port = 5433, Database = "estimo", Username = "app", Password = "s3cret" };

        var built = new Npgsql.NpgsqlConnectionStringBuilder(options.PostgreSqlConnectionString());

        Assert.Equal("db.internal", built.Host);
        Assert.Equal(5433, built.Port);
        Assert.Equal("estimo", built.Database);
        Assert.Equal(Npgsql.SslMode.Require, built.SslMode);
        Assert.True(new StorageOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Parts_MissingDatabaseAndUser_AreBothReported_WithoutThePassword()
    {
        var options = new StorageOptions { Provider = StorageProvider.PostgreSql, Host = "db.internal", Password = "s3cret" };

        var result = new StorageOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.Contains("Storage:Database", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Storage:Username", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Failures!, f => f.Contains("s3cret", StringComparison.Ordinal));
    }
}
