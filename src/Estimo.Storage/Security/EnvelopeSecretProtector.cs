using Estimo.Core.Security;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Security;

/// <summary>
/// Envelope encryption: each value is sealed with AES-256-GCM under its installation's current
/// data key (<see cref="DataKeyRing"/>), in <see cref="SealedValueFormat"/> format 2; values of
/// format 1 (the former single local key) are still opened with that key from the keyring.
/// </summary>
/// <remarks>
/// Failures to open are typed (<see cref="SecretUnprotectException"/>) and logged with the
/// binding's table, column and installation, never with the value or the plaintext.
/// </remarks>
internal sealed partial class EnvelopeSecretProtector(DataKeyRing keys, ILogger<EnvelopeSecretProtector> logger) : ISecretProtector
{
    public async ValueTask<byte[]> ProtectAsync(ReadOnlyMemory<byte> plaintext, SecretBinding binding, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(binding.InstallationId, nameof(binding));
        var key = await keys.GetCurrentAsync(binding.InstallationId, cancellationToken);
        return SealedValueFormat.Seal(plaintext.Span, key.Material, key.KekId, key.Version, binding);
    }

    public async ValueTask<byte[]> UnprotectAsync(ReadOnlyMemory<byte> protectedValue, SecretBinding binding, CancellationToken cancellationToken)
    {
        try
        {
            var header = SealedValueFormat.ReadHeader(protectedValue.Span);
            byte[] key;
            if (header.Format == SealedValueFormat.Version1)
            {
                key = keys.Provider.FindLegacyKey(header.KekId) ?? throw new SecretUnprotectException(SecretUnprotectFailure.UnknownKey);
            }
            else
            {
                key = await keys.GetAsync(binding.InstallationId, header.DekVersion, cancellationToken);
            }

            return SealedValueFormat.Open(protectedValue.Span, header, key, binding);
        }
        catch (SecretUnprotectException exception)
        {
            Log.CannotOpen(logger, binding.Table, binding.Column, binding.InstallationId, exception.Failure);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "A sealed value in {Table}.{Column} of installation {InstallationId} could not be opened ({Failure})")]
        public static partial void CannotOpen(ILogger logger, string table, string column, string installationId, SecretUnprotectFailure failure);
    }
}
