using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Estimo.Benchmarks;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

// dotnet run -c Release --project bench/Estimo.Benchmarks -- --filter '*'     BenchmarkDotNet suites
// dotnet run -c Release --project bench/Estimo.Benchmarks -- rewrap 100000   one timed re-wrap of N data keys
// dotnet run -c Release --project bench/Estimo.Benchmarks -- rotate 100 100   one timed rotate-dek --all (installations × values)
if (args.Length >= 1 && args[0] == "rewrap")
{
    var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
    await using var database = await BenchmarkDatabase.CreateAsync();
    var seeding = Stopwatch.StartNew();
    await database.SeedDataKeysAsync(count);
    Console.WriteLine($"seeded {count} data keys in {seeding.Elapsed.TotalSeconds:F1} s");
    var keys = database.Services.GetRequiredService<KeyMaintenance>();
    await keys.AddKekAsync("bench", makePrimary: true, CancellationToken.None);
    var timer = Stopwatch.StartNew();
    var result = await keys.RewrapAsync("bench", batchSize: 1000, report: null, CancellationToken.None);
    timer.Stop();
    Console.WriteLine($"re-wrapped {result.Rewrapped} data keys in {timer.Elapsed.TotalSeconds:F1} s = {result.Rewrapped / timer.Elapsed.TotalSeconds:F0} keys/s");
    return 0;
}

if (args.Length >= 1 && args[0] == "rotate")
{
    // rotate INSTALLATIONS VALUES_EACH: one timed 'keys rotate-dek --all' over 2 KB session states.
    var installations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
    var valuesEach = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
    await using var database = await BenchmarkDatabase.CreateAsync();
    await database.SeedSealedValuesAsync(installations, valuesEach, valueSize: 2048);
    var keys = database.Services.GetRequiredService<KeyMaintenance>();
    await Task.Delay(TimeSpan.FromSeconds(1)); // the data keys must predate the rotation
    var timer = Stopwatch.StartNew();
    var result = await keys.RotateDataKeysAsync("bench", null, batchSize: 500, report: null, CancellationToken.None);
    timer.Stop();
    Console.WriteLine($"rotated {result.Installations} installations, re-encrypted {result.Reencrypted} values in {timer.Elapsed.TotalSeconds:F1} s = {result.Reencrypted / timer.Elapsed.TotalSeconds:F0} rows/s");
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(SealBenchmarks).Assembly).Run(args);
return 0;
