namespace SegfaultTools;

/// <summary>
/// Debian version ordering ([epoch:]upstream[-revision], '~' before everything, digits compared as
/// numbers), as deb-version(7) defines it. dpkg.log calls every replacement "upgrade", even one
/// to an older version; this tells the two apart.
/// </summary>
internal static class DebianVersion
{
    public static int Compare(string a, string b)
    {
        var (ea, ua, ra) = Split(a);
        var (eb, ub, rb) = Split(b);
        int c = ea.CompareTo(eb);
        if (c != 0)
        {
            return c;
        }
        c = CompareParts(ua, ub);
        return c != 0 ? c : CompareParts(ra, rb);
    }

    private static (long Epoch, string Upstream, string Revision) Split(string v)
    {
        long epoch = 0;
        int colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && long.TryParse(v.AsSpan(0, colon), out var e))
        {
            epoch = e;
            v = v[(colon + 1)..];
        }
        int dash = v.LastIndexOf('-');
        return dash >= 0 ? (epoch, v[..dash], v[(dash + 1)..]) : (epoch, v, string.Empty);
    }

    private static int CompareParts(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            // The non-digit run, character by character.
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                int oa = i < a.Length && !char.IsAsciiDigit(a[i]) ? Order(a[i]) : 0;
                int ob = j < b.Length && !char.IsAsciiDigit(b[j]) ? Order(b[j]) : 0;
                if (oa != ob)
                {
                    return oa < ob ? -1 : 1;
                }
                if (i < a.Length && !char.IsAsciiDigit(a[i]))
                {
                    i++;
                }
                if (j < b.Length && !char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
            }
            // The digit run, as a number (leading zeros do not count).
            while (i < a.Length && a[i] == '0')
            {
                i++;
            }
            while (j < b.Length && b[j] == '0')
            {
                j++;
            }
            int si = i, sj = j;
            while (i < a.Length && char.IsAsciiDigit(a[i]))
            {
                i++;
            }
            while (j < b.Length && char.IsAsciiDigit(b[j]))
            {
                j++;
            }
            int la = i - si, lb = j - sj;
            if (la != lb)
            {
                return la < lb ? -1 : 1;
            }
            int c = string.CompareOrdinal(a, si, b, sj, la);
            if (c != 0)
            {
                return c < 0 ? -1 : 1;
            }
        }
        return 0;
    }

    /// <summary>'~' sorts before the end of a part, which sorts before letters, which sort before other characters.</summary>
    private static int Order(char c) => c == '~' ? -1 : char.IsAsciiLetter(c) ? c : c + 256;
}
