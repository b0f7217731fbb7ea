namespace SegfaultTools;

/// <summary>
/// The worker's entry point. Verbs:
///   run  --cpu N --workloads A,B --slice-ms M --seed S [...]   (see <see cref="WorkerRequest"/>)
///   exec --cpus 0,2 -- program [args...]                        pin, then become the program
/// Standard input is the lifeline: when the parent closes it or dies, the worker stops.
/// </summary>
public static class WorkerProgram
{
    private static volatile bool s_stop;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("SegfaultTools.Worker is started by Test-CpuStability; it is not meant to be run by hand.");
            return 64;
        }
        try
        {
            return args[0] switch
            {
                WorkerRequest.Verb => Run(args.Skip(1).ToList()),
                "exec" => Exec(args.Skip(1).ToList()),
                _ => Usage($"Unknown verb '{args[0]}'."),
            };
        }
        catch (FormatException e)
        {
            return Usage(e.Message);
        }
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return 64;
    }

    private static int Run(List<string> args)
    {
        var request = WorkerRequest.Parse(args);
        WatchParent();
        var stdout = Console.Out;
        var gate = new object();
        void Send(WorkerMessage m)
        {
            lock (gate)
            {
                stdout.WriteLine(m.ToJson());
                stdout.Flush();
            }
        }
        return new WorkerRun(request, TestFaults.FromEnvironment(), Send, () => s_stop).Execute();
    }

    // The parent holds our standard input open; end of file means it is gone or wants us gone.
    // Exiting from here, not only flagging, covers a workload stuck in a long iteration.
    private static void WatchParent()
    {
        var parent = WorkerNative.GetParentProcessId();
        var watcher = new Thread(() =>
        {
            try
            {
                var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
            s_stop = true;
            Thread.Sleep(2000);
            Environment.Exit(3);
        }) { IsBackground = true, Name = "parent watch" };
        watcher.Start();
        var orphan = new Thread(() =>
        {
            while (WorkerNative.GetParentProcessId() == parent)
            {
                Thread.Sleep(500);
            }
            Environment.Exit(3);
        }) { IsBackground = true, Name = "orphan watch" };
        orphan.Start();
    }

    private static int Exec(List<string> args)
    {
        var separator = args.IndexOf("--");
        if (separator < 0 || separator + 1 >= args.Count || separator < 2 || args[0] != "--cpus")
        {
            return Usage("Usage: exec --cpus 0,2 -- program [args...]");
        }
        var cpus = args[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var errno = CpuAffinity.Set(cpus);
        if (errno != 0)
        {
            Console.Error.WriteLine($"SegfaultTools.Worker: could not pin to CPUs {args[1]} (errno {errno}).");
            return 125;
        }
        var program = args[separator + 1];
        errno = WorkerNative.Exec(program, args.Skip(separator + 2).ToList());
        Console.Error.WriteLine($"SegfaultTools.Worker: could not run '{program}' (errno {errno}).");
        // 127: what a shell answers for a command it cannot find or run.
        return 127;
    }
}
