namespace SegfaultTools.Tests;

public sealed class CpuSensorReaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("segfaulttools-sensors-");

    public void Dispose() => _dir.Delete(recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }

    private static CpuCoreInfo Cpu(int cpu, int coreId, int socket = 0) => new(
        "test", new CpuTopology { Cpu = cpu, IsOnline = true, CoreId = coreId, Socket = socket }, CoreType.Performance, "test");

    [Fact]
    public void CoretempGivesEachCoreItsOwnTemperatureAndThePackageTheRest()
    {
        // The layout of coretemp on a 13900K: temp1 the package, tempN+2 "Core N" by core_id.
        Write("sys/class/hwmon/hwmon3/name", "coretemp");
        Write("sys/class/hwmon/hwmon3/temp1_label", "Package id 0");
        Write("sys/class/hwmon/hwmon3/temp1_input", "71000");
        Write("sys/class/hwmon/hwmon3/temp2_label", "Core 0");
        Write("sys/class/hwmon/hwmon3/temp2_input", "68000");
        Write("sys/class/hwmon/hwmon3/temp34_label", "Core 32");
        Write("sys/class/hwmon/hwmon3/temp34_input", "55500");
        Write("sys/class/hwmon/hwmon0/name", "acpitz");
        Write("sys/class/hwmon/hwmon0/temp1_input", "27800");
        var reader = new CpuSensorReader(new SystemRoot(_dir.FullName), new[] { Cpu(0, 0), Cpu(1, 0), Cpu(16, 32), Cpu(20, 36) });
        var t = reader.TemperaturesC(new[] { 0, 1, 16, 20 });
        Assert.Equal(68.0, t[0]);
        Assert.Equal(68.0, t[1]);
        Assert.Equal(55.5, t[16]);
        Assert.Equal(71.0, t[20]); // no "Core 36" sensor: the package
    }

    [Fact]
    public void AmdPackageSensorAndCpufreqClocks()
    {
        Write("sys/class/hwmon/hwmon1/name", "k10temp");
        Write("sys/class/hwmon/hwmon1/temp1_label", "Tctl");
        Write("sys/class/hwmon/hwmon1/temp1_input", "80125");
        Write("sys/class/hwmon/hwmon1/temp3_label", "Tccd1");
        Write("sys/class/hwmon/hwmon1/temp3_input", "77000");
        Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "5452123");
        Write("proc/cpuinfo", "processor\t: 0\ncpu MHz\t\t: 400.000\n\nprocessor\t: 1\ncpu MHz\t\t: 4700.512\n");
        var reader = new CpuSensorReader(new SystemRoot(_dir.FullName), new[] { Cpu(0, 0), Cpu(1, 1) });
        Assert.Equal(80.125, reader.TemperaturesC(new[] { 0 })[0]);
        var f = reader.FrequenciesMHz(new[] { 0, 1, 2 });
        Assert.Equal(5452, f[0]);
        Assert.Equal(4701, f[1]); // no cpufreq: /proc/cpuinfo
        Assert.False(f.ContainsKey(2));
    }

    [Fact]
    public void NoSensorsMeansNoTemperatures()
    {
        var reader = new CpuSensorReader(new SystemRoot(_dir.FullName), new[] { Cpu(0, 0) });
        Assert.Empty(reader.TemperaturesC(new[] { 0 }));
        Assert.Empty(reader.FrequenciesMHz(new[] { 0 }));
    }
}
