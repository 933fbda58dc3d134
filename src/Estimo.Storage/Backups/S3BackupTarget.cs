using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Estimo.Storage.Backups;

/// <summary>
/// Backups as S3 objects: <c>PutObject</c> with server-side encryption under a KMS key
/// (<c>x-amz-server-side-encryption: aws:kms</c> and the key id), <c>ListObjectsV2</c>,
/// <c>GetObject</c>, <c>DeleteObject</c>. The object appears only when its upload completes, so
/// a failed backup leaves nothing; the file is first assembled in the local working
/// directory (encrypted, 0600) and removed afterwards. The key escrow lives under its own
/// prefix, which must not keep noncurrent versions (see docs/operations.md). Every S3 failure
/// becomes one <see cref="BackupException"/> naming the operation, the bucket and the S3 error code.
/// Exported audit anchors are small objects under <see cref="S3BackupOptions.AnchorPrefix"/>,
/// written with S3 Object Lock in COMPLIANCE mode until now + <see cref="S3BackupOptions.AnchorRetention"/>
/// (backups and the escrow never carry a lock: retention and purge must delete them). The SDK
/// sends a CRC32 checksum with every PUT, which S3 requires of a PUT with Object Lock headers.
/// </summary>
public sealed class S3BackupTarget : IBackupTarget, IAuditAnchorStore, IDisposable
{
    private readonly AmazonS3Client _s3;
    private readonly S3BackupOptions _options;
    private readonly string _workDirectory;
    private readonly TimeProvider _time;

    public S3BackupTarget(S3BackupOptions options, string workDirectory, AWSCredentials? credentials = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time ?? TimeProvider.System;
        _workDirectory = workDirectory;
        var config = new AmazonS3Config { MaxErrorRetry = 2, Timeout = TimeSpan.FromMinutes(5), ForcePathStyle = options.ForcePathStyle };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        _s3 = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    public string Description => $"s3://{_options.Bucket}/{_options.Prefix}";

    private string KeyOf(string name) => name == IBackupTarget.EscrowName ? _options.EscrowPrefix + name : _options.Prefix + name;

    public Task<IBackupStaging> BeginAsync(string name, CancellationToken cancellationToken)
    {
        var local = new LocalDirectoryBackupTarget(_workDirectory);
        local.EnsureDirectory();
        var path = Path.Combine(_workDirectory, $".{name}.{Guid.NewGuid():N}.upload");
        var stream = LocalDirectoryBackupTarget.OpenPrivate(path, FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose);
        return Task.FromResult<IBackupStaging>(new Staging(this, stream, KeyOf(name)));
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        string? continuation = null;
        do
        {
            var response = await CallAsync("ListObjectsV2", () => _s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix, ContinuationToken = continuation },
                cancellationToken));
            foreach (var item in response.S3Objects ?? [])
            {
                var name = item.Key[_options.Prefix.Length..];
                if (name.EndsWith(LocalDirectoryBackupTarget.BackupExtension, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal))
                {
                    names.Add(name);
                }
            }

            continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (continuation is not null);

        return names;
    }

