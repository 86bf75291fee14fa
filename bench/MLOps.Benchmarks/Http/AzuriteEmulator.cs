using System.Diagnostics;
using System.Net.Sockets;

namespace MLOps.Benchmarks.Http;

/// <summary>Makes sure Azurite answers on 127.0.0.1:10000-10002, starting it with the repo's azurite.sh when it does not.</summary>
/// <remarks>Only an Azurite this run started is stopped again, through <c>azurite.sh stop</c>, which ends only its own.</remarks>
internal sealed class AzuriteEmulator(string repoRoot)
{
    private static readonly int[] Ports = [10000, 10001, 10002];

    public bool StartedHere { get; private set; }

    public async Task EnsureRunningAsync(CancellationToken cancellationToken)
    {
        if (await AnswersAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        Console.WriteLine("Azurite does not answer on 127.0.0.1:10000-10002; starting it with ./azurite.sh ...");
        await RunScriptAsync("start", TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
        if (!await AnswersAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("azurite.sh start finished but Azurite does not answer on 127.0.0.1:10000-10002.");
        }

        StartedHere = true;
    }

    public async Task StopIfStartedHereAsync()
    {
        if (StartedHere)
        {
            await RunScriptAsync("stop", TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
            StartedHere = false;
        }
    }

    /// <summary>The Azurite process, for CPU accounting: the pid azurite.sh recorded, else a node process running azurite.</summary>
    public int? FindProcessId()
    {
        var pidFile = Path.Combine(repoRoot, ".azurite", "azurite.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && Directory.Exists($"/proc/{pid}"))
        {
            return pid;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("azurite", StringComparison.Ordinal) && cmdline.Contains("--blobPort", StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return null;
    }

    private async Task RunScriptAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(repoRoot, "azurite.sh"), command])
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start bash azurite.sh.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"azurite.sh {command} did not finish within {timeout.TotalSeconds:F0} s.");
        }

        Console.Write(await output.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"azurite.sh {command} failed (exit {process.ExitCode}): {await error.ConfigureAwait(false)}");
        }
    }

    private static async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        foreach (var port in Ports)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                return false;
            }
        }

        return true;
    }
}
