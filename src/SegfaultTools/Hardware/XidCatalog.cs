namespace SegfaultTools;

/// <summary>
/// What the common NVIDIA Xid codes mean and how bad they are. Paraphrased from NVIDIA's Xid
/// catalog (docs.nvidia.com/deploy/xid-errors) and the names in the driver's nverror.h; codes not
/// listed here keep their number with no meaning and no severity.
/// </summary>
internal static class XidCatalog
{
    private static readonly Dictionary<int, (string Meaning, HardwareErrorSeverity Severity)> Entries = new()
    {
        [13] = ("Graphics engine exception: usually the program's own fault (address out of range, illegal instruction), rarely the driver or hardware", HardwareErrorSeverity.Uncorrected),
        [31] = ("GPU memory page fault: usually the program used an address it does not own; sometimes a driver or hardware fault", HardwareErrorSeverity.Uncorrected),
        [32] = ("Invalid or corrupted push buffer stream: suspect PCIe or host memory corruption before the program", HardwareErrorSeverity.Uncorrected),
        [43] = ("The GPU stopped a channel after a software fault (for example the program was killed); the GPU itself is fine", HardwareErrorSeverity.Uncorrected),
        [45] = ("Preemptive cleanup after an earlier error or a killed process; the Xid before it says why", HardwareErrorSeverity.Info),
        [48] = ("Double-bit ECC error in GPU memory", HardwareErrorSeverity.Uncorrected),
        [61] = ("Internal micro-controller breakpoint or warning", HardwareErrorSeverity.Info),
        [62] = ("Internal micro-controller halted: firmware, driver or hardware; reset the GPU", HardwareErrorSeverity.Fatal),
        [63] = ("ECC page retirement or row remapping was recorded (informational unless Xid 64 follows)", HardwareErrorSeverity.Info),
        [64] = ("ECC page retirement or row remapping could not be recorded; reset the GPU", HardwareErrorSeverity.Uncorrected),
        [68] = ("Video decoder (NVDEC0) exception", HardwareErrorSeverity.Uncorrected),
        [69] = ("Graphics engine class error", HardwareErrorSeverity.Uncorrected),
        [74] = ("NVLink error", HardwareErrorSeverity.Uncorrected),
        [79] = ("GPU has fallen off the bus: the PCIe link to it was lost (power delivery, riser or slot, heat, hardware); reboot", HardwareErrorSeverity.Fatal),
        [92] = ("High rate of single-bit ECC errors in GPU memory", HardwareErrorSeverity.Corrected),
        [94] = ("Contained ECC error: the affected program must restart", HardwareErrorSeverity.Uncorrected),
        [95] = ("Uncontained ECC error: every program on the GPU is affected; reset the GPU", HardwareErrorSeverity.Fatal),
        [109] = ("Context-switch timeout: a program or the driver hung", HardwareErrorSeverity.Uncorrected),
        [119] = ("Timed out waiting for the GPU System Processor (GSP) to answer: a driver or firmware hang; reset the GPU", HardwareErrorSeverity.Fatal),
        [120] = ("Error in code running on the GPU System Processor (GSP); reset the GPU", HardwareErrorSeverity.Fatal),
        [154] = ("The recovery action the GPU needs changed", HardwareErrorSeverity.Info),
    };

    public static bool TryGet(int xid, out string meaning, out HardwareErrorSeverity severity)
    {
        if (Entries.TryGetValue(xid, out var e))
        {
            (meaning, severity) = e;
            return true;
        }
        meaning = string.Empty;
        severity = default;
        return false;
    }

    public static IEnumerable<int> Codes => Entries.Keys.Order();
}
