using System.Runtime.InteropServices;

namespace SegfaultTools;

/// <summary>
/// Hand-assembled x86-64 loops that store the high byte of a 16-bit value with the legacy
/// high-byte registers (ch, ah, bh, dh): the instruction form behind the Raptor Lake fault in
/// which <c>mov [rDest + idx], ch</c> occasionally stores CL instead. The JIT never emits these
/// forms itself (it shifts and stores the low byte), so only machine code of our own can test them.
/// The code is placed in one page mapped read-write, filled, then switched to read-execute, and is
/// kept for the life of the process.
/// </summary>
internal static unsafe class ExecutableCode
{
    // System V AMD64: rdi = destination bytes, rsi = 16-bit source values, rdx = count.
    //
    // for (i = 0; i != count; i++) { ecx = src[i]; dst[i] = ch; }
    internal static ReadOnlySpan<byte> ChStoreLoop =>
    [
        0x31, 0xC0,                   // xor    eax, eax
        0x48, 0x85, 0xD2,             // test   rdx, rdx
        0x74, 0x0F,                   // jz     done
        0x0F, 0xB7, 0x0C, 0x46,       // loop: movzx ecx, word [rsi + rax*2]
        0x88, 0x2C, 0x07,             // mov    [rdi + rax], ch      (no REX: a REX prefix would make it bpl)
        0x48, 0xFF, 0xC0,             // inc    rax
        0x48, 0x39, 0xD0,             // cmp    rax, rdx
        0x75, 0xF1,                   // jne    loop
        0xC3,                         // done: ret
    ];

    // The same for ah, bh, ch and dh in turn, four values per pass; count must be a multiple of 4.
    // rbx is callee-saved, so it is pushed; the count moves to r8 because rdx is needed for dh.
    internal static ReadOnlySpan<byte> FourRegisterStoreLoop =>
    [
        0x53,                         // push   rbx
        0x49, 0x89, 0xD0,             // mov    r8, rdx
        0x49, 0xC1, 0xE8, 0x02,       // shr    r8, 2
        0x74, 0x27,                   // jz     done
        0x0F, 0xB7, 0x06,             // loop: movzx eax, word [rsi]
        0x0F, 0xB7, 0x5E, 0x02,       // movzx  ebx, word [rsi + 2]
        0x0F, 0xB7, 0x4E, 0x04,       // movzx  ecx, word [rsi + 4]
        0x0F, 0xB7, 0x56, 0x06,       // movzx  edx, word [rsi + 6]
        0x88, 0x27,                   // mov    [rdi], ah
        0x88, 0x7F, 0x01,             // mov    [rdi + 1], bh
        0x88, 0x6F, 0x02,             // mov    [rdi + 2], ch
        0x88, 0x77, 0x03,             // mov    [rdi + 3], dh
        0x48, 0x83, 0xC6, 0x08,       // add    rsi, 8
        0x48, 0x83, 0xC7, 0x04,       // add    rdi, 4
        0x49, 0xFF, 0xC8,             // dec    r8
        0x75, 0xD9,                   // jnz    loop
        0x5B,                         // done: pop rbx
        0xC3,                         // ret
    ];

    /// <summary>Where <see cref="FourRegisterStoreLoop"/> starts in the page (16-byte aligned, after the first loop).</summary>
    private const int SecondOffset = 64;

    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private const nuint PageBytes = 4096;

    private static readonly Lazy<Loops> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The loaded loops, or the reason there are none (not x86-64 Linux, or the kernel refused executable memory).</summary>
    public static Loops Get() => Instance.Value;

    internal sealed class Loops
    {
        public delegate* unmanaged<byte*, ushort*, nint, void> ChStore { get; init; }

        public delegate* unmanaged<byte*, ushort*, nint, void> FourRegisterStore { get; init; }

        public string? Unavailable { get; init; }

        public bool Available => Unavailable is null;

        /// <summary>Runs <see cref="ChStore"/> over the first <paramref name="count"/> values (bounds-checked; for tests and callers without pointers).</summary>
        public void StoreHighWithCh(Span<byte> destination, ReadOnlySpan<ushort> source, int count) => Call(ChStore, destination, source, count);

        /// <summary>Runs <see cref="FourRegisterStore"/>; <paramref name="count"/> must be a multiple of 4.</summary>
        public void StoreHighWithFourRegisters(Span<byte> destination, ReadOnlySpan<ushort> source, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(count % 4, 0, nameof(count));
            Call(FourRegisterStore, destination, source, count);
        }

        private void Call(delegate* unmanaged<byte*, ushort*, nint, void> loop, Span<byte> destination, ReadOnlySpan<ushort> source, int count)
        {
            if (!Available)
            {
                throw new PlatformNotSupportedException(Unavailable);
            }

            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Math.Min(destination.Length, source.Length));
            fixed (byte* dst = destination)
            fixed (ushort* src = source)
            {
                loop(dst, src, count);
            }
        }
    }

    private static Loops Create()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return new Loops { Unavailable = "not x86-64 Linux" };
        }

        try
        {
            nint libc = LoadLibc();
            var mmap = (delegate* unmanaged<nint, nuint, int, int, int, nint, nint>)NativeLibrary.GetExport(libc, "mmap");
            var mprotect = (delegate* unmanaged<nint, nuint, int, int>)NativeLibrary.GetExport(libc, "mprotect");
            var munmap = (delegate* unmanaged<nint, nuint, int>)NativeLibrary.GetExport(libc, "munmap");

            nint page = mmap(0, PageBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (page == -1)
            {
                return new Loops { Unavailable = $"mmap failed (errno {Marshal.GetLastSystemError()})" };
            }

            var code = new Span<byte>((void*)page, (int)PageBytes);

            // int3 everywhere else, so a wild jump traps instead of running on.
            code.Fill(0xCC);
            ChStoreLoop.CopyTo(code);
            FourRegisterStoreLoop.CopyTo(code[SecondOffset..]);
            if (mprotect(page, PageBytes, ProtRead | ProtExec) != 0)
            {
                int errno = Marshal.GetLastSystemError();
                munmap(page, PageBytes);
                return new Loops { Unavailable = $"mprotect to read-execute refused (errno {errno})" };
            }

            return new Loops
            {
                ChStore = (delegate* unmanaged<byte*, ushort*, nint, void>)page,
                FourRegisterStore = (delegate* unmanaged<byte*, ushort*, nint, void>)(page + SecondOffset),
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return new Loops { Unavailable = "libc not found: " + e.Message };
        }
    }

    private static nint LoadLibc()
    {
        // glibc's soname first; "libc" lets the runtime probe (musl and others).
        foreach (string name in new[] { "libc.so.6", "libc" })
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException("neither libc.so.6 nor libc could be loaded");
    }
}
