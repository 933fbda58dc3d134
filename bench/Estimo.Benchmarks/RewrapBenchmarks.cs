using BenchmarkDotNet.Attributes;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Benchmarks;

/// <summary>
/// <c>keys rewrap</c> throughput with the local keyring on SQLite: each iteration adds a new
/// primary KEK, then re-wraps every data key under it (what the operator command runs).
/// </summary>
public class RewrapBenchmarks
{
    private BenchmarkDatabase _database = null!;
    private KeyMaintenance _keys = null!;

    [Params(10_000)]
    public int DataKeys { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await BenchmarkDatabase.CreateAsync();
        await _database.SeedDataKeysAsync(DataKeys);
        _keys = _database.Services.GetRequiredService<KeyMaintenance>();
    }

    [IterationSetup]
    public void NewPrimary() => _keys.AddKekAsync("bench", makePrimary: true, CancellationToken.None).GetAwaiter().GetResult();

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    [Benchmark(OperationsPerInvoke = 10_000)]
    public Task<RewrapResult> Rewrap() => _keys.RewrapAsync("bench", batchSize: 1000, report: null, CancellationToken.None);
}
