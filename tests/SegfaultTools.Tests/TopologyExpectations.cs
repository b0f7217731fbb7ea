namespace SegfaultTools.Tests;

/// <summary>
/// What Get-HybridCoreMap must return for each tree under tests/fixtures/topology (see the README there):
/// one row per CPU, every property. Columns: Cpu CoreType CoreId Socket Die Cluster ThreadSiblingList
/// IsOnline MaxFrequencyMHz BaseFrequencyMHz Capacity EvidenceKey ("-" = null). ModelName is per tree,
/// or per CPU range where a tree mixes cores.
/// </summary>
internal static class TopologyExpectations
{
    internal sealed record Tree(string Name, string ComputerName, Func<int, string?> ModelName, IReadOnlyDictionary<string, string> Evidence, string[] Rows);

    public static readonly Tree[] All =
    {
        new("alderlake-laptop-1260p", "laptop-1260p", _ => "12th Gen Intel(R) Core(TM) i7-1260P",
            new Dictionary<string, string>
            {
                ["A"] = "max frequency class 4700 MHz of 2 classes (4700, 3400 MHz); SMT sibling present; L2 of its own",
                ["B"] = "max frequency class 3400 MHz of 2 classes (4700, 3400 MHz); no SMT sibling; L2 shared by 4 cores",
            },
            new[]
            {
                " 0 Performance         0 0 0  0 0-1   1 4700 2100    - A",
                " 1 Performance         0 0 0  0 0-1   1 4700 2100    - A",
                " 2 Performance         4 0 0  2 2-3   1 4700 2100    - A",
                " 3 Performance         4 0 0  2 2-3   1 4700 2100    - A",
                " 4 Performance         8 0 0  4 4-5   1 4700 2100    - A",
                " 5 Performance         8 0 0  4 4-5   1 4700 2100    - A",
                " 6 Performance        12 0 0  6 6-7   1 4700 2100    - A",
                " 7 Performance        12 0 0  6 6-7   1 4700 2100    - A",
                " 8 Efficiency         16 0 0  8 8     1 3400 1500    - B",
                " 9 Efficiency         17 0 0  8 9     1 3400 1500    - B",
                "10 Efficiency         18 0 0  8 10    1 3400 1500    - B",
                "11 Efficiency         19 0 0  8 11    1 3400 1500    - B",
                "12 Efficiency         20 0 0 12 12    1 3400 1500    - B",
                "13 Efficiency         21 0 0 12 13    1 3400 1500    - B",
                "14 Efficiency         22 0 0 12 14    1 3400 1500    - B",
                "15 Efficiency         23 0 0 12 15    1 3400 1500    - B",
            }),
        new("amd-zen4-7700x", "ryzen-7700x", _ => "AMD Ryzen 7 7700X 8-Core Processor",
            new Dictionary<string, string>
            {
                ["A"] = "no hybrid evidence: all cores alike (one max frequency class, 5400-5573 MHz)",
            },
            new[]
            {
                " 0 Uniform             0 0 0  0 0,8   1 5400    - 1024 A",
                " 1 Uniform             1 0 0  1 1,9   1 5400    - 1024 A",
                " 2 Uniform             2 0 0  2 2,10  1 5573    - 1024 A",
                " 3 Uniform             3 0 0  3 3,11  1 5400    - 1024 A",
                " 4 Uniform             4 0 0  4 4,12  1 5400    - 1024 A",
                " 5 Uniform             5 0 0  5 5,13  1 5573    - 1024 A",
                " 6 Uniform             6 0 0  6 6,14  1 5400    - 1024 A",
                " 7 Uniform             7 0 0  7 7,15  1 5400    - 1024 A",
                " 8 Uniform             0 0 0  0 0,8   1 5400    - 1024 A",
                " 9 Uniform             1 0 0  1 1,9   1 5400    - 1024 A",
                "10 Uniform             2 0 0  2 2,10  1 5573    - 1024 A",
                "11 Uniform             3 0 0  3 3,11  1 5400    - 1024 A",
                "12 Uniform             4 0 0  4 4,12  1 5400    - 1024 A",
                "13 Uniform             5 0 0  5 5,13  1 5573    - 1024 A",
                "14 Uniform             6 0 0  6 6,14  1 5400    - 1024 A",
                "15 Uniform             7 0 0  7 7,15  1 5400    - 1024 A",
            }),
        new("amd-zen5-hx370", "strix-hx370", _ => "AMD Ryzen AI 9 HX 370 w/ Radeon 890M",
            new Dictionary<string, string>
            {
                ["A"] = "max frequency class 5100 MHz of 2 classes (5100, 3300 MHz): full-size cores",
                ["B"] = "max frequency class 3300 MHz of 2 classes (5100, 3300 MHz): compact cores (Zen 5c/4c kind), judged by max frequency alone",
            },
            new[]
            {
                " 0 Performance         0 0 0  0 0,12  1 5100    -  208 A",
                " 1 Performance         1 0 0  1 1,13  1 5100    -  208 A",
                " 2 Performance         2 0 0  2 2,14  1 5100    -  208 A",
                " 3 Performance         3 0 0  3 3,15  1 5100    -  208 A",
                " 4 Efficiency          8 0 0  4 4,16  1 3300    -  135 B",
                " 5 Efficiency          9 0 0  5 5,17  1 3300    -  135 B",
                " 6 Efficiency         10 0 0  6 6,18  1 3300    -  135 B",
                " 7 Efficiency         11 0 0  7 7,19  1 3300    -  135 B",
                " 8 Efficiency         12 0 0  8 8,20  1 3300    -  135 B",
                " 9 Efficiency         13 0 0  9 9,21  1 3300    -  135 B",
                "10 Efficiency         14 0 0 10 10,22 1 3300    -  135 B",
                "11 Efficiency         15 0 0 11 11,23 1 3300    -  135 B",
                "12 Performance         0 0 0  0 0,12  1 5100    -  208 A",
                "13 Performance         1 0 0  1 1,13  1 5100    -  208 A",
                "14 Performance         2 0 0  2 2,14  1 5100    -  208 A",
                "15 Performance         3 0 0  3 3,15  1 5100    -  208 A",
                "16 Efficiency          8 0 0  4 4,16  1 3300    -  135 B",
                "17 Efficiency          9 0 0  5 5,17  1 3300    -  135 B",
                "18 Efficiency         10 0 0  6 6,18  1 3300    -  135 B",
                "19 Efficiency         11 0 0  7 7,19  1 3300    -  135 B",
                "20 Efficiency         12 0 0  8 8,20  1 3300    -  135 B",
                "21 Efficiency         13 0 0  9 9,21  1 3300    -  135 B",
                "22 Efficiency         14 0 0 10 10,22 1 3300    -  135 B",
                "23 Efficiency         15 0 0 11 11,23 1 3300    -  135 B",
            }),
        new("arm64-rk3588", "rock5b", cpu => cpu < 4 ? "ARM Cortex-A55" : "ARM Cortex-A76",
            new Dictionary<string, string>
            {
                ["A"] = "cpu_capacity class 397 of 2 classes (1024, 397): LITTLE core",
                ["B"] = "cpu_capacity class 1024 of 2 classes (1024, 397): big core",
            },
            new[]
            {
                " 0 Efficiency          0 0 -  0 0     1 1800    -  397 A",
                " 1 Efficiency          1 0 -  1 1     1 1800    -  397 A",
                " 2 Efficiency          2 0 -  2 2     1 1800    -  397 A",
                " 3 Efficiency          3 0 -  3 3     1 1800    -  397 A",
                " 4 Performance         0 0 -  4 4     1 2400    - 1024 B",
                " 5 Performance         1 0 -  5 5     1 2400    - 1024 B",
                " 6 Performance         0 0 -  6 6     1 2400    - 1024 B",
                " 7 Performance         1 0 -  7 7     1 2400    - 1024 B",
            }),
        new("meteorlake-155h", "mtl-155h", _ => "Intel(R) Core(TM) Ultra 7 155H",
            new Dictionary<string, string>
            {
                ["A"] = "perf PMU cpu_core lists this CPU",
                ["B"] = "perf PMU cpu_atom lists this CPU",
                ["C"] = "perf PMU cpu_atom lists this CPU; max frequency class 2500 MHz, the lowest of 3 classes (4800, 3800, 2500 MHz), in an L2 of its own: low-power E-core",
            },
            new[]
            {
                " 0 Performance         0 0 0  0 0-1   1 4800 1400    - A",
                " 1 Performance         0 0 0  0 0-1   1 4800 1400    - A",
                " 2 Performance         4 0 0  2 2-3   1 4800 1400    - A",
                " 3 Performance         4 0 0  2 2-3   1 4800 1400    - A",
                " 4 Performance         8 0 0  4 4-5   1 4800 1400    - A",
                " 5 Performance         8 0 0  4 4-5   1 4800 1400    - A",
                " 6 Performance        12 0 0  6 6-7   1 4800 1400    - A",
                " 7 Performance        12 0 0  6 6-7   1 4800 1400    - A",
                " 8 Performance        16 0 0  8 8-9   1 4800 1400    - A",
                " 9 Performance        16 0 0  8 8-9   1 4800 1400    - A",
                "10 Performance        20 0 0 10 10-11 1 4800 1400    - A",
                "11 Performance        20 0 0 10 10-11 1 4800 1400    - A",
                "12 Efficiency         32 0 0 12 12    1 3800  900    - B",
                "13 Efficiency         33 0 0 12 13    1 3800  900    - B",
                "14 Efficiency         34 0 0 12 14    1 3800  900    - B",
                "15 Efficiency         35 0 0 12 15    1 3800  900    - B",
                "16 Efficiency         36 0 0 16 16    1 3800  900    - B",
                "17 Efficiency         37 0 0 16 17    1 3800  900    - B",
                "18 Efficiency         38 0 0 16 18    1 3800  900    - B",
                "19 Efficiency         39 0 0 16 19    1 3800  900    - B",
                "20 LowPowerEfficiency 64 0 0 20 20    1 2500  700    - C",
                "21 LowPowerEfficiency 65 0 0 20 21    1 2500  700    - C",
            }),
        new("offline-cpus-7700k", "kbl-offline", cpu => cpu is 5 or 7 ? null : "Intel(R) Core(TM) i7-7700K CPU @ 4.20GHz",
            new Dictionary<string, string>
            {
                ["A"] = "no hybrid evidence: all cores alike (max frequency 4500 MHz; base frequency 4200 MHz)",
                ["B"] = "offline: no topology or frequency files to classify it by",
                ["C"] = "not in sysfs (no /sys/devices/system/cpu/cpu7): no topology to classify",
            },
            new[]
            {
                " 0 Uniform             0 0 0  0 0,4   1 4500 4200    - A",
                " 1 Uniform             1 0 0  1 1     1 4500 4200    - A",
                " 2 Uniform             2 0 0  2 2,6   1 4500 4200    - A",
                " 3 Uniform             3 0 0  3 3     1 4500 4200    - A",
                " 4 Uniform             0 0 0  0 0,4   1 4500 4200    - A",
                " 5 Unknown             - - -  - -     0    -    -    - B",
                " 6 Uniform             2 0 0  2 2,6   1 4500 4200    - A",
                " 7 Unknown             - - -  - -     0    -    -    - C",
            }),
        new("raptorlake-13900ks", "rpl-13900ks", _ => "13th Gen Intel(R) Core(TM) i9-13900KS",
            new Dictionary<string, string>
            {
                ["A"] = "perf PMU cpu_core lists this CPU",
                ["B"] = "perf PMU cpu_atom lists this CPU",
            },
            new[]
            {
                " 0 Performance         0 0 0  0 0-1   1 5600 3200    - A",
                " 1 Performance         0 0 0  0 0-1   1 5600 3200    - A",
                " 2 Performance         4 0 0  2 2-3   1 5600 3200    - A",
                " 3 Performance         4 0 0  2 2-3   1 5600 3200    - A",
                " 4 Performance         8 0 0  4 4-5   1 5600 3200    - A",
                " 5 Performance         8 0 0  4 4-5   1 5600 3200    - A",
                " 6 Performance        12 0 0  6 6-7   1 5600 3200    - A",
                " 7 Performance        12 0 0  6 6-7   1 5600 3200    - A",
                " 8 Performance        16 0 0  8 8-9   1 5900 3200    - A",
                " 9 Performance        16 0 0  8 8-9   1 5900 3200    - A",
                "10 Performance        20 0 0 10 10-11 1 5800 3200    - A",
                "11 Performance        20 0 0 10 10-11 1 5800 3200    - A",
                "12 Performance        24 0 0 12 12-13 1 5600 3200    - A",
                "13 Performance        24 0 0 12 12-13 1 5600 3200    - A",
                "14 Performance        28 0 0 14 14-15 1 5600 3200    - A",
                "15 Performance        28 0 0 14 14-15 1 5600 3200    - A",
                "16 Efficiency         32 0 0 16 16    1 4300 2400    - B",
                "17 Efficiency         33 0 0 16 17    1 4300 2400    - B",
                "18 Efficiency         34 0 0 16 18    1 4300 2400    - B",
                "19 Efficiency         35 0 0 16 19    1 4300 2400    - B",
                "20 Efficiency         36 0 0 20 20    1 4300 2400    - B",
                "21 Efficiency         37 0 0 20 21    1 4300 2400    - B",
                "22 Efficiency         38 0 0 20 22    1 4300 2400    - B",
                "23 Efficiency         39 0 0 20 23    1 4300 2400    - B",
                "24 Efficiency         40 0 0 24 24    1 4300 2400    - B",
                "25 Efficiency         41 0 0 24 25    1 4300 2400    - B",
                "26 Efficiency         42 0 0 24 26    1 4300 2400    - B",
                "27 Efficiency         43 0 0 24 27    1 4300 2400    - B",
                "28 Efficiency         44 0 0 28 28    1 4300 2400    - B",
                "29 Efficiency         45 0 0 28 29    1 4300 2400    - B",
                "30 Efficiency         46 0 0 28 30    1 4300 2400    - B",
                "31 Efficiency         47 0 0 28 31    1 4300 2400    - B",
            }),
        new("xeon-2s-server", "xeon2s", _ => "Intel(R) Xeon(R) Gold 5122 CPU @ 3.60GHz",
            new Dictionary<string, string>
            {
                ["A"] = "no hybrid evidence: all cores alike (max frequency 3700 MHz; base frequency 3600 MHz)",
            },
            new[]
            {
                " 0 Uniform             0 0 0  0 0,8   1 3700 3600    - A",
                " 1 Uniform             2 0 0  1 1,9   1 3700 3600    - A",
                " 2 Uniform             9 0 0  2 2,10  1 3700 3600    - A",
                " 3 Uniform            11 0 0  3 3,11  1 3700 3600    - A",
                " 4 Uniform             0 1 0  4 4,12  1 3700 3600    - A",
                " 5 Uniform             2 1 0  5 5,13  1 3700 3600    - A",
                " 6 Uniform             9 1 0  6 6,14  1 3700 3600    - A",
                " 7 Uniform            11 1 0  7 7,15  1 3700 3600    - A",
                " 8 Uniform             0 0 0  0 0,8   1 3700 3600    - A",
                " 9 Uniform             2 0 0  1 1,9   1 3700 3600    - A",
                "10 Uniform             9 0 0  2 2,10  1 3700 3600    - A",
                "11 Uniform            11 0 0  3 3,11  1 3700 3600    - A",
                "12 Uniform             0 1 0  4 4,12  1 3700 3600    - A",
                "13 Uniform             2 1 0  5 5,13  1 3700 3600    - A",
                "14 Uniform             9 1 0  6 6,14  1 3700 3600    - A",
                "15 Uniform            11 1 0  7 7,15  1 3700 3600    - A",
            }),
    };
}
