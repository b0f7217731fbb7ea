namespace SegfaultTools.Tests;

/// <summary>Where /dev/kmsg is missing, the kernel ring buffer is read through dmesg --raw.</summary>
public sealed class KernelRingFallbackTests
{
    [SkippableFact]
    public void DmesgGivesTheSameCrashesAsDevKmsg()
    {
        Skip.If(!File.Exists("/dev/kmsg"), "this machine has no /dev/kmsg to compare with");
        Skip.If(ProcessRunner.Find("dmesg") is null, "dmesg is not installed");
        try
        {
            using var probe = KmsgReader.Open();
        }
        catch (Exception ex) when (ex is KernelLogAccessException or IOException)
        {
            Skip.If(true, $"this user may not read the kernel log: {ex.Message}");
        }

        var problems = new List<ReadProblem>();
        var viaKmsg = new CrashEventReader(problems.Add, _ => { }, CancellationToken.None)
            .ReadKernelRing(CrashEventReader.LiveKernelContext(), newestFirst: false, follow: false).ToList();
        var viaDmesg = new CrashEventReader(problems.Add, _ => { }, CancellationToken.None) { KmsgPath = "/nonexistent/kmsg" }
            .ReadKernelRing(CrashEventReader.LiveKernelContext(), newestFirst: false, follow: false).ToList();

        Assert.Empty(problems);
        // Crashes may happen between the two reads (other tests cause some): compare what both saw.
        var common = viaKmsg.Count < viaDmesg.Count ? viaKmsg.Count : viaDmesg.Count;
        Assert.True(common >= viaKmsg.Count - 2, $"dmesg gave {viaDmesg.Count} events, /dev/kmsg {viaKmsg.Count}");
        for (int i = 0; i < common; i++)
        {
            Assert.Equal(viaKmsg[i].ProcessId, viaDmesg[i].ProcessId);
            Assert.Equal(viaKmsg[i].InstructionPointer, viaDmesg[i].InstructionPointer);
            Assert.Equal(viaKmsg[i].Module, viaDmesg[i].Module);
            Assert.Equal(viaKmsg[i].Code, viaDmesg[i].Code);
            Assert.Equal(viaKmsg[i].Cpu, viaDmesg[i].Cpu);
            // dmesg prints microseconds too; both turn them into wall time from the same boot time.
            Assert.True((viaKmsg[i].TimeCreated!.Value - viaDmesg[i].TimeCreated!.Value).Duration() < TimeSpan.FromMilliseconds(50));
        }
    }
}
