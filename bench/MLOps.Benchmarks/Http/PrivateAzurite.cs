using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MLOps.Benchmarks.Http;

/// <summary>An Azurite of the benchmark's own: fresh, in memory, on free loopback ports, stopped when disposed.</summary>
/// <remarks>
/// The emulator shares the machine's cores with the servers under test, so its CPU counts against the predict path.
/// A shared, long-running Azurite carries every test run's data, and its background persistence of that data costs CPU
/// whatever this benchmark does (seen here: 0.2-0.3 cores during the bare runs, which touch no storage). A private,
/// in-memory instance makes the storage side depend on this run alone.
/// </remarks>
internal sealed class PrivateAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private PrivateAzurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey + ";" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    /// <summary>The storage connection string of this instance (the well-known development account).</summary>
    public string ConnectionString { get; }

    public int ProcessId => _process.Id;

    public static async Task<PrivateAzurite> StartAsync(string repoRoot, CancellationToken cancellationToken)
    {
        // The pinned Azurite from tools/azurite (package-lock.json), installed by the repository's own script.
        await RunAsync("bash", [Path.Combine(repoRoot, "azurite.sh"), "install"], repoRoot, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
        var binary = Path.Combine(repoRoot, "tools", "azurite", "node_modules", ".bin", "azurite");
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var process = Process.Start(new ProcessStartInfo(binary,
        [
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start Azurite.");
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var azurite = new PrivateAzurite(process, ports[0], ports[1], ports[2]);

        // A benchmark process that ends without its cleanup (BenchmarkDotNet skips [GlobalCleanup] when a case throws,
        // Ctrl+C, SIGTERM) must not leave the emulator behind; only SIGKILL still can.
        AppDomain.CurrentDomain.ProcessExit += azurite.KillOnExit;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (!await AnswersAsync(port, cancellationToken).ConfigureAwait(false))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    await azurite.DisposeAsync().ConfigureAwait(false);
                    throw new InvalidOperationException($"The benchmark's own Azurite did not answer on 127.0.0.1:{port}.");
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string[] args, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {process.ExitCode}): {await output.ConfigureAwait(false)} {await error.ConfigureAwait(false)}");
        }
    }
}
