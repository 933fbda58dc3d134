using System.Text;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>
/// The on-disk queue between the log pipeline and Elasticsearch: append-only segment files of
/// <c>&lt;event id&gt; &lt;ECS JSON&gt;</c> lines under one directory, bounded in total bytes.
/// </summary>
/// <remarks>
/// Writers append to the newest segment (flushed to the OS on every line, so a process crash
/// loses nothing already accepted; a power loss may lose what the OS had not written). The
/// shipper seals a segment before reading it and rewrites it to hold only the lines still
/// unsent (write to a temporary file, then an atomic rename), deleting it when empty. A
/// restarted process finds every segment and ships them in order. At the cap, new lines are
/// refused and counted: the console and file sinks still have them.
/// </remarks>
internal sealed class DurableLogBuffer : IDisposable
{
    private const string SegmentPrefix = "segment-";
    private const string SegmentSuffix = ".ndjson";
    private const long SegmentBytes = 4 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private FileStream? _active;
    private long _activeSequence;
    private long _totalBytes;
    private long _refused;

    public DurableLogBuffer(string directory, long maxBytes)
    {
        _directory = Path.GetFullPath(directory);
        _maxBytes = maxBytes;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (var stale in Directory.EnumerateFiles(_directory, "*.tmp"))
        {
            File.Delete(stale);
        }

        var segments = Segments();
        _totalBytes = segments.Sum(s => new FileInfo(s).Length);
        _activeSequence = segments.Count == 0 ? 1 : SequenceOf(segments[^1]) + 1;
    }

    public string DirectoryPath => _directory;

    /// <summary>Bytes on disk waiting to be shipped.</summary>
    public long Bytes => Interlocked.Read(ref _totalBytes);

    public long MaxBytes => _maxBytes;

    /// <summary>Lines refused because the buffer was full, since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Appends one event; false when the buffer is full (the event is counted, not kept).</summary>
    public bool TryAppend(string id, string json)
    {
        var line = Encoding.UTF8.GetBytes(id + " " + json + "\n");
        lock (_gate)
        {
            if (_totalBytes + line.Length > _maxBytes)
            {
                _refused++;
                return false;
            }

            _active ??= Open(_activeSequence);
            _active.Write(line);
            _active.Flush();
            Interlocked.Add(ref _totalBytes, line.Length);
            if (_active.Length >= SegmentBytes)
            {
                SealActive();
            }

            return true;
        }
    }

    /// <summary>Closes the segment being written, if it has anything, so the shipper can take it.</summary>
    public void Seal()
    {
        lock (_gate)
        {
            SealActive();
        }
    }

    /// <summary>Sealed segments, oldest first.</summary>
    public IReadOnlyList<string> SealedSegments()
    {
        lock (_gate)
        {
            return Segments().Where(s => SequenceOf(s) < _activeSequence).ToList();
        }
    }

    public static IReadOnlyList<BufferedEvent> Read(string segment) =>
        File.ReadAllLines(segment, Encoding.UTF8)
            .Where(l => l.Length > 0)
            .Select(l =>
            {
                var space = l.IndexOf(' ', StringComparison.Ordinal);
                return space > 0 ? new BufferedEvent(l[..space], l[(space + 1)..]) : new BufferedEvent(Guid.CreateVersion7().ToString("N"), l);
            })
            .ToList();

    /// <summary>Replaces a sealed segment with the events still to send (deleting it when none are).</summary>
    public void Replace(string segment, IReadOnlyCollection<BufferedEvent> remaining)
    {
        var before = new FileInfo(segment).Length;
        long after = 0;
        if (remaining.Count == 0)
        {
            File.Delete(segment);
        }
        else
        {
            var temp = segment + ".tmp";
            var text = new StringBuilder();
            foreach (var e in remaining)
            {
                text.Append(e.Id).Append(' ').Append(e.Json).Append('\n');
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, segment, overwrite: true);
            after = bytes.Length;
        }

        Interlocked.Add(ref _totalBytes, after - before);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _active?.Dispose();
            _active = null;
        }
    }

    private void SealActive()
    {
        if (_active is null)
        {
            return;
        }

        _active.Dispose();
        _active = null;
        _activeSequence++;
    }

    private FileStream Open(long sequence)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(_directory, $"{SegmentPrefix}{sequence:D12}{SegmentSuffix}"), options);
    }

    private List<string> Segments() =>
        Directory.EnumerateFiles(_directory, SegmentPrefix + "*" + SegmentSuffix)
            .Where(s => SequenceOf(s) > 0)
            .OrderBy(SequenceOf)
            .ToList();

    private static long SequenceOf(string path)
    {
        var name = Path.GetFileName(path);
        return long.TryParse(name.AsSpan(SegmentPrefix.Length, name.Length - SegmentPrefix.Length - SegmentSuffix.Length), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}

/// <summary>One buffered event: the id it is created with in Elasticsearch (so a resend is a no-op) and its ECS JSON.</summary>
internal sealed record BufferedEvent(string Id, string Json);
