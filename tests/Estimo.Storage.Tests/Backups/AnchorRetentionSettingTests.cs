using Estimo.Storage.Backups;
using Microsoft.Extensions.Configuration;

namespace Estimo.Storage.Tests.Backups;

/// <summary><c>Backups:S3:AnchorRetention</c>: 400 days by default, 1 to 3650 days, a bad value named.</summary>
public sealed class AnchorRetentionSettingTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("1.00:00:00", true)]
    [InlineData("3650.00:00:00", true)]
    [InlineData("23:59:59", false)]
    [InlineData("3650.00:00:01", false)]
    [InlineData("-1.00:00:00", false)]
    public void TheRetentionIsBetweenOneAnd3650Days(string? value, bool valid)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Backups:Target"] = "S3",
            ["Backups:S3:Bucket"] = "estimo-backups",
            ["Backups:S3:Region"] = "ap-southeast-2",
            ["Backups:S3:KmsKeyId"] = "alias/estimo",
        };
        if (value is not null)
        {
            settings["Backups:S3:AnchorRetention"] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = configuration.GetSection(BackupOptions.SectionName).Get<BackupOptions>()!;

        var result = new BackupOptionsValidator(configuration).Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (value is null)
        {
            Assert.Equal(TimeSpan.FromDays(400), options.S3.AnchorRetention);
        }

        if (!valid)
        {
            Assert.Equal(["Backups:S3:AnchorRetention must be between 1 and 3650 days (e.g. 400.00:00:00)."], result.Failures);
        }
    }
}
