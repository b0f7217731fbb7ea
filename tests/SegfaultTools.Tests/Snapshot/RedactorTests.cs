namespace SegfaultTools.Tests;

/// <summary>-Redact's replacer: each kind, the same token for the same value everywhere, and what it must leave alone.</summary>
public sealed class RedactorTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("redactor-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static Redactor Machine()
    {
        var r = new Redactor();
        r.AddHost("tower");
        r.AddHost("tower.example.org");
        r.AddUser("alice");
        r.AddUser("bob");
        r.AddAddress("192.168.1.20");
        r.AddAddress("2001:db8::20");
        r.AddAddress("3c:52:82:aa:bb:cc");
        return r;
    }

    [Fact]
    public void TheSameValueGetsTheSameTokenInEveryText()
    {
        var r = Machine();
        var log = r.Redact("2026-01-03T18:39:13.123456+01:00 tower kernel: python3[1]: segfault at 0 ip 0 sp 0 error 4");
        var hostname = r.Redact("tower\n");
        var manifest = r.Redact("Machine: TOWER, user alice, home /home/alice/src, from 192.168.1.20 and 192.168.1.20");
        Assert.Equal("2026-01-03T18:39:13.123456+01:00 host-1 kernel: python3[1]: segfault at 0 ip 0 sp 0 error 4", log);
        Assert.Equal("host-1\n", hostname);
        Assert.Equal("Machine: host-1, user user-1, home /home/user-1/src, from ipv4-1 and ipv4-1", manifest);
    }

    [Fact]
    public void HostNamesAreWholeWordsAnyCaseAndTheirDomainGoesWithThem()
    {
        var r = Machine();
        Assert.Equal("host-1 host-1", r.Redact("tower TOWER"));
        Assert.Equal("ssh host-1 now", r.Redact("ssh tower.example.org now"));
        Assert.Equal("host-1.lan", r.Redact("tower.lan"));
        // Not inside other words: towers, watchtower, tower_2 are other names.
        Assert.Equal("towers watchtower tower_2 tower-2", r.Redact("towers watchtower tower_2 tower-2"));
        // A host named in a log line joins the machine's names with a token of its own.
        Assert.Equal("host-2", r.AddHost("nas"));
        Assert.Equal("backup to host-2", r.Redact("backup to nas"));
    }

    [Fact]
    public void ShortAndGenericNamesAreNeverReplaced()
    {
        var r = new Redactor();
        Assert.Null(r.AddHost("localhost"));
        Assert.Null(r.AddHost("x"));
        Assert.Null(r.AddUser("root"));
        Assert.Null(r.AddHost("host-3"));
        Assert.Equal("localhost root kernel", r.Redact("localhost root kernel"));
    }

    [Fact]
    public void UserNamesAndHomePathsBecomeTheSameToken()
    {
        var r = Machine();
        Assert.Equal("/home/user-1/.local/lib/libfoo.so /Users/user-2/x user-1 user-2", r.Redact("/home/alice/.local/lib/libfoo.so /Users/bob/x alice bob"));
        // A home folder of someone not known before becomes a user too, and then their bare name.
        Assert.Equal("/home/user-3/bin carol-x", r.Redact("/home/carol/bin carol-x"));
        Assert.Equal("user-3", r.Redact("carol"));
        var counts = r.Counts;
        Assert.Equal(3, counts[RedactionKind.HomePath].Distinct);
        Assert.Equal(3, counts[RedactionKind.UserName].Distinct);
    }

    [Fact]
    public void HomesOutsideHomeFromPasswdAreReplaced()
    {
        var r = new Redactor();
        r.AddHome("/srv/people/dave", "dave");
        Assert.Equal("/home/user-1/.cache and user-1", r.Redact("/srv/people/dave/.cache and dave"));
    }

    [Fact]
    public void Ipv4AddressesButNotVersionsLoopbackOrBroadcast()
    {
        var r = Machine();
        Assert.Equal("from ipv4-2 to ipv4-1:22", r.Redact("from 10.1.2.3 to 192.168.1.20:22"));
        Assert.Equal("127.0.0.1 0.0.0.0 255.255.255.255", r.Redact("127.0.0.1 0.0.0.0 255.255.255.255"));
        // Version strings: a fifth part, a leading zero, a dash or letters after the last part.
        Assert.Equal("1.2.3.4.5 95.02.18.80.5F 2.36.1.5-1 5.15.0.91-generic", r.Redact("1.2.3.4.5 95.02.18.80.5F 2.36.1.5-1 5.15.0.91-generic"));
        // This machine's own address is replaced even where a version-like neighbour keeps the pattern away.
        Assert.Equal("ipv4-1-eth0", r.Redact("192.168.1.20-eth0"));
    }

    [Fact]
    public void Ipv6AddressesButNotTimesOrLoopback()
    {
        var r = Machine();
        Assert.Equal("ipv6-1 and ipv6-2", r.Redact("2001:db8::20 and fe80::fc:ff:fe00:1%eth0"));
        Assert.Equal("18:39:13 ::1 :: std::string Code: 48 89 e5", r.Redact("18:39:13 ::1 :: std::string Code: 48 89 e5"));
        Assert.Equal("ipv6-1", r.Redact("2001:0db8:0000:0000:0000:0000:0000:0020"));
    }

    [Fact]
    public void MacAddressesInBothNotationsButNotZeroOrBroadcast()
    {
        var r = Machine();
        Assert.Equal("link mac-1 mac-1 mac-2", r.Redact("link 3c:52:82:aa:bb:cc 3C-52-82-AA-BB-CC 00:1a:2b:3c:4d:5e"));
        Assert.Equal("00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 0000:00:1f.3", r.Redact("00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 0000:00:1f.3"));
    }

    [Fact]
    public void TokensAreNeverRedactedAgain()
    {
        var r = Machine();
        var once = r.Redact("tower alice /home/alice 192.168.1.20 3c:52:82:aa:bb:cc");
        Assert.Equal(once, r.Redact(once));
    }

    [Fact]
    public void CountsSayHowManyValuesAndReplacementsNeverTheOriginals()
    {
        var r = Machine();
        r.Redact("tower tower alice 10.0.0.7");
        var counts = r.Counts;
        Assert.Equal((1, 2), counts[RedactionKind.HostName]);
        Assert.Equal((1, 1), counts[RedactionKind.UserName]);
        Assert.Equal((1, 1), counts[RedactionKind.IPv4Address]);
        Assert.Equal((0, 0), counts[RedactionKind.MacAddress]);
        var text = r.Describe();
        Assert.Contains("host names 1 (2 replacements)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tower", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ForMachineKnowsTheTreesHostAndPeople()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "etc"));
        Directory.CreateDirectory(Path.Combine(_temp, "home/erin"));
        File.WriteAllText(Path.Combine(_temp, "etc/hostname"), "build-box\n");
        File.WriteAllText(Path.Combine(_temp, "etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nfrank:x:1000:1000::/home/frank:/bin/bash\nsvc:x:999:999::/var/lib/svc:/bin/false\n");
        var r = Redactor.ForMachine(new SystemRoot(_temp), new[] { "loghost" });
        Assert.Equal("host-1 host-2 user-1 user-2 svc root nobody", r.Redact("build-box loghost frank erin svc root nobody"));
    }
}
