using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>What -Redact replaces, one kind per token family.</summary>
internal enum RedactionKind
{
    /// <summary>The machine's own names and the hosts named in log lines: host-1, host-2, ...</summary>
    HostName,

    /// <summary>Login names of people (uid 1000 and up, and the folders under /home and /Users): user-1, ...</summary>
    UserName,

    /// <summary>Home folders (/home/&lt;name&gt;, /Users/&lt;name&gt;, a person's home from /etc/passwd): /home/user-1.</summary>
    HomePath,

    /// <summary>IPv4 addresses other than loopback, 0.0.0.0 and the broadcast address: ipv4-1, ...</summary>
    IPv4Address,

    /// <summary>IPv6 addresses other than :: and ::1: ipv6-1, ...</summary>
    IPv6Address,

    /// <summary>MAC addresses other than all-zero and broadcast: mac-1, ...</summary>
    MacAddress,
}

/// <summary>
/// Replaces host names, user names, home paths and IP and MAC addresses with tokens, the same input
/// always giving the same token in every file it is used on (host-1 in kern.log is host-1 in
/// etc/hostname). One pass over the text finds every kind at once, so a token written is never
/// matched again. Names are matched as whole words: a word is a run of letters, digits, '_' and
/// '-', so "vm" is replaced in "vm kernel:" and "vm.local" but not in "vmx" or "kvm".
/// </summary>
internal sealed partial class Redactor
{
    /// <summary>Names that identify nobody and must survive: replacing them would only break files.</summary>
    private static readonly HashSet<string> NeverRedacted = new(StringComparer.OrdinalIgnoreCase)
    {
        "localhost", "localhost.localdomain", "localdomain", "root", "nobody", "kernel", "linux", "none", "(none)", "unknown", "user", "host",
    };

    private readonly Dictionary<string, string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ipv4 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ipv6 = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _macs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _homes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<RedactionKind, int> _replacements = new();
    private readonly Dictionary<RedactionKind, HashSet<string>> _replaced = new();
    private readonly List<string> _dottedHosts = new();
    private readonly HashSet<string> _ownIpv4 = new(StringComparer.Ordinal);
    private Regex? _names;
    private Regex? _ownIps;

    /// <summary>How many different values of each kind were replaced, and how many times.</summary>
    public IReadOnlyDictionary<RedactionKind, (int Distinct, int Replacements)> Counts =>
        Enum.GetValues<RedactionKind>().ToDictionary(k => k, k => (_replaced.GetValueOrDefault(k)?.Count ?? 0, _replacements.GetValueOrDefault(k)));

    /// <summary>A host name to replace; a dotted name also makes its first label a host (vm.example.com → vm). Returns its token, or null for names that are never replaced.</summary>
    public string? AddHost(string? name)
    {
        name = name?.Trim().TrimEnd('.');
        if (string.IsNullOrEmpty(name) || name.Length < 2 || NeverRedacted.Contains(name) || name.Any(char.IsWhiteSpace) || IsToken(name))
        {
            return null;
        }
        if (_hosts.TryGetValue(name, out var known))
        {
            return known;
        }
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        string token;
        if (dot > 0)
        {
            // vm.example.com and vm are one machine: one token (the full name's own label keeps the domain out).
            token = AddHost(name[..dot]) ?? Next("host", _hosts.Values);
            _dottedHosts.Add(name);
            _names = null;
        }
        else
        {
            token = Next("host", _hosts.Values);
        }
        _hosts[name] = token;
        return token;
    }

