using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using X86Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace SegfaultTools;

/// <summary>
/// AES-128 block encryption twice over: from the FIPS-197 description in plain C# (the reference,
/// independent of any AES hardware) and with the AES-NI instructions (the thing under test).
/// </summary>
internal static class Aes128
{
    private static readonly byte[] SBox = BuildSBox();

    /// <summary>Encrypts one 16-byte block in software.</summary>
    public static void EncryptSoftware(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Span<byte> roundKeys = stackalloc byte[176];
        ExpandKeySoftware(key, roundKeys);
        Span<byte> s = stackalloc byte[16];
        for (int i = 0; i < 16; i++)
        {
            s[i] = (byte)(plaintext[i] ^ roundKeys[i]);
        }

        Span<byte> t = stackalloc byte[16];
        for (int round = 1; round <= 10; round++)
        {
            // SubBytes and ShiftRows together. The state is column-major (byte r + 4c is row r of
            // column c), and row r moves left by r columns.
            for (int c = 0; c < 4; c++)
            {
                for (int r = 0; r < 4; r++)
                {
                    t[r + (4 * c)] = SBox[s[r + (4 * ((c + r) & 3))]];
                }
            }

            if (round < 10)
            {
                for (int c = 0; c < 4; c++)
                {
                    int o = 4 * c;
                    byte a0 = t[o], a1 = t[o + 1], a2 = t[o + 2], a3 = t[o + 3];
                    byte all = (byte)(a0 ^ a1 ^ a2 ^ a3);

                    // 2*a_i ^ 3*a_(i+1) ^ a_(i+2) ^ a_(i+3) = a_i ^ all ^ 2*(a_i ^ a_(i+1)).
                    t[o] = (byte)(a0 ^ all ^ XTime((byte)(a0 ^ a1)));
                    t[o + 1] = (byte)(a1 ^ all ^ XTime((byte)(a1 ^ a2)));
                    t[o + 2] = (byte)(a2 ^ all ^ XTime((byte)(a2 ^ a3)));
                    t[o + 3] = (byte)(a3 ^ all ^ XTime((byte)(a3 ^ a0)));
                }
            }

            for (int i = 0; i < 16; i++)
            {
                s[i] = (byte)(t[i] ^ roundKeys[(16 * round) + i]);
            }
        }

        s.CopyTo(ciphertext);
    }

    /// <summary>The AES-128 key schedule: 11 round keys of 16 bytes.</summary>
    public static void ExpandKeySoftware(ReadOnlySpan<byte> key, Span<byte> roundKeys)
    {
        key[..16].CopyTo(roundKeys);
        byte rcon = 1;
        for (int i = 16; i < 176; i += 4)
        {
            byte w0 = roundKeys[i - 4], w1 = roundKeys[i - 3], w2 = roundKeys[i - 2], w3 = roundKeys[i - 1];
            if (i % 16 == 0)
            {
                // RotWord, SubWord, then the round constant on the first byte.
                byte first = w0;
                w0 = (byte)(SBox[w1] ^ rcon);
                w1 = SBox[w2];
                w2 = SBox[w3];
                w3 = SBox[first];
                rcon = XTime(rcon);
            }

            roundKeys[i] = (byte)(roundKeys[i - 16] ^ w0);
            roundKeys[i + 1] = (byte)(roundKeys[i - 15] ^ w1);
            roundKeys[i + 2] = (byte)(roundKeys[i - 14] ^ w2);
            roundKeys[i + 3] = (byte)(roundKeys[i - 13] ^ w3);
        }
    }

    /// <summary>Encrypts one block with AES-NI, the key schedule included (aeskeygenassist).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<byte> EncryptHardware(Vector128<byte> key, Vector128<byte> plaintext)
    {
        // aeskeygenassist takes the round constant as an immediate, hence ten written-out rounds.
        Vector128<byte> k0 = key;
        Vector128<byte> k1 = NextRoundKey(k0, X86Aes.KeygenAssist(k0, 0x01));
        Vector128<byte> k2 = NextRoundKey(k1, X86Aes.KeygenAssist(k1, 0x02));
        Vector128<byte> k3 = NextRoundKey(k2, X86Aes.KeygenAssist(k2, 0x04));
        Vector128<byte> k4 = NextRoundKey(k3, X86Aes.KeygenAssist(k3, 0x08));
        Vector128<byte> k5 = NextRoundKey(k4, X86Aes.KeygenAssist(k4, 0x10));
        Vector128<byte> k6 = NextRoundKey(k5, X86Aes.KeygenAssist(k5, 0x20));
        Vector128<byte> k7 = NextRoundKey(k6, X86Aes.KeygenAssist(k6, 0x40));
        Vector128<byte> k8 = NextRoundKey(k7, X86Aes.KeygenAssist(k7, 0x80));
        Vector128<byte> k9 = NextRoundKey(k8, X86Aes.KeygenAssist(k8, 0x1b));
        Vector128<byte> k10 = NextRoundKey(k9, X86Aes.KeygenAssist(k9, 0x36));

        Vector128<byte> s = X86Sse2.Xor(plaintext, k0);
        s = X86Aes.Encrypt(s, k1);
        s = X86Aes.Encrypt(s, k2);
        s = X86Aes.Encrypt(s, k3);
        s = X86Aes.Encrypt(s, k4);
        s = X86Aes.Encrypt(s, k5);
        s = X86Aes.Encrypt(s, k6);
        s = X86Aes.Encrypt(s, k7);
        s = X86Aes.Encrypt(s, k8);
        s = X86Aes.Encrypt(s, k9);
        return X86Aes.EncryptLast(s, k10);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> NextRoundKey(Vector128<byte> key, Vector128<byte> assist)
    {
        // Dword 3 of the assist is RotWord(SubWord(w3)) ^ rcon; each new word is the previous
        // key's word xor every earlier word of it, which the three shifted xors build.
        Vector128<byte> t = X86Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
        key = X86Sse2.Xor(key, X86Sse2.ShiftLeftLogical128BitLane(key, 4));
        key = X86Sse2.Xor(key, X86Sse2.ShiftLeftLogical128BitLane(key, 4));
        key = X86Sse2.Xor(key, X86Sse2.ShiftLeftLogical128BitLane(key, 4));
        return X86Sse2.Xor(key, t);
    }

    private static byte XTime(byte b) => (byte)((b << 1) ^ ((b & 0x80) != 0 ? 0x1B : 0));

    private static byte Multiply(byte a, byte b)
    {
        byte p = 0;
        while (b != 0)
        {
            if ((b & 1) != 0)
            {
                p ^= a;
            }

            a = XTime(a);
            b >>= 1;
        }

        return p;
    }

    /// <summary>The S-box from its definition: the inverse in GF(2^8) (0 maps to 0), then the affine map.</summary>
    private static byte[] BuildSBox()
    {
        var box = new byte[256];
        for (int x = 0; x < 256; x++)
        {
            // x^254 is the inverse in GF(2^8) (and 0 for 0).
            byte inv = 1, sq = (byte)x;
            for (int e = 254; e != 0; e >>= 1)
            {
                if ((e & 1) != 0)
                {
                    inv = Multiply(inv, sq);
                }

                sq = Multiply(sq, sq);
            }

            if (x == 0)
            {
                inv = 0;
            }

            int r = inv ^ Rotl(inv, 1) ^ Rotl(inv, 2) ^ Rotl(inv, 3) ^ Rotl(inv, 4) ^ 0x63;
            box[x] = (byte)r;
        }

        return box;
    }

    private static int Rotl(byte b, int n) => (byte)((b << n) | (b >> (8 - n)));
}
