using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Http;

namespace MLOps.Functions.Tests.Http;

public sealed class RequestBodyTests
{
    private static DefaultHttpContext Request(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        return context;
    }

    [Fact]
    public async Task ReadJsonAsync_PoolReusedWhileTheDocumentLives_DocumentKeepsItsOwnBytes()
    {
        var json = """{"inputs":[{"age":41.5,"plan":"pro"}]}""";
        var context = Request(json);

        using var body = await RequestBody.ReadJsonAsync(context.Request, 4096, CancellationToken.None);
        // Whoever rents from the pool next (on this thread, the most recently returned array of the size) scribbles on it.
        for (var size = 16; size <= 8192; size *= 2)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(size);
            scratch.AsSpan().Fill((byte)'0');
            ArrayPool<byte>.Shared.Return(scratch);
        }

        var record = body.RootElement.GetProperty("inputs")[0];
        Assert.Equal(41.5, record.GetProperty("age").GetDouble());
        Assert.Equal("pro", record.GetProperty("plan").GetString());
    }

    [Fact]
    public async Task ReadJsonAsync_Dispose_IsIdempotent()
    {
        var body = await RequestBody.ReadJsonAsync(Request("{}").Request, 4096, CancellationToken.None);

        body.Dispose();
        body.Dispose();

        // The 2-byte body was read into a pooled 256-byte array. Returned twice, the pool would hold it twice and hand
        // the same array to two renters on this thread (the thread's slot, then the top of this core's stack).
        var renters = Enumerable.Range(0, 4).Select(_ => ArrayPool<byte>.Shared.Rent(256)).ToList();
        try
        {
            Assert.Equal(renters.Count, renters.Distinct(ReferenceEqualityComparer.Instance).Count());
        }
        finally
        {
            renters.ForEach(r => ArrayPool<byte>.Shared.Return(r));
        }
    }
}
