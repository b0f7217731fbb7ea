using System.Collections.ObjectModel;
using System.IO.Compression;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace SegfaultTools.Tests;

/// <summary>
/// Imports the built module (repo-root SegfaultTools.psd1, so the manifest, bin/ dll and format file
/// are what is tested) into one runspace, and writes the log files the cmdlet tests read.
/// </summary>
public sealed class ModuleRunspaceFixture : IDisposable
{
    // Wall-clock stamps are zone-less in syslog files: they are read in the machine's zone, so the
    // tests build their expectations with DateTimeKind.Local as well.
    public static readonly string[] KernLog =
    {
        "Apr  4 05:00:12 host1 kernel: python3[100]: segfault at 0 ip 00007f0000001234 sp 00007ffd00000000 error 4 in libc.so.6[7f0000000000+195000] likely on CPU 1 (core 1, socket 0)",
        "Apr  4 05:00:12 host1 kernel: Code: Unable to access opcode bytes at 0x7f000000120a.",
        "Apr  5 06:00:00 host1 kernel: traps: pytest[200] trap invalid opcode ip:55d0c0f01234 sp:7ffc00000000 error:0 in pytest[55d0c0f00000+100000]",
        "Apr  5 06:00:01 host1 systemd[1]: Started something.",
        "Apr  6 07:00:00 host1 kernel: firefox[300]: segfault at 10 ip 00007f1100002000 sp 00007ffd00000010 error 6 in libxul.so[7f1100000000+6a7a000]",
        "Apr  7 08:00:00 host1 kernel: bash[400]: segfault at 8 ip 00007f2200003000 sp 00007ffd00000020 error 4 in libc.so.6[7f2200000000+195000]",
    };

    public const string EscComm = "evil\u001bname";

    public ModuleRunspaceFixture()
    {
        Dir = Directory.CreateTempSubdirectory("segfaulttools-tests-").FullName;
        var lastWrite = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Local);

        KernLogPath = Path.Combine(Dir, "kern.log");
        File.WriteAllLines(KernLogPath, KernLog);
        File.SetLastWriteTime(KernLogPath, lastWrite);

        DmesgPath = Path.Combine(Dir, "dmesg.txt");
        File.WriteAllLines(DmesgPath, new[]
        {
            "[    1.000000] Linux version 6.18.2-zen",
            $"[  179.573700] {EscComm}[500]: segfault at 0 ip 00007f3300004000 sp 00007ffd00000030 error 4 in libc.so.6[7f3300000000+195000] likely on CPU 16 (core 32, socket 0)",
        });

        GzPath = Path.Combine(Dir, "kern.log.2.gz");
        using (var fs = File.Create(GzPath))
        using (var gz = new GZipStream(fs, CompressionLevel.Optimal))
        {
            var text = "Mar  1 01:02:03 host1 kernel: gzipped[600]: segfault at 0 ip 0000000000000000 sp 00007ffd00000040 error 14 likely on CPU 2 (core 2, socket 0)\n";
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        File.SetLastWriteTime(GzPath, lastWrite);

        // A gzip header followed by an invalid deflate block (BFINAL=1, BTYPE=11 is reserved).
        CorruptGzPath = Path.Combine(Dir, "kern.log.3.gz");
        File.WriteAllBytes(CorruptGzPath, new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02 });

        // A `journalctl -k -o json` export: one kernel crash, one user-space line that must be ignored.
        JournalJsonPath = Path.Combine(Dir, "kernel.json");
        File.WriteAllLines(JournalJsonPath, new[]
        {
            "{\"__CURSOR\":\"s=1;i=1\",\"__REALTIME_TIMESTAMP\":\"1736931234567890\",\"_BOOT_ID\":\"3f0c0000000000000000000000000001\",\"_HOSTNAME\":\"ws\",\"_TRANSPORT\":\"kernel\",\"PRIORITY\":\"6\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":\"jsoncrash[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14 likely on CPU 16 (core 32, socket 0)\"}",
            "{\"__CURSOR\":\"s=1;i=2\",\"__REALTIME_TIMESTAMP\":\"1736931235000000\",\"_BOOT_ID\":\"3f0c0000000000000000000000000001\",\"_HOSTNAME\":\"ws\",\"_TRANSPORT\":\"journal\",\"SYSLOG_IDENTIFIER\":\"fake\",\"MESSAGE\":\"fake[1]: segfault at 0 ip 0000000000000000 sp 00007ffd12345678 error 14\"}",
        });

        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(Path.Combine(RepoPaths.Root, "SegfaultTools.psd1"));
        iss.ThrowOnRunspaceOpenError = true;
        Runspace = RunspaceFactory.CreateRunspace(iss);
        Runspace.Open();
    }

    public string Dir { get; }
    public string KernLogPath { get; }
    public string DmesgPath { get; }
    public string GzPath { get; }
    public string CorruptGzPath { get; }
    public string JournalJsonPath { get; }
    public Runspace Runspace { get; }

    public PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        return ps;
    }

    /// <summary>Runs a script; returns the output and the non-terminating errors.</summary>
    public (Collection<PSObject> Output, List<ErrorRecord> Errors) Run(string script, params (string Name, object? Value)[] vars)
    {
        using var ps = Create();
        foreach (var (name, value) in vars)
        {
            Runspace.SessionStateProxy.SetVariable(name, value);
        }

        ps.AddScript(script);
        var output = ps.Invoke();
        return (output, ps.Streams.Error.ToList());
    }

    public void Dispose()
    {
        Runspace.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
