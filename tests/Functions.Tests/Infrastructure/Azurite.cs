using MLOps.Samples;
using System.Diagnostics;
using System.Net.Sockets;

namespace MLOps.Functions.Tests.Infrastructure;

/// <summary>Makes sure the Azurite emulator answers on 127.0.0.1:10000-10002, starting it with the repo's azurite.sh if not.</summary>
public static class Azurite
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureRunningAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (await AnswersAsync())
            {
                return;
            }

            var script = Path.Combine(RepoRoot.Path, "azurite.sh");
            using var process = Process.Start(new ProcessStartInfo("bash", [script, "start"])
            {
                WorkingDirectory = RepoRoot.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            if (process.ExitCode != 0 || !await AnswersAsync())
            {
                throw new InvalidOperationException($"azurite.sh could not start Azurite (exit {process.ExitCode}): {await output} {await error}");
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> AnswersAsync()
    {
        foreach (var port in new[] { 10000, 10001, 10002 })
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                return false;
            }
        }

        return true;
    }
}
