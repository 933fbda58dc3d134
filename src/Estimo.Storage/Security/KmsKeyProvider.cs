using System.Globalization;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace Estimo.Storage.Security;

/// <summary>
/// KEKs are AWS KMS keys: DEKs come from <c>GenerateDataKey</c> (AES_256) and are unwrapped
/// with <c>Decrypt</c>; re-wrapping uses <c>Encrypt</c>. The KEK id stored with a DEK is the
/// configured key ARN.
/// </summary>
/// <remarks>
/// Every call passes an encryption context <c>{"estimo:installation": id, "estimo:dek-version": n}</c>,
/// which KMS binds into the wrapped key, so a wrapped DEK moved to another installation or
/// version does not decrypt. The region comes from the ARN; <see cref="KmsOptions.ServiceUrl"/>
/// overrides the endpoint (VPC endpoint, contract tests).
/// </remarks>
public sealed class KmsKeyProvider : IKeyEncryptionProvider, IDisposable
{
    private readonly AmazonKeyManagementServiceClient _kms;

    public KmsKeyProvider(KmsOptions options, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        KeyArn = options.KeyArn ?? throw new ArgumentException("Security:Kms:KeyArn is required.", nameof(options));
        var region = SecurityOptionsValidator.RegionOf(KeyArn) ?? throw new ArgumentException("Security:Kms:KeyArn is not a KMS key ARN.", nameof(options));
        var config = new AmazonKeyManagementServiceConfig { MaxErrorRetry = 2, Timeout = TimeSpan.FromSeconds(10) };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }

        _kms = credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(credentials, config);
    }

    public string Name => "Kms";

    /// <summary>The configured KMS key ARN.</summary>
    public string KeyArn { get; }

    public string PrimaryKekId => KeyArn;

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        // A full round trip proves both permissions the service needs, not just reachability.
        var probe = new DataKeyContext("estimo-start-up-check", 1);
        var generated = await GenerateDataKeyAsync(probe, cancellationToken);
        var unwrapped = await UnwrapAsync(generated.KekId, generated.Wrapped, probe, cancellationToken);
        if (!unwrapped.AsSpan().SequenceEqual(generated.Plaintext))
        {
            throw new KeyProviderException($"KMS key {KeyArn}: Decrypt did not return the data key GenerateDataKey made.");
        }
    }

    public async Task<WrappedDataKey> GenerateDataKeyAsync(DataKeyContext context, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            "GenerateDataKey",
            () => _kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = KeyArn, KeySpec = DataKeySpec.AES_256, EncryptionContext = Context(context) }, cancellationToken));
        var plaintext = response.Plaintext?.ToArray() ?? [];
        if (plaintext.Length != SealedValueFormat.KeySize || response.CiphertextBlob is null)
        {
            throw new KeyProviderException($"KMS key {KeyArn}: GenerateDataKey returned no 32-byte data key.");
        }

        return new WrappedDataKey(KeyArn, plaintext, response.CiphertextBlob.ToArray());
    }

    public async Task<WrappedDataKey> WrapAsync(ReadOnlyMemory<byte> dataKey, DataKeyContext context, CancellationToken cancellationToken)
    {
        using var plaintext = new MemoryStream(dataKey.ToArray());
        var response = await CallAsync(
            "Encrypt",
            () => _kms.EncryptAsync(new EncryptRequest { KeyId = KeyArn, Plaintext = plaintext, EncryptionContext = Context(context) }, cancellationToken));
        return new WrappedDataKey(KeyArn, dataKey.ToArray(), response.CiphertextBlob.ToArray());
    }

    public async Task<byte[]> UnwrapAsync(string kekId, ReadOnlyMemory<byte> wrappedKey, DataKeyContext context, CancellationToken cancellationToken)
    {
        using var blob = new MemoryStream(wrappedKey.ToArray());
        DecryptResponse response;
        try
        {
            response = await CallAsync(
                "Decrypt",
                () => _kms.DecryptAsync(new DecryptRequest { KeyId = kekId, CiphertextBlob = blob, EncryptionContext = Context(context) }, cancellationToken));
        }
        catch (KeyProviderException exception) when (exception.InnerException is NotFoundException)
        {
            throw new UnknownKekException($"The key provider has no key-encryption key '{kekId}'.", exception);
        }

        var plaintext = response.Plaintext?.ToArray() ?? [];
        return plaintext.Length == SealedValueFormat.KeySize
            ? plaintext
            : throw new KeyProviderException($"KMS key {kekId}: Decrypt returned no 32-byte data key.");
    }

    public byte[]? FindLegacyKey(string keyId) => null;

    public void Dispose() => _kms.Dispose();

    private static Dictionary<string, string> Context(DataKeyContext context) => new(StringComparer.Ordinal)
    {
        ["estimo:installation"] = context.InstallationId,
        ["estimo:dek-version"] = context.Version.ToString(CultureInfo.InvariantCulture),
    };

    private async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException exception)
        {
            throw new KeyProviderException($"KMS {operation} with key {KeyArn} failed: {exception.ErrorCode ?? exception.GetType().Name}: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is AmazonClientException or HttpRequestException)
        {
            throw new KeyProviderException($"KMS {operation} with key {KeyArn} could not be reached: {exception.Message}", exception);
        }
    }
}
