using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MLOps.Functions.Http;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Tests.Http;

/// <summary>The predict answer: written whole, and work passed for after the answer runs once it is out, whatever happens.</summary>
public sealed class PredictionResponseTests
{
    private static readonly ScoreResult Result = new()
    {
        Rows = 1,
        IntLabels = [1],
        Probabilities = [0.25f, 0.75f],
        ClassNames = ["0", "1"],
        OtherOutputs = new Dictionary<string, object?[]>(StringComparer.Ordinal),
    };

    [Fact]
    public async Task ExecuteAsync_WorkAfterTheAnswer_RunsOnceTheWholeAnswerIsFlushed()
    {
        var context = new DefaultHttpContext();
        var sent = new MemoryStream();
        context.Response.Body = sent;
        var seenByTheWork = new List<string>();

        await new PredictionResponse("churn", 3, "champion", ["id-1"], Result, () => seenByTheWork.Add(System.Text.Encoding.UTF8.GetString(sent.ToArray())))
            .ExecuteAsync(context);

        using var answer = JsonDocument.Parse(Assert.Single(seenByTheWork));
        Assert.Equal("churn", answer.RootElement.GetProperty("model").GetString());
        Assert.Equal("id-1", answer.RootElement.GetProperty("predictions")[0].GetProperty("predictionId").GetString());
        Assert.Equal(sent.Length, context.Response.ContentLength);
    }

    [Fact]
    public async Task ExecuteAsync_AnswerCannotBeSent_StillRunsTheWorkAfter()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new BrokenStream();
        var ran = 0;

        await Assert.ThrowsAsync<IOException>(() => new PredictionResponse("churn", 3, null, ["id-1"], Result, () => ran++).ExecuteAsync(context));

        Assert.Equal(1, ran);
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("The connection is gone.");

        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("The connection is gone.");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("The connection is gone."));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException(new IOException("The connection is gone."));
    }
}
