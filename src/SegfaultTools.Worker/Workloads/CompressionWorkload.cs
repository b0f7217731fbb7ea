using System.IO.Compression;

namespace SegfaultTools;

/// <summary>
/// Deflate and Brotli round trips over seeded, compressible text-like data. Each iteration checks
/// both that the compressed bytes equal the reference compressed bytes from <see cref="Prepare"/>
/// (the compressor's match finder and entropy coder took exactly the same path) and that the
/// decompressed bytes equal the input (the decoder's copies and table lookups are right).
/// </summary>
public sealed class CompressionWorkload : StabilityWorkload
{
    private const int InputBytes = 64 << 10;
    private const int BrotliQuality = 5;
    private const int BrotliWindow = 22;

    private readonly byte[] _input = new byte[InputBytes];
    private readonly byte[] _decoded = new byte[InputBytes];

    // Room for incompressible input plus the format's overhead, so compression can never run out of space.
    private readonly byte[] _compressed = new byte[InputBytes + (InputBytes / 8) + 1024];
    private byte[] _deflateReference = [];
    private byte[] _brotliReference = [];
    private MemoryStream? _sink;
    private string _digest = string.Empty;

    public override CpuWorkload Kind => CpuWorkload.Compression;

    /// <summary>Input bytes round-tripped: each codec compresses and decompresses the whole input once.</summary>
    public override long OperationsPerIteration => 2L * InputBytes;

    public override string OperationUnit => "byte";

    public override string ReferenceDigest => _digest;

    public override string Variant => "Deflate+Brotli";

    public override void Prepare(int seed, WorkloadEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ulong state = WorkloadSupport.State(seed, 0xC0A9E55UL);
        FillText(_input, ref state);

        // A fixed buffer, so the stream never reallocates while compressing.
        _sink = new MemoryStream(_compressed, 0, _compressed.Length, writable: true, publiclyVisible: true);

        int deflated = Deflate();
        _deflateReference = _compressed.AsSpan(0, deflated).ToArray();
        if (!BrotliEncoder.TryCompress(_input, _compressed, out int brotli, BrotliQuality, BrotliWindow))
        {
            throw new InvalidOperationException("Brotli compression did not fit the output buffer.");
        }

        _brotliReference = _compressed.AsSpan(0, brotli).ToArray();

        var all = new byte[_deflateReference.Length + _brotliReference.Length];
        _deflateReference.CopyTo(all, 0);
        _brotliReference.CopyTo(all, _deflateReference.Length);
        _digest = WorkloadSupport.Digest(all);
    }

    public override IterationOutcome Run(bool injectFault)
    {
        if (_sink is null)
        {
            throw new InvalidOperationException("Call Prepare before Run.");
        }

        IterationOutcome outcome = IterationOutcome.Pass;

        int deflated = Deflate();
        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_deflateReference, _compressed.AsSpan(0, deflated), "Deflate compressed"));

        // Decompress the reference, so a compressor fault above cannot hide a decoder fault here.
        int inflated;
        try
        {
            inflated = Inflate(_deflateReference);
        }
        catch (InvalidDataException e)
        {
            return Merge(outcome, IterationOutcome.Fail("Deflate decodes", "Deflate: " + e.Message));
        }

        if (injectFault)
        {
            // A byte the decoder wrote, changed before it is checked.
            _decoded[InputBytes / 3] ^= 0x04;
        }

        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_input, _decoded.AsSpan(0, inflated), "Deflate decompressed"));

        if (!BrotliEncoder.TryCompress(_input, _compressed, out int brotli, BrotliQuality, BrotliWindow))
        {
            return Merge(outcome, IterationOutcome.Fail("Brotli compresses", "Brotli: output did not fit"));
        }

        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_brotliReference, _compressed.AsSpan(0, brotli), "Brotli compressed"));

        if (!BrotliDecoder.TryDecompress(_brotliReference, _decoded, out int unbrotli))
        {
            return Merge(outcome, IterationOutcome.Fail("Brotli decodes", "Brotli: invalid data"));
        }

        outcome = Merge(outcome, WorkloadSupport.CompareBytes(_input, _decoded.AsSpan(0, unbrotli), "Brotli decompressed"));
        return outcome;
    }

    private static IterationOutcome Merge(IterationOutcome sofar, IterationOutcome next) =>
        next.Correct ? sofar : sofar.Correct ? next : sofar with { Miscompares = sofar.Miscompares + next.Miscompares };

    private int Deflate()
    {
        // .NET 8 has no span API for Deflate; the stream is the small per-iteration allocation.
        MemoryStream sink = _sink!;
        sink.Position = 0;
        using (var deflate = new DeflateStream(sink, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(_input);
        }

        return (int)sink.Position;
    }

    private int Inflate(byte[] compressed)
    {
        using var source = new MemoryStream(compressed, writable: false);
        using var inflate = new DeflateStream(source, CompressionMode.Decompress);
        int total = 0;
        while (total < _decoded.Length)
        {
            int n = inflate.Read(_decoded, total, _decoded.Length - total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        // Output longer than the input is a mismatch too; one extra byte is enough to see it.
        if (total == _decoded.Length && inflate.ReadByte() >= 0)
        {
            throw new InvalidDataException("more output than the original input");
        }

        return total;
    }

    /// <summary>
    /// Words from a seeded vocabulary in sentences, with numbers and the odd repeated line: text
    /// compresses about 3:1, enough matches for the LZ stages and enough literals for the entropy coders.
    /// </summary>
    private static void FillText(Span<byte> output, ref ulong state)
    {
        const string Letters = "etaoinshrdlcumwfgypbvkjxqz";
        var vocabulary = new byte[512][];
        for (int w = 0; w < vocabulary.Length; w++)
        {
            int length = 2 + (int)(WorkloadSupport.Next(ref state) % 9);
            var word = new byte[length];
            for (int i = 0; i < length; i++)
            {
                // Skewed towards the common letters, as in real text.
                ulong r = WorkloadSupport.Next(ref state);
                int index = (int)((r % 26) * ((r >> 8) % 26) / 26);
                word[i] = (byte)Letters[index];
            }

            vocabulary[w] = word;
        }

        int pos = 0, lineStart = 0;
        Span<byte> number = stackalloc byte[20];
        while (pos < output.Length)
        {
            ulong r = WorkloadSupport.Next(ref state);
            scoped ReadOnlySpan<byte> token;
            switch (r % 16)
            {
                case 0:
                    (r >> 8).TryFormat(number, out int digits);
                    token = number[..digits];
                    break;
                case 1:
                    token = ".\n"u8;
                    lineStart = pos + 2;
                    break;
                case 2 when pos - lineStart > 8 && pos > 256:
                    // Repeat an earlier stretch, like a log line or a quoted phrase.
                    int from = (int)((r >> 8) % (ulong)(pos - 64));
                    int count = Math.Min(16 + (int)((r >> 24) % 48), output.Length - pos);
                    output.Slice(from, count).CopyTo(output[pos..]);
                    pos += count;
                    continue;
                default:
                    // Zipf-like: low indices far more often.
                    int bucket = (int)((r >> 8) % 512);
                    token = vocabulary[bucket * ((int)((r >> 20) % 512)) / 512];
                    break;
            }

            for (int i = 0; i < token.Length && pos < output.Length; i++)
            {
                output[pos++] = token[i];
            }

            if (pos < output.Length)
            {
                output[pos++] = (byte)' ';
            }
        }
    }
}
