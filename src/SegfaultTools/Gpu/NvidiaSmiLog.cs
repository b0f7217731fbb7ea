using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace SegfaultTools;

/// <summary>One GPU of an nvidia-smi -q -x report.</summary>
internal sealed record NvidiaSmiGpu(string? PciBusId, string? Name, long? MemoryTotalMiB, long? MemoryUsedMiB,
    string? GspFirmwareVersion, bool? PersistenceMode, IReadOnlyList<GpuProcess> Processes);

/// <summary>
/// What nvidia-smi -q -x said: its XML report (driver and CUDA versions, GPUs), or the reason it
/// gave none (NVML could not start, a version mismatch, no driver, garbage).
/// </summary>
internal sealed class NvidiaSmiLog
{
    private NvidiaSmiLog()
    {
    }

    public string? DriverVersion { get; private init; }

    public string? CudaVersion { get; private init; }

    public IReadOnlyList<NvidiaSmiGpu> Gpus { get; private init; } = Array.Empty<NvidiaSmiGpu>();

    /// <summary>Null where the report was read; else what went wrong, in words.</summary>
    public string? Problem { get; private init; }

    /// <summary>nvidia-smi reported "Driver/library version mismatch" (NVML_ERROR_LIB_RM_VERSION_MISMATCH).</summary>
    public bool ReportsVersionMismatch { get; private init; }

    public bool HasReport => Problem is null;

    internal const string MismatchMeaning =
        "the user-space NVIDIA libraries are a different version from the loaded kernel module, usually after a driver update without a reboot; " +
        "GPU programs fail or crash until the machine is rebooted (or the nvidia modules are reloaded)";

    public static NvidiaSmiLog Failed(string problem, bool mismatch = false) => new() { Problem = problem, ReportsVersionMismatch = mismatch };

    /// <summary>Reads nvidia-smi's output: the XML, possibly after warning lines, or its error text.</summary>
    public static NvidiaSmiLog Parse(string output)
    {
        var text = output ?? string.Empty;
        if (text.Contains("Driver/library version mismatch", StringComparison.OrdinalIgnoreCase))
        {
            return Failed($"nvidia-smi says '{FirstMeaningfulLine(text, "mismatch")}': {MismatchMeaning}.", mismatch: true);
        }
        var start = text.IndexOf("<?xml", StringComparison.Ordinal);
        if (start < 0)
        {
            start = text.IndexOf("<nvidia_smi_log", StringComparison.Ordinal);
        }
        if (start < 0)
        {
            return Failed(DescribeNonXml(text));
        }

        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null, IgnoreComments = true };
            using var reader = XmlReader.Create(new StringReader(text[start..]), settings);
            doc = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            return Failed($"nvidia-smi -q -x printed XML that could not be read ({ex.Message}).");
        }
        var log = doc.Root;
        if (log is null || log.Name.LocalName != "nvidia_smi_log")
        {
            return Failed($"nvidia-smi -q -x printed XML without an nvidia_smi_log element (root '{log?.Name.LocalName}').");
        }

        var gpus = log.Elements("gpu").Select(ReadGpu).ToList();
        return new NvidiaSmiLog
        {
            DriverVersion = Value(log.Element("driver_version")),
            CudaVersion = Value(log.Element("cuda_version")),
            Gpus = gpus,
        };
    }

    private static NvidiaSmiGpu ReadGpu(XElement gpu)
    {
        var busId = Value(gpu.Element("pci")?.Element("pci_bus_id")) ?? (string?)gpu.Attribute("id");
        var fb = gpu.Element("fb_memory_usage");
        var processes = new List<GpuProcess>();
        foreach (var p in gpu.Element("processes")?.Elements("process_info") ?? Enumerable.Empty<XElement>())
        {
            if (int.TryParse(Value(p.Element("pid")), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                processes.Add(new GpuProcess(pid, Value(p.Element("process_name")), Value(p.Element("type")), MiB(p.Element("used_memory"))));
            }
        }
        return new NvidiaSmiGpu(
            PciAddress.Normalize(busId),
            Value(gpu.Element("product_name")),
            MiB(fb?.Element("total")),
            MiB(fb?.Element("used")),
            Value(gpu.Element("gsp_firmware_version")),
            Value(gpu.Element("persistence_mode")) switch
            {
                "Enabled" => true,
                "Disabled" => false,
                _ => null,
            },
            processes);
    }

    /// <summary>The element's text, or null where it is missing, empty, "N/A", "Not Found" or deprecated.</summary>
    internal static string? Value(XElement? e)
    {
        var v = e?.Value.Trim();
        return string.IsNullOrEmpty(v) || v is "N/A" or "Not Found" or "Unknown Error" || v.StartsWith("Requested functionality", StringComparison.Ordinal)
            ? null
            : v;
    }

    /// <summary>"65710 MiB" → 65710.</summary>
    internal static long? MiB(XElement? e)
    {
        var v = Value(e);
        if (v is null)
        {
            return null;
        }
        var number = v.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static string DescribeNonXml(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "nvidia-smi -q -x printed nothing.";
        }
        if (text.Contains("couldn't communicate with the NVIDIA driver", StringComparison.OrdinalIgnoreCase)
            || text.Contains("could not communicate with the NVIDIA driver", StringComparison.OrdinalIgnoreCase))
        {
            return "nvidia-smi could not communicate with the NVIDIA driver: the kernel module is not loaded (or failed to load; look for NVRM lines in the kernel log).";
        }
        if (text.Contains("No devices were found", StringComparison.OrdinalIgnoreCase))
        {
            return "nvidia-smi found no NVIDIA GPU: the driver is loaded but no GPU answered (look for NVRM errors and Xid events in the kernel log).";
        }
        if (text.Contains("Failed to initialize NVML", StringComparison.OrdinalIgnoreCase))
        {
            return $"nvidia-smi says '{FirstMeaningfulLine(text, "NVML")}': NVML could not start, so nvidia-smi reported nothing.";
        }
        return $"nvidia-smi -q -x printed something that is not its XML report (first line: '{FirstMeaningfulLine(text, null)}').";
    }

    private static string FirstMeaningfulLine(string text, string? containing)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = (containing is null ? null : lines.FirstOrDefault(l => l.Contains(containing, StringComparison.OrdinalIgnoreCase)))
            ?? lines.FirstOrDefault() ?? string.Empty;
        var clean = new string(line.Where(c => !char.IsControl(c)).ToArray());
        return clean.Length > 160 ? clean[..160] + "..." : clean;
    }
}

/// <summary>PCI addresses in the one form Linux sysfs uses: "0000:01:00.0" (domain of four hex digits, lower case).</summary>
internal static class PciAddress
{
    public static string? Normalize(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }
        var s = id.Trim().ToLowerInvariant();
        var parts = s.Split(':');
        if (parts.Length == 3 && parts[0].Length > 4 && parts[0].TrimStart('0').Length <= 4)
        {
            // nvidia-smi writes an eight-digit domain: 00000000:01:00.0.
            parts[0] = parts[0][^4..];
            return string.Join(':', parts);
        }
        if (parts.Length == 2)
        {
            return "0000:" + s;
        }
        return s;
    }
}
