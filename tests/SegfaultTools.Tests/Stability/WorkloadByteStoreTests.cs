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

        // movzx ecx, word [rsi+rax*2] then mov [rdi+rax], ch, back to back: the store starts right
        // after the load's SIB byte, so nothing (no REX prefix, which would turn ch into bpl) sits
        // between them. The listing was checked against GNU as.
        byte[] loadThenStore = [0x0F, 0xB7, 0x0C, 0x46, 0x88, 0x2C, 0x07];
        Assert.Equal(7, IndexOf(code, loadThenStore));

        // The loop branch goes back to the load (jne -15 lands at offset 7) and the code ends in ret.
        Assert.Equal(new byte[] { 0x75, 0xF1, 0xC3 }, code[^3..]);
        Assert.Equal(7, code.Length - 1 + (sbyte)code[^2]);
    }

    [Fact]
    public void FourRegisterLoopStoresAhBhChDh()
    {
        byte[] code = ExecutableCode.FourRegisterStoreLoop.ToArray();

        // Four loads into eax, ebx, ecx, edx, then the four high-byte stores with no prefix between.
        byte[] loadsThenStores =
        [
            0x0F, 0xB7, 0x06, 0x0F, 0xB7, 0x5E, 0x02, 0x0F, 0xB7, 0x4E, 0x04, 0x0F, 0xB7, 0x56, 0x06,
            0x88, 0x27, 0x88, 0x7F, 0x01, 0x88, 0x6F, 0x02, 0x88, 0x77, 0x03,
        ];
        Assert.Equal(10, IndexOf(code, loadsThenStores));

        // rbx is callee-saved: pushed first, popped before ret; jnz -39 lands back on the first load.
        Assert.Equal(0x53, code[0]);
        Assert.Equal(new byte[] { 0x5B, 0xC3 }, code[^2..]);
        Assert.Equal(10, code.Length - 2 + (sbyte)code[^3]);
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
