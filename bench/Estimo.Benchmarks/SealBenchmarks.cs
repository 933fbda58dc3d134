using System.Text;
using BenchmarkDotNet.Attributes;
using Estimo.Core.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Benchmarks;

/// <summary>
/// Cost of sealing and opening one value through <see cref="ISecretProtector"/> with the
/// installation's data key cached (the steady state of a request).
/// </summary>
[MemoryDiagnoser]
public class SealBenchmarks
{
    private BenchmarkDatabase _database = null!;
    private ISecretProtector _protector = null!;
    private SecretBinding _binding;
    private byte[] _plaintext = [];
    private byte[] _sealed = [];

    /// <summary>Bytes per value: a system token (~1 KB) and a large session state document (16 KB).</summary>
    [Params(1024, 16 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _database = await BenchmarkDatabase.CreateAsync();
        _protector = _database.Services.GetRequiredService<ISecretProtector>();
        _binding = new SecretBinding("poker_sessions", "state", Guid.NewGuid().ToString("N"), await _database.InstallAsync());
        _plaintext = Encoding.UTF8.GetBytes(new string('v', Size));
        _sealed = await _protector.ProtectAsync(_plaintext, _binding, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _database.DisposeAsync();

    [Benchmark]
    public ValueTask<byte[]> Seal() => _protector.ProtectAsync(_plaintext, _binding, CancellationToken.None);

    [Benchmark]
    public ValueTask<byte[]> Open() => _protector.UnprotectAsync(_sealed, _binding, CancellationToken.None);
}
