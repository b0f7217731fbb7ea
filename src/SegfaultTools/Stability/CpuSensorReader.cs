using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>
/// Reads each CPU's current clock and its core's temperature while it is under load: cpufreq's
/// scaling_cur_freq (else /proc/cpuinfo's "cpu MHz"), and the hwmon sensors (coretemp per core and
/// package on Intel, k10temp/zenpower per package on AMD, else the x86_pkg_temp thermal zone).
/// </summary>
internal sealed partial class CpuSensorReader
{
    private readonly SystemRoot _root;
    private readonly Dictionary<int, (int? Package, int? CoreId)> _cpus;

    // (package or null for "any", core id or null for the package sensor) → temp*_input path
    private readonly List<(int? Package, int? CoreId, string Path)> _sensors = new();
    private bool _sensorsFound;

    public CpuSensorReader(SystemRoot root, IEnumerable<CpuCoreInfo> map)
    {
        _root = root;
        _cpus = map.ToDictionary(c => c.Cpu, c => (c.Socket, c.CoreId));
    }

    /// <summary>The current clock of each of <paramref name="cpus"/> in MHz, where readable.</summary>
    public Dictionary<int, int> FrequenciesMHz(IEnumerable<int> cpus)
    {
        var result = new Dictionary<int, int>();
        List<int>? missing = null;
        foreach (var cpu in cpus)
        {
            var text = ReadText($"sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_cur_freq");
            if (text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var khz) && khz > 0)
            {
                result[cpu] = (int)(khz / 1000);
            }
            else
            {
                (missing ??= new()).Add(cpu);
            }
        }
        if (missing is not null)
        {
            var info = TopologyReader.ReadCpuInfo(_root);
            foreach (var cpu in missing)
            {
                if (info.TryGetValue(cpu, out var block) && block.TryGetValue("cpu MHz", out var mhz)
                    && double.TryParse(mhz, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
                {
                    result[cpu] = (int)Math.Round(value);
                }
            }
        }
        return result;
    }

    /// <summary>The temperature (°C) of each of <paramref name="cpus"/>' core, else of its package; CPUs without a sensor are left out.</summary>
    public Dictionary<int, double> TemperaturesC(IEnumerable<int> cpus)
    {
        if (!_sensorsFound)
        {
            FindSensors();
            _sensorsFound = true;
        }
        var result = new Dictionary<int, double>();
        if (_sensors.Count == 0)
        {
            return result;
        }
        var cache = new Dictionary<string, double?>();
        double? Read(string path)
        {
            if (!cache.TryGetValue(path, out var v))
            {
                var text = ReadText(path);
                v = text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli) ? milli / 1000.0 : null;
                cache[path] = v;
            }
            return v;
        }
        foreach (var cpu in cpus)
        {
            _cpus.TryGetValue(cpu, out var where);
            var core = _sensors.FirstOrDefault(s => s.CoreId is not null && s.CoreId == where.CoreId && (s.Package is null || where.Package is null || s.Package == where.Package));
            var package = _sensors.FirstOrDefault(s => s.CoreId is null && (s.Package is null || where.Package is null || s.Package == where.Package));
            var value = (core.Path is not null ? Read(core.Path) : null) ?? (package.Path is not null ? Read(package.Path) : null);
            if (value is { } c)
            {
                result[cpu] = c;
            }
        }
        return result;
    }

    private void FindSensors()
    {
        var hwmon = _root.PathOf("sys/class/hwmon");
        if (Directory.Exists(hwmon))
        {
            foreach (var dir in Directory.EnumerateDirectories(hwmon).Concat(Directory.EnumerateFileSystemEntries(hwmon).Where(IsLink)).Distinct().OrderBy(d => d, StringComparer.Ordinal))
            {
                var name = ReadText(Path.Combine(dir, "name"));
                if (name is "coretemp")
                {
                    int? package = PackageOf(dir);
                    foreach (var label in SafeFiles(dir, "temp*_label"))
                    {
                        var text = ReadText(label);
                        var input = label[..^"_label".Length] + "_input";
                        if (text is null || !File.Exists(input))
                        {
                            continue;
                        }
                        if (CoreLabel().Match(text) is { Success: true } m)
                        {
                            _sensors.Add((package, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), input));
                        }
                        else if (text.StartsWith("Package id", StringComparison.Ordinal))
                        {
                            var id = text.Split(' ').Last();
                            _sensors.Add((int.TryParse(id, out var p) ? p : package, null, input));
                        }
                    }
                }
                else if (name is "k10temp" or "zenpower")
                {
                    // Tctl is what AMD's own tools show for the package; Tdie where Tctl carries an offset.
                    var inputs = SafeFiles(dir, "temp*_label")
                        .Select(l => (Label: ReadText(l), Input: l[..^"_label".Length] + "_input"))
                        .Where(l => File.Exists(l.Input)).ToList();
                    var pick = inputs.FirstOrDefault(l => l.Label == "Tdie").Input ?? inputs.FirstOrDefault(l => l.Label == "Tctl").Input
                        ?? (File.Exists(Path.Combine(dir, "temp1_input")) ? Path.Combine(dir, "temp1_input") : null);
                    if (pick is not null)
                    {
                        _sensors.Add((null, null, pick));
                    }
                }
            }
        }
        if (_sensors.Count == 0)
        {
            var zones = _root.PathOf("sys/class/thermal");
            if (Directory.Exists(zones))
            {
                foreach (var zone in Directory.EnumerateFileSystemEntries(zones, "thermal_zone*").OrderBy(z => z, StringComparer.Ordinal))
                {
                    if (ReadText(Path.Combine(zone, "type")) is "x86_pkg_temp" && File.Exists(Path.Combine(zone, "temp")))
                    {
                        _sensors.Add((null, null, Path.Combine(zone, "temp")));
                        break;
                    }
                }
            }
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    // coretemp's device is coretemp.<package>; its link names the package when there is more than one.
    private static int? PackageOf(string hwmonDir)
    {
        try
        {
            var device = new DirectoryInfo(Path.Combine(hwmonDir, "device"));
            var target = device.LinkTarget ?? device.FullName;
            if (CoretempDevice().Match(target) is { Success: true } m)
            {
                return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static IEnumerable<string> SafeFiles(string dir, string pattern)
    {
        try
        {
            return Directory.GetFiles(dir, pattern).OrderBy(f => f, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    private string? ReadText(string relativeOrFull)
    {
        var path = relativeOrFull.StartsWith('/') ? relativeOrFull : _root.PathOf(relativeOrFull);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^Core (\d+)$")]
    private static partial Regex CoreLabel();

    [GeneratedRegex(@"coretemp\.(\d+)")]
    private static partial Regex CoretempDevice();
}
