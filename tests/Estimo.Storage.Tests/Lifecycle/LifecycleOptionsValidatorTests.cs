using Estimo.Storage.Lifecycle;
using Estimo.Storage.PersonalData;

namespace Estimo.Storage.Tests.Lifecycle;

/// <summary>The published promises (purge within 7 days, report at least every 7 days) are enforced at start-up.</summary>
public sealed class LifecycleOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.True(new LifecycleOptionsValidator().Validate(null, new LifecycleOptions()).Succeeded);
        Assert.True(new PersonalDataOptionsValidator().Validate(null, new PersonalDataOptions()).Succeeded);
    }

    [Fact]
    public void PurgeLaterThanSevenDays_OrATokenRuleBeyondSix_IsRefused_NamingEverySetting()
    {
        var result = new LifecycleOptionsValidator().Validate(null, new LifecycleOptions
        {
            PurgeAfterUninstall = TimeSpan.FromDays(8),
            PurgeAfterTokenRefusedDays = 7,
            SweepInterval = TimeSpan.FromSeconds(1),
        });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Lifecycle:PurgeAfterUninstall", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Lifecycle:PurgeAfterTokenRefusedDays", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Lifecycle:SweepInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void ReportingLessOftenThanWeekly_IsRefused()
    {
        var result = new PersonalDataOptionsValidator().Validate(null, new PersonalDataOptions { ReportEvery = TimeSpan.FromDays(8) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("PersonalData:ReportEvery", StringComparison.Ordinal));
    }
}