    public async Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        GetObjectResponse response;
        try
        {
            response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = KeyOf(name) }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonServiceException ex)
        {
            throw Failure("GetObject", ex);
        }
        catch (AmazonClientException ex)
        {
            throw Failure("GetObject", ex);
        }

        // Read twice (verify, then restore): keep a local, encrypted, owner-only copy.
        new LocalDirectoryBackupTarget(_workDirectory).EnsureDirectory();
        var copy = LocalDirectoryBackupTarget.OpenPrivate(
            Path.Combine(_workDirectory, $".{name}.{Guid.NewGuid():N}.download"), FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose);
        try
        {
            using (response)
            {
                await response.ResponseStream.CopyToAsync(copy, cancellationToken);
            }

            copy.Position = 0;
            return copy;
        }
        catch (Exception ex) when (ex is IOException or AmazonClientException)
        {
            await copy.DisposeAsync();
            throw new BackupException($"S3 GetObject of s3://{_options.Bucket}/{KeyOf(name)} failed while downloading ({ex.GetType().Name}).", ex);
        }
    }

    public string AnchorsDescription => $"s3://{_options.Bucket}/{_options.AnchorPrefix}";

    public async Task PutAnchorAsync(Security.AuditAnchor anchor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = _options.AnchorPrefix + AuditAnchorNames.For(anchor.Sequence),
            ContentBody = anchor.ToJsonLine() + "\n",
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
            ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId,
            ContentType = "application/json",

            // Write-once for the retention: not even the root account can delete or overwrite
            // this version before the date (an overwrite only adds a newer version).
            ObjectLockMode = ObjectLockMode.Compliance,
            ObjectLockRetainUntilDate = _time.GetUtcNow().UtcDateTime + _options.AnchorRetention,
            ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        };
        try
        {
            await _s3.PutObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.BadRequest && ex.ErrorCode == "InvalidRequest")
        {
            throw new AuditAnchorRetentionException(
                $"S3 PutObject of audit anchor {request.Key} on bucket {_options.Bucket} was refused: InvalidRequest (HTTP 400, \"{OneLine(ex.Message)}\"). "
                + "Anchors are written with Object Lock (COMPLIANCE); the bucket must be created with Object Lock enabled (see docs/access.md).", ex);
        }
        catch (AmazonServiceException ex)
        {
            throw Failure("PutObject", ex);
        }
        catch (AmazonClientException ex)
        {
            throw Failure("PutObject", ex);
        }
    }

    public async Task<bool> HasAnchorAsync(long sequence, CancellationToken cancellationToken)
    {
        var key = _options.AnchorPrefix + AuditAnchorNames.For(sequence);
        var response = await CallAsync("ListObjectsV2", () => _s3.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = key, MaxKeys = 1 }, cancellationToken));
        return response.S3Objects?.Any(o => o.Key == key) == true;
    }

    public async Task<IReadOnlyList<ExportedAuditAnchor>> ReadAnchorsAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var response = await CallAsync("ListObjectsV2", () => _s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.AnchorPrefix, ContinuationToken = continuation },
                cancellationToken));
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key).Where(k => k.EndsWith(AuditAnchorNames.Extension, StringComparison.Ordinal)
                && !k[_options.AnchorPrefix.Length..].Contains('/', StringComparison.Ordinal)));
            continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (continuation is not null);

        var anchors = new List<ExportedAuditAnchor>();
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            using var response = await CallAsync("GetObject", () => _s3.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken));
            using var reader = new StreamReader(response.ResponseStream);
            var name = key[_options.AnchorPrefix.Length..];
            anchors.Add(new ExportedAuditAnchor(name, AuditAnchorNames.Parse(name, await reader.ReadToEndAsync(cancellationToken))));
        }

        return anchors;
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("DeleteObject", () => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = KeyOf(name) }, cancellationToken));

    private async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException ex)
        {
            throw Failure(operation, ex);
        }
        catch (AmazonClientException ex)
        {
            throw Failure(operation, ex);
        }
    }

    private BackupException Failure(string operation, AmazonServiceException ex) =>
        new($"S3 {operation} on bucket {_options.Bucket} failed: {ex.ErrorCode ?? ex.StatusCode.ToString()} (HTTP {(int)ex.StatusCode}).", ex);

    private BackupException Failure(string operation, AmazonClientException ex) =>
        new($"S3 {operation} on bucket {_options.Bucket} failed: {ex.Message.Split('\n')[0].Trim()}", ex);

    private static string OneLine(string? text)
    {
        var line = (text ?? string.Empty).Split('\n')[0].Trim();
        return line.Length <= 200 ? line : line[..200];
    }

    public void Dispose() => _s3.Dispose();

    private sealed class Staging(S3BackupTarget target, FileStream stream, string key) : IBackupStaging
    {
        public Stream Stream => stream;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            stream.Position = 0;
            var request = new PutObjectRequest
            {
                BucketName = target._options.Bucket,
                Key = key,
                InputStream = stream,
                AutoCloseStream = false,
                ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
                ServerSideEncryptionKeyManagementServiceKeyId = target._options.KmsKeyId,
                ContentType = "application/octet-stream",
            };
            await target.CallAsync("PutObject", () => target._s3.PutObjectAsync(request, cancellationToken));
        }

        public async ValueTask DisposeAsync() => await stream.DisposeAsync();
    }
}
