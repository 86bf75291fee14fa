using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace MLOps.Benchmarks.Http;

/// <summary>What one fixed-duration run at one concurrency measured.</summary>
internal sealed record LoadResult(
    int Concurrency,
    long Successes,
    IReadOnlyDictionary<string, long> Failures,
    TimeSpan Elapsed,
    double P50Ms,
    double P99Ms,
    string? FirstFailure)
{
    public long FailureCount => Failures.Values.Sum();

    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Successes / Elapsed.TotalSeconds : 0;
}

/// <summary>A closed-loop load generator: <c>concurrency</c> workers each send one POST, wait for the whole answer, and send the next.</summary>
/// <remarks>
/// Every run is bounded twice, by its duration and by a total request budget, and a hard deadline
/// cancels anything still in flight well after the duration. Only 200 counts as success; every other
/// status, and every transport error, is counted by kind.
/// </remarks>
internal static class LoadGenerator
{
    public static HttpClient CreateClient(Uri baseAddress, int concurrency, string? key)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        return client;
    }

    public static async Task<LoadResult> RunAsync(HttpClient client, string path, byte[] body, int concurrency, TimeSpan duration, long maxRequests, CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(duration + TimeSpan.FromSeconds(60));
        var budget = new Budget(maxRequests);
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task<Worker>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var worker = new Worker();
            workers[i] = Task.Run(() => worker.RunAsync(client, path, body, end, budget, hardStop.Token), CancellationToken.None);
        }

        var done = await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);

        var latencies = new long[done.Sum(w => w.Latencies.Count)];
        var offset = 0;
        var failures = new Dictionary<string, long>(StringComparer.Ordinal);
        string? firstFailure = null;
        foreach (var worker in done)
        {
            worker.Latencies.CopyTo(latencies, offset);
            offset += worker.Latencies.Count;
            foreach (var (kind, count) in worker.Failures)
            {
                failures[kind] = failures.GetValueOrDefault(kind) + count;
            }

            firstFailure ??= worker.FirstFailure;
        }

        Array.Sort(latencies);
        return new LoadResult(concurrency, latencies.Length, failures, elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99), firstFailure);
    }

    private static double Percentile(long[] sortedTicks, double p)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Min(sortedTicks.Length - 1, Math.Ceiling(p * sortedTicks.Length) - 1);
        return sortedTicks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }

    private sealed class Budget(long max)
    {
        private long _issued;

        public bool TryTake() => Interlocked.Increment(ref _issued) <= max;
    }

    private sealed class Worker
    {
        private static readonly MediaTypeHeaderValue Json = new("application/json");

        public List<long> Latencies { get; } = new(1 << 14);

        public Dictionary<string, long> Failures { get; } = new(StringComparer.Ordinal);

        public string? FirstFailure { get; private set; }

        public async Task<Worker> RunAsync(HttpClient client, string path, byte[] body, long end, Budget budget, CancellationToken cancellationToken)
        {
            while (Stopwatch.GetTimestamp() < end && budget.TryTake() && !cancellationToken.IsCancellationRequested)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = Json;
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                    var latency = Stopwatch.GetTimestamp() - sent;
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Latencies.Add(latency);
                    }
                    else
                    {
                        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        Fail("HTTP " + status, FirstFailure is null ? $"HTTP {status}: {await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false)}" : null);
                    }
                }
                catch (HttpRequestException ex)
                {
                    Fail(ex.HttpRequestError.ToString(), ex.Message);
                }
                catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Fail("timeout", ex.Message);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Fail("cancelled at hard deadline", "The run's hard deadline cancelled a request still in flight.");
                }
            }

            return this;
        }

        private void Fail(string kind, string? detail)
        {
            Failures[kind] = Failures.GetValueOrDefault(kind) + 1;
            FirstFailure ??= detail;
        }
    }
}