    /// <summary>A login name to replace (its home folder /home/&lt;name&gt; becomes /home/&lt;token&gt;).</summary>
    public string? AddUser(string? name)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length < 2 || NeverRedacted.Contains(name) || !WordChars().IsMatch(name) || IsToken(name))
        {
            return null;
        }
        if (!_users.TryGetValue(name, out var token))
        {
            _users[name] = token = Next("user", _users.Values);
        }
        return token;
    }

    /// <summary>A person's home folder outside /home (from /etc/passwd): replaced by /home/&lt;their token&gt;.</summary>
    public void AddHome(string home, string user)
    {
        if (AddUser(user) is { } token && home.Length > 1 && home.StartsWith('/') && !home.StartsWith("/home/", StringComparison.Ordinal)
            && !home.StartsWith("/Users/", StringComparison.Ordinal) && home is not ("/" or "/root" or "/nonexistent") && !home.StartsWith("/var/empty", StringComparison.Ordinal))
        {
            _homes[home.TrimEnd('/')] = "/home/" + token;
            _names = null;
        }
    }

    /// <summary>An address of this machine: replaced wherever it appears, even where the general patterns would not take it.</summary>
    public void AddAddress(string address)
    {
        if (MacPattern().IsMatch(address))
        {
            if (KeepMac(address))
            {
                TokenFor(_macs, NormalizeMac(address), "mac");
            }
        }
        else if (IPAddress.TryParse(address, out var ip))
        {
            if (ip.AddressFamily == AddressFamily.InterNetwork && Keep4(ip))
            {
                TokenFor(_ipv4, Canonical(ip), "ipv4");
                _ownIpv4.Add(Canonical(ip));
                _ownIps = null;
            }
            else if (ip.AddressFamily == AddressFamily.InterNetworkV6 && Keep6(ip))
            {
                TokenFor(_ipv6, Canonical(ip), "ipv6");
            }
        }
    }

    /// <summary>The text with every name and address replaced.</summary>
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        if (_dottedHosts.Count > 0 || _homes.Count > 0 || _ownIpv4.Count > 0)
        {
            text = ReplaceLiterals(text);
        }
        return Scanner().Replace(text, Replace);
    }

    /// <summary>A path inside the archive or a link target: the same replacements, so a redacted folder is found where a redacted list names it.</summary>
    public string RedactPath(string path) => Redact(path);

    /// <summary>The originals never leave: only whether a token came from a redaction can be asked.</summary>
    public static bool IsToken(string word) => TokenShape().IsMatch(word);

    // Dotted host names and homes outside /home are matched literally first, longest first, with
    // the word boundaries; this machine's own IPv4 addresses with looser ones (any non-digit).
    private string ReplaceLiterals(string text)
    {
        if (_names is null && (_dottedHosts.Count > 0 || _homes.Count > 0))
        {
            _names = Literals(_dottedHosts.Concat(_homes.Keys), @"(?<![A-Za-z0-9_\-.])", @"(?![A-Za-z0-9_\-]|\.[A-Za-z0-9])");
        }
        if (_ownIps is null && _ownIpv4.Count > 0)
        {
            _ownIps = Literals(_ownIpv4, @"(?<![0-9.])", @"(?![0-9]|\.[0-9])");
        }
        if (_names is not null)
        {
            text = _names.Replace(text, m =>
            {
                if (_homes.TryGetValue(m.Value, out var home))
                {
                    return Count(RedactionKind.HomePath, home);
                }
                return _hosts.TryGetValue(m.Value, out var host) ? Count(RedactionKind.HostName, host) : m.Value;
            });
        }
        if (_ownIps is not null)
        {
            text = _ownIps.Replace(text, m =>
            {
                return Count(RedactionKind.IPv4Address, _ipv4[m.Value]);
            });
        }
        return text;
    }

    private static Regex Literals(IEnumerable<string> values, string before, string after) =>
        new(before + "(?:" + string.Join('|', values.Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).Select(Regex.Escape)) + ")" + after,
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    private string Replace(Match m)
    {
        if (m.Groups["home"].Success)
        {
            var name = m.Groups["hname"].Value;
            var token = AddUser(name);
            if (token is null)
            {
                return m.Value;
            }
            _homes.TryAdd(m.Groups["home"].Value, m.Groups["hroot"].Value + token);
            return Count(RedactionKind.HomePath, m.Groups["hroot"].Value + token);
        }
        if (m.Groups["mac"].Success)
        {
            if (!KeepMac(m.Value))
            {
                return m.Value;
            }
            return Count(RedactionKind.MacAddress, TokenFor(_macs, NormalizeMac(m.Value), "mac"));
        }
        if (m.Groups["ip6"].Success)
        {
            var candidate = m.Value;
            var zone = candidate.IndexOf('%', StringComparison.Ordinal);
            var bare = zone >= 0 ? candidate[..zone] : candidate;
            bool shaped = bare.Contains("::", StringComparison.Ordinal) || bare.Count(c => c == ':') == 7;
            if (!shaped || !IPAddress.TryParse(bare, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || !Keep6(ip))
            {
                return candidate;
            }
            return Count(RedactionKind.IPv6Address, TokenFor(_ipv6, Canonical(ip), "ipv6"));
        }
        if (m.Groups["ip4"].Success)
        {
            if (!IPAddress.TryParse(m.Value, out var ip) || !Keep4(ip))
            {
                return m.Value;
            }
            return Count(RedactionKind.IPv4Address, TokenFor(_ipv4, m.Value, "ipv4"));
        }
        var word = m.Value;
        if (_hosts.TryGetValue(word, out var host))
        {
            return Count(RedactionKind.HostName, host);
        }
        if (_users.TryGetValue(word, out var user))
        {
            return Count(RedactionKind.UserName, user);
        }
        return word;
    }

    private string Count(RedactionKind kind, string token)
    {
        _replacements[kind] = _replacements.GetValueOrDefault(kind) + 1;
        if (!_replaced.TryGetValue(kind, out var set))
        {
            _replaced[kind] = set = new HashSet<string>(StringComparer.Ordinal);
        }
        set.Add(token);
        return token;
    }

    private static string TokenFor(Dictionary<string, string> map, string key, string prefix)
    {
        if (!map.TryGetValue(key, out var token))
        {
            map[key] = token = Next(prefix, map.Values);
        }
        return token;
    }

    private static string Next(string prefix, IEnumerable<string> used) =>
        prefix + "-" + (used.Distinct(StringComparer.Ordinal).Count() + 1).ToString(CultureInfo.InvariantCulture);

    private static string Canonical(IPAddress ip) => ip.ToString();

    private static bool Keep4(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return b[0] != 127 && !(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) && !b.All(x => x == 255);
    }

    private static bool Keep6(IPAddress ip) => !ip.Equals(IPAddress.IPv6Loopback) && !ip.Equals(IPAddress.IPv6None) && !ip.Equals(IPAddress.IPv6Any);

    private static bool KeepMac(string mac)
    {
        var hex = NormalizeMac(mac).Replace(":", "", StringComparison.Ordinal);
        return hex != "000000000000" && hex != "ffffffffffff";
    }

    private static string NormalizeMac(string mac) => mac.Replace('-', ':').ToLowerInvariant();

    // One scanner for every kind, tried in this order at each position: home paths, MAC, IPv6, IPv4, words.
    [GeneratedRegex(
        @"(?<home>(?<hroot>/(?:home|Users)/)(?<hname>[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z0-9_]))(?![A-Za-z0-9_.\-])" +
        @"|(?<mac>(?<![A-Za-z0-9_:\-])(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}(?![A-Za-z0-9_:\-])|(?<![A-Za-z0-9_:\-])(?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2}(?![A-Za-z0-9_:\-]))" +
        @"|(?<ip6>(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[A-Za-z0-9_.]+)?(?![A-Za-z0-9_:]))" +
        @"|(?<ip4>(?<![A-Za-z0-9_.\-])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?![A-Za-z0-9_\-]|\.[0-9]))" +
        @"|(?<word>[A-Za-z0-9_][A-Za-z0-9_\-]*)",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Scanner();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex WordChars();

    [GeneratedRegex(@"^(?:host|user|ipv4|ipv6|mac)-\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();

    [GeneratedRegex(@"^(?:[0-9A-Fa-f]{2}[:\-]){5}[0-9A-Fa-f]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex MacPattern();

    /// <summary>
    /// A redactor that knows this machine (or the captured tree <paramref name="root"/>): its host
    /// names, the people among its accounts (uid 1000 and up in etc/passwd, folders in /home and
    /// /Users) and, live, its network addresses.
    /// </summary>
    public static Redactor ForMachine(SystemRoot root, IEnumerable<string> extraHosts)
    {
        var r = new Redactor();
        r.AddHost(root.ComputerName);
        r.AddHost(root.ReadFirstLine("etc/hostname"));
        if (root.IsLive)
        {
            r.AddHost(Environment.MachineName);
            try
            {
                r.AddHost(Dns.GetHostName());
            }
            catch (SocketException)
            {
            }
        }
        foreach (var h in extraHosts)
        {
            r.AddHost(h);
        }
        try
        {
            foreach (var line in File.ReadLines(root.PathOf("etc/passwd")))
            {
                var f = line.Split(':');
                if (f.Length >= 6 && int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid >= 1000 && uid < 65534)
                {
                    r.AddUser(f[0]);
                    r.AddHome(f[5], f[0]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        foreach (var dir in new[] { "home", "Users" })
        {
            try
            {
                foreach (var d in Directory.EnumerateDirectories(root.PathOf(dir)))
                {
                    r.AddUser(Path.GetFileName(d));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        if (root.IsLive)
        {
            try
            {
                foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
                {
                    foreach (var a in nic.GetIPProperties().UnicastAddresses)
                    {
                        r.AddAddress(a.Address.ToString());
                    }
                    var mac = nic.GetPhysicalAddress().GetAddressBytes();
                    if (mac.Length == 6)
                    {
                        r.AddAddress(string.Join(':', mac.Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
                    }
                }
            }
            catch (System.Net.NetworkInformation.NetworkInformationException)
            {
            }
        }
        return r;
    }

    /// <summary>"host names 2 (5 replacements), ..." for the manifest; never the originals.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (kind, (distinct, replaced)) in Counts)
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }
            sb.Append(CultureInfo.InvariantCulture, $"{Name(kind)} {distinct} ({replaced} replacement{(replaced == 1 ? "" : "s")})");
        }
        return sb.ToString();
    }

    internal static string Name(RedactionKind kind) => kind switch
    {
        RedactionKind.HostName => "host names",
        RedactionKind.UserName => "user names",
        RedactionKind.HomePath => "home paths",
        RedactionKind.IPv4Address => "IPv4 addresses",
        RedactionKind.IPv6Address => "IPv6 addresses",
        _ => "MAC addresses",
    };
}
