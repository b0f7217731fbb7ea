namespace SegfaultTools;

/// <summary>Linux signal numbers by name, for a worker's exit status.</summary>
internal static class SignalNames
{
    private static readonly string[] Names =
    {
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };

    public static string Name(int signal) => signal > 0 && signal < Names.Length ? Names[signal] : $"signal {signal}";

    /// <summary>
    /// The signal that ended a child, from .NET's exit code for it (128 + the signal number, as a
    /// shell reports it); null for an ordinary exit.
    /// </summary>
    public static string? FromExitCode(int exitCode) => exitCode is > 128 and < 128 + 65 ? Name(exitCode - 128) : null;
}
