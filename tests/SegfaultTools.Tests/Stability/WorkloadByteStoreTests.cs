using System.Runtime.InteropServices;

namespace SegfaultTools.Tests;

/// <summary>
/// The hand-assembled high-byte store loops: their encoding (the exact instruction form of the
/// Raptor Lake fault) and their output when called directly, then the workload built on them.
/// </summary>
public sealed class WorkloadByteStoreTests
{
    private static ExecutableCode.Loops NativeOrSkip()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "the loops are x86-64 Linux code");
        ExecutableCode.Loops loops = ExecutableCode.Get();
        Skip.IfNot(loops.Available, "the kernel refused executable memory: " + loops.Unavailable);
        return loops;
    }

    [Fact]
    public void ChLoopStoresWithMovRdiRaxCh()
    {
        byte[] code = ExecutableCode.ChStoreLoop.ToArray();
        int at = IndexOf(code, [0x88, 0x2C, 0x07]);
        Assert.True(at > 0, "mov [rdi+rax], ch (88 2C 07) is missing");

        // With any REX prefix the same bytes would name bpl, not ch.
        Assert.False(code[at - 1] is >= 0x40 and <= 0x4F, $"byte before the store is a REX prefix: 0x{code[at - 1]:x2}");
        Assert.Equal(0xC3, code[^1]);
    }

    [Fact]
    public void FourRegisterLoopStoresAhBhChDh()
    {
        byte[] code = ExecutableCode.FourRegisterStoreLoop.ToArray();
        foreach (byte[] store in new byte[][] { [0x88, 0x27], [0x88, 0x7F, 0x01], [0x88, 0x6F, 0x02], [0x88, 0x77, 0x03] })
        {
            int at = IndexOf(code, store);
            Assert.True(at > 0, $"store {Convert.ToHexString(store)} is missing");
            Assert.False(code[at - 1] is >= 0x40 and <= 0x4F, $"store {Convert.ToHexString(store)} has a REX prefix");
        }

        // rbx is callee-saved: pushed first, popped before ret.
        Assert.Equal(0x53, code[0]);
        Assert.Equal(new byte[] { 0x5B, 0xC3 }, code[^2..]);
    }

    [SkippableFact]
    public void ChLoopWritesEachHighByteAndNothingElse()
    {
        ExecutableCode.Loops loops = NativeOrSkip();
        ushort[] source = [0x1234, 0x00FF, 0xFF00, 0xABCD, 0x0001, 0x8000, 0x7F80, 0xFFFF];
        var rng = new Random(17);
        ushort[] longer = [.. source, .. Enumerable.Range(0, 29).Select(_ => (ushort)rng.Next(65536))];
        var output = new byte[longer.Length + 8];
        Array.Fill(output, (byte)0xEE);
        loops.StoreHighWithCh(output, longer, longer.Length);

        for (int i = 0; i < longer.Length; i++)
        {
            Assert.Equal((byte)(longer[i] >> 8), output[i]);
        }

        Assert.Equal(new byte[] { 0x12, 0x00, 0xFF, 0xAB, 0x00, 0x80, 0x7F, 0xFF }, output[..8]);
        Assert.All(output[longer.Length..], b => Assert.Equal(0xEE, b));

        // A count of zero stores nothing.
        Array.Fill(output, (byte)0xEE);
        loops.StoreHighWithCh(output, longer, 0);

        Assert.All(output, b => Assert.Equal(0xEE, b));
    }

    [SkippableFact]
    public void FourRegisterLoopWritesEachHighByteAndKeepsRbx()
    {
        ExecutableCode.Loops loops = NativeOrSkip();
        var rng = new Random(23);
        ushort[] source = Enumerable.Range(0, 40).Select(_ => (ushort)rng.Next(65536)).ToArray();
        var output = new byte[48];
        Array.Fill(output, (byte)0xEE);

        // Called many times: a clobbered callee-saved register would corrupt the caller long before this ends.
        for (int round = 0; round < 1000; round++)
        {
            loops.StoreHighWithFourRegisters(output, source, source.Length);
        }

        for (int i = 0; i < source.Length; i++)
        {
            Assert.Equal((byte)(source[i] >> 8), output[i]);
        }

        Assert.All(output[40..], b => Assert.Equal(0xEE, b));
    }

    [SkippableFact]
    public void WorkloadUsesTheNativeLoopsAndReportsACLStore()
    {
        NativeOrSkip();
        var workload = new ByteStoreWorkload();
        workload.Prepare(2, WorkloadTests.Small);
        Assert.True(workload.NativeAvailable);
        Assert.Equal("native ch/ah/bh/dh stores + managed", workload.Variant);

        IterationOutcome outcome = workload.Run(injectFault: true);
        Assert.False(outcome.Correct);
        Assert.StartsWith("mov [rdi+rax], ch offset 0x", outcome.Expected);
        Assert.EndsWith("(the low byte)", outcome.Actual);
        Assert.Equal(1, outcome.Miscompares);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }
}
