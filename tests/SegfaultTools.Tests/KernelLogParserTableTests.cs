using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SegfaultTools.Tests;

/// <summary>
/// Table-driven checks of <see cref="KernelLogParser.ParseAll"/> against tests/fixtures/kernel-lines/expected.json:
/// the exact number of events per case and every field of every event (hand-derived, see make_expected.py).
/// </summary>
public sealed class KernelLogParserTableTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in KernelFixtures.ExpectedCases)
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void TableCoversAtLeast45Events()
    {
        var events = KernelFixtures.ExpectedCases.Sum(c => c.GetProperty("events").GetArrayLength());
        Assert.True(events >= 45, $"expected.json holds only {events} events");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ParsesCase(string name)
    {
        var c = KernelFixtures.ExpectedCase(name);
        var lines = KernelFixtures.InputLines(c);
        Assert.NotEmpty(lines);

        var actual = KernelLogParser.ParseAll(lines, KernelFixtures.TestContext());
        var expected = c.GetProperty("events").EnumerateArray().ToList();

        var report = new StringBuilder();
        if (actual.Count != expected.Count)
        {
            report.AppendLine($"event count: expected {expected.Count}, actual {actual.Count}");
            foreach (var a in actual)
            {
                report.AppendLine($"  actual: {a.ProcessName}[{a.ProcessId}] {a.Kind} | {a.Message}");
            }
        }

        for (var i = 0; i < Math.Min(actual.Count, expected.Count); i++)
        {
            CompareEvent(i, expected[i], actual[i], report);
        }

        Assert.True(report.Length == 0, $"case {name}:\n{report}");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CountsSuppressedRecords(string name)
    {
        var c = KernelFixtures.ExpectedCase(name);
        var parser = new KernelLogParser(KernelFixtures.TestContext());
        foreach (var line in KernelFixtures.InputLines(c))
        {
            _ = parser.Feed(line).ToList();
        }

        _ = parser.Complete().ToList();
        var expected = c.TryGetProperty("suppressed", out var s) ? s.GetInt64() : 0;
        Assert.Equal(expected, parser.SuppressedRecords);
    }

    private static void CompareEvent(int index, JsonElement exp, SegfaultEvent act, StringBuilder report)
    {
        var unchecked_ = exp.TryGetProperty("unchecked", out var u)
            ? u.EnumerateArray().Select(x => x.GetString()!).ToHashSet()
            : new HashSet<string>();

        void Check(string field, object? expected, object? actual)
        {
            if (unchecked_.Contains(field) || Equals(expected, actual))
            {
                return;
            }

            report.AppendLine($"event {index} ({act.ProcessName}[{act.ProcessId}]): {field}: expected {Show(expected)}, actual {Show(actual)}");
        }

        string? Str(string f) => exp.GetProperty(f).ValueKind == JsonValueKind.Null ? null : exp.GetProperty(f).GetString();
        int? Int(string f) => exp.GetProperty(f).ValueKind == JsonValueKind.Null ? null : exp.GetProperty(f).GetInt32();
        bool? Bool(string f) => exp.GetProperty(f).ValueKind == JsonValueKind.Null ? null : exp.GetProperty(f).GetBoolean();
        ulong? Hex(string f) => KernelFixtures.Hex(exp.GetProperty(f));

        Check("ProcessName", Str("ProcessName"), act.ProcessName);
        Check("ProcessId", Int("ProcessId"), act.ProcessId);
        Check("Kind", Str("Kind"), act.Kind.ToString());
        Check("FaultAddress", Hex("FaultAddress"), act.FaultAddress);
        Check("InstructionPointer", Hex("InstructionPointer"), act.InstructionPointer);
        Check("StackPointer", Hex("StackPointer"), act.StackPointer);
        Check("ErrorCode", Hex("ErrorCode"), act.ErrorCode);
        Check("Access", Str("Access"), act.Access?.ToString());
        Check("ProtectionViolation", Bool("ProtectionViolation"), act.ProtectionViolation);
        Check("UserMode", Bool("UserMode"), act.UserMode);
        Check("ReservedBit", Bool("ReservedBit"), act.ReservedBit);
        Check("IsNullPointer", Bool("IsNullPointer"), act.IsNullPointer);
        Check("Module", Str("Module"), act.Module);
        Check("ModuleDeleted", Bool("ModuleDeleted"), act.ModuleDeleted);
        Check("ModuleBase", Hex("ModuleBase"), act.ModuleBase);
        Check("ModuleSize", Hex("ModuleSize"), act.ModuleSize);
        Check("ModuleOffset", Hex("ModuleOffset"), act.ModuleOffset);
        Check("FileOffset", Hex("FileOffset"), act.FileOffset);
        Check("ModuleContainsIp", Bool("ModuleContainsIp"), act.ModuleContainsIp);
        Check("Cpu", Int("Cpu"), act.Cpu);
        Check("CoreId", Int("CoreId"), act.CoreId);
        Check("Socket", Int("Socket"), act.Socket);
        Check("Code", Str("Code"), act.Code);
        Check("ComputerName", Str("ComputerName"), act.ComputerName);
        Check("Message", Str("Message"), act.Message);
        Check("Source", "test", act.Source);
        Check("BootId", null, act.BootId);

        var time = Str("TimeCreated");
        if (!unchecked_.Contains("TimeCreated"))
        {
            var expTime = time is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);
            // Same instant and same offset (DateTimeOffset equality alone ignores the offset).
            if (expTime != act.TimeCreated || expTime?.Offset != act.TimeCreated?.Offset)
            {
                report.AppendLine($"event {index} ({act.ProcessName}[{act.ProcessId}]): TimeCreated: expected {time ?? "null"}, actual {act.TimeCreated?.ToString("o", CultureInfo.InvariantCulture) ?? "null"}");
            }
        }
    }

    private static string Show(object? v) => v switch
    {
        null => "null",
        ulong u => $"0x{u:x}",
        string s => "\"" + s + "\"",
        _ => v.ToString() ?? "null",
    };
}
