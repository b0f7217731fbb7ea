using System.Globalization;
using System.Text.RegularExpressions;

namespace SegfaultTools;

/// <summary>One GPU on the PCI bus as sysfs shows it.</summary>
internal sealed record PciGpu(string PciBusId, string VendorId, string? DeviceId, string? Driver, long? VramTotalMiB, long? VramUsedMiB, string? ProductName);

/// <summary>
/// GPUs of every vendor from /sys/class/drm/card*/device (vendor, device, the bound driver from
/// uevent or the driver link, amdgpu's mem_info_vram_*), and names from pci.ids where installed.
/// </summary>
internal static class PciGpuDevices
{
    internal const string DrmDir = "sys/class/drm";
    internal const string PciDevicesDir = "sys/bus/pci/devices";
    internal static readonly string[] PciIdsFiles = { "usr/share/hwdata/pci.ids", "usr/share/misc/pci.ids", "usr/share/pci.ids" };
    private static readonly Regex CardName = new(@"^card\d+$", RegexOptions.CultureInvariant);

    public static string VendorName(string vendorId) => vendorId.ToLowerInvariant() switch
    {
        "0x10de" => "NVIDIA",
        "0x1002" or "0x1022" => "AMD",
        "0x8086" => "Intel",
        var other => other,
    };

    public static List<PciGpu> Read(SystemRoot root)
    {
        var result = new List<PciGpu>();
        var dir = root.PathOf(DrmDir);
        if (Directory.Exists(dir))
        {
            foreach (var card in Directory.EnumerateFileSystemEntries(dir).Where(c => CardName.IsMatch(System.IO.Path.GetFileName(c))))
            {
                Add(ReadDevice(root, System.IO.Path.Combine(card, "device"), null));
            }
        }

        // NVIDIA display controllers (PCI class 0x03xxxx) without a drm card: nvidia without nvidia-drm, or no driver bound.
        var bus = root.PathOf(PciDevicesDir);
        if (Directory.Exists(bus))
        {
            foreach (var device in Directory.EnumerateFileSystemEntries(bus))
            {
                if (First(System.IO.Path.Combine(device, "class")) is { } cls && cls.StartsWith("0x03", StringComparison.OrdinalIgnoreCase)
                    && string.Equals(First(System.IO.Path.Combine(device, "vendor")), "0x10de", StringComparison.OrdinalIgnoreCase))
                {
                    Add(ReadDevice(root, device, System.IO.Path.GetFileName(device)));
                }
            }
        }
        return result.OrderBy(g => g.PciBusId, StringComparer.Ordinal).ToList();

        void Add(PciGpu? gpu)
        {
            if (gpu is not null && result.All(g => g.PciBusId != gpu.PciBusId))
            {
                result.Add(gpu);
            }
        }
    }

    /// <summary>The driver bound to a PCI device (sys/bus/pci/devices/&lt;id&gt;), for GPUs without a drm card.</summary>
    public static string? DriverOf(SystemRoot root, string pciBusId) =>
        ReadDevice(root, root.PathOf(PciDevicesDir + "/" + pciBusId), pciBusId)?.Driver;

    private static PciGpu? ReadDevice(SystemRoot root, string device, string? knownId)
    {
        var uevent = ReadKeyValues(System.IO.Path.Combine(device, "uevent"), '=');
        var vendor = First(System.IO.Path.Combine(device, "vendor"));
        var deviceId = First(System.IO.Path.Combine(device, "device"));
        if (vendor is null && uevent.TryGetValue("PCI_ID", out var pciId) && pciId.Split(':') is [var v, var d])
        {
            vendor = "0x" + v.ToLowerInvariant();
            deviceId ??= "0x" + d.ToLowerInvariant();
        }
        var slot = uevent.GetValueOrDefault("PCI_SLOT_NAME") ?? knownId ?? LinkName(device);
        if (vendor is null || slot is null)
        {
            return null;
        }
        var driver = uevent.GetValueOrDefault("DRIVER") ?? LinkName(System.IO.Path.Combine(device, "driver"));
        return new PciGpu(PciAddress.Normalize(slot)!, vendor.ToLowerInvariant(), deviceId?.ToLowerInvariant(), driver,
            Bytes(System.IO.Path.Combine(device, "mem_info_vram_total")), Bytes(System.IO.Path.Combine(device, "mem_info_vram_used")),
            First(System.IO.Path.Combine(device, "product_name")));
    }

    /// <summary>"Vendor Device-name" from pci.ids ("Navi 31 [Radeon RX 7900 XT/7900 XTX/7900 GRE/7900M]"), or null.</summary>
    public static string? NameFromPciIds(SystemRoot root, string vendorId, string? deviceId)
    {
        if (deviceId is null)
        {
            return null;
        }
        var vendor = vendorId.ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);
        var device = deviceId.ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);
        foreach (var file in PciIdsFiles.Select(root.PathOf).Where(File.Exists))
        {
            var inVendor = false;
            foreach (var line in File.ReadLines(file))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }
                if (line[0] != '\t')
                {
                    if (line.StartsWith('C') && line.Length > 1 && line[1] == ' ')
                    {
                        break; // the device-class section follows the vendors
                    }
                    inVendor = line.StartsWith(vendor + "  ", StringComparison.Ordinal);
                    continue;
                }
                if (inVendor && line.Length > 1 && line[1] != '\t' && line.AsSpan(1).StartsWith(device + "  ", StringComparison.Ordinal))
                {
                    return line[(1 + device.Length + 2)..].Trim();
                }
            }
            return null;
        }
        return null;
    }

    private static string? LinkName(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget ?? new DirectoryInfo(path).LinkTarget;
            return target is null ? null : System.IO.Path.GetFileName(target.TrimEnd('/'));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? First(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            var line = reader.ReadLine()?.Trim();
            return string.IsNullOrEmpty(line) ? null : line;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? Bytes(string path) =>
        long.TryParse(First(path), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b / (1024 * 1024) : null;

    internal static Dictionary<string, string> ReadKeyValues(string path, char separator)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var at = line.IndexOf(separator);
                if (at > 0)
                {
                    map.TryAdd(line[..at].Trim(), line[(at + 1)..].Trim());
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return map;
    }
}
