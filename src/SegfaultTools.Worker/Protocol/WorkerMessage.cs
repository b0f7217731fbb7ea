using System.Text;
using System.Text.Json;

namespace SegfaultTools;

/// <summary>What a worker says, one JSON object per line on its standard output.</summary>
public enum WorkerMessageType
{
    /// <summary>Pinned and running on the CPU it was given.</summary>
    Ready,

    /// <summary>A workload is prepared (its reference answer computed) and starts.</summary>
    Start,

    /// <summary>Counts so far for the running workload.</summary>
    Progress,

    /// <summary>A workload's slice is over: its totals.</summary>
    Result,

    /// <summary>The worker could not do what it was asked (the message says why) and exits.</summary>
    Failed,

    /// <summary>Every workload ran; the worker exits.</summary>
    Done,
}

/// <summary>One line of the worker protocol. Fields a type does not use are left at their defaults.</summary>
public sealed record WorkerMessage
{
    public required WorkerMessageType Type { get; init; }
    public int Cpu { get; init; } = -1;
    public int ProcessId { get; init; }
    public CpuWorkload? Workload { get; init; }
    public string? Variant { get; init; }
    public string? Unit { get; init; }
    public string? Reference { get; init; }
    public long Iterations { get; init; }
    public long Errors { get; init; }
    public long Miscompares { get; init; }

    /// <summary>Milliseconds from the workload's start to its first wrong result; -1 when none.</summary>
    public long FirstErrorMilliseconds { get; init; } = -1;

    public string? Expected { get; init; }
    public string? Actual { get; init; }

    /// <summary>Time spent inside the workload's iterations (idle gaps excluded).</summary>
    public double BusyMilliseconds { get; init; }

    /// <summary>The slice's wall time, idle gaps included.</summary>
    public double WallMilliseconds { get; init; }

    /// <summary>CPU time the working thread used in the slice.</summary>
    public double CpuMilliseconds { get; init; }

    public double Operations { get; init; }

    /// <summary>Iterations thrown away because the thread was not on its CPU before or after them.</summary>
    public long Discarded { get; init; }

    public string? Message { get; init; }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", Type.ToString());
            if (Cpu >= 0) w.WriteNumber("cpu", Cpu);
            if (ProcessId != 0) w.WriteNumber("pid", ProcessId);
            if (Workload is { } k) w.WriteString("workload", k.ToString());
            if (Variant is not null) w.WriteString("variant", Variant);
            if (Unit is not null) w.WriteString("unit", Unit);
            if (Reference is not null) w.WriteString("reference", Reference);
            if (Type is WorkerMessageType.Progress or WorkerMessageType.Result)
            {
                w.WriteNumber("iterations", Iterations);
                w.WriteNumber("errors", Errors);
            }
            if (Type == WorkerMessageType.Result)
            {
                w.WriteNumber("miscompares", Miscompares);
                w.WriteNumber("firstErrorMs", FirstErrorMilliseconds);
                w.WriteNumber("busyMs", BusyMilliseconds);
                w.WriteNumber("wallMs", WallMilliseconds);
                w.WriteNumber("cpuMs", CpuMilliseconds);
                w.WriteNumber("operations", Operations);
                w.WriteNumber("discarded", Discarded);
            }
            if (Expected is not null) w.WriteString("expected", Expected);
            if (Actual is not null) w.WriteString("actual", Actual);
            if (Message is not null) w.WriteString("message", Message);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The message on one line of worker output; null for a line that is not one (the runtime may print its own).</summary>
    public static WorkerMessage? Parse(string line)
    {
        if (line.Length == 0 || line[0] != '{')
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            if (!o.TryGetProperty("type", out var t) || !Enum.TryParse<WorkerMessageType>(t.GetString(), out var type))
            {
                return null;
            }
            string? Str(string n) => o.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long Long(string n, long d = 0) => o.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : d;
            double Dbl(string n) => o.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
            return new WorkerMessage
            {
                Type = type,
                Cpu = (int)Long("cpu", -1),
                ProcessId = (int)Long("pid"),
                Workload = Str("workload") is { } w && Enum.TryParse<CpuWorkload>(w, out var k) ? k : null,
                Variant = Str("variant"),
                Unit = Str("unit"),
                Reference = Str("reference"),
                Iterations = Long("iterations"),
                Errors = Long("errors"),
                Miscompares = Long("miscompares"),
                FirstErrorMilliseconds = Long("firstErrorMs", -1),
                BusyMilliseconds = Dbl("busyMs"),
                WallMilliseconds = Dbl("wallMs"),
                CpuMilliseconds = Dbl("cpuMs"),
                Operations = Dbl("operations"),
                Discarded = Long("discarded"),
                Expected = Str("expected"),
                Actual = Str("actual"),
                Message = Str("message"),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
