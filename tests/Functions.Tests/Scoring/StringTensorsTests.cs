using Microsoft.ML.OnnxRuntime;
using MLOps.Functions.Scoring;

namespace MLOps.Functions.Tests.Scoring;

public sealed class StringTensorsTests
{
    [Fact]
    public void IsFast_PinnedOnnxRuntime_UsesTheOneCallNativeFill() =>
        // If an ONNX Runtime upgrade renames what StringTensors looks up, scoring still works but string inputs get
        // about 4x slower; this test makes that upgrade visible.
        Assert.True(StringTensors.IsFast);

    [Fact]
    public void Create_MixedStrings_RoundTripsEveryValueInOrder()
    {
        string?[] values = ["basic", string.Empty, null, "ünïcødé ✓ 日本", new string('x', 4096), "pro"];

        using var tensor = StringTensors.Create(values, [3, 2]);

        Assert.Equal([3L, 2], tensor.GetTensorTypeAndShape().Shape);
        Assert.Equal(values.Select(v => v ?? string.Empty).ToArray(), tensor.GetStringTensorAsArray());
    }

    [Fact]
    public void Create_ManyRows_MatchesOnnxRuntimesOwnConversion()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5000).Select(_ => random.Next(4) switch { 0 => "basic", 1 => "pro", 2 => "enterprise", _ => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToArray();

        using var ours = StringTensors.Create(values, [values.Length, 1]);
        using var theirs = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(values, [values.Length, 1]));

        Assert.Equal(theirs.GetStringTensorAsArray(), ours.GetStringTensorAsArray());
    }

    [Fact]
    public void Create_WithKnownCategories_PointsAtThemAndStillEncodesEverythingElse()
    {
        string[] categories = ["basic", "pro", "énterprise"];
        var known = KnownStrings.For(categories)!;
        var sameTextOtherInstance = new string("pro".AsSpan());
        string?[] values = [categories[0], categories[2], sameTextOtherInstance, "free", null, categories[1]];

        using var tensor = StringTensors.Create(values, [values.Length, 1], known);

        Assert.Equal(["basic", "énterprise", "pro", "free", string.Empty, "pro"], tensor.GetStringTensorAsArray());
        Assert.True(known.TryGet(categories[1], out _));
        Assert.False(known.TryGet(sameTextOtherInstance, out _));
    }

    [Theory]
    [InlineData(3)] // found by a scan of the instances
    [InlineData(40)] // found through a dictionary keyed by instance
    public void KnownStrings_AnySize_FindTheirOwnInstancesOnlyWithTheirOwnBytes(int count)
    {
        var categories = Enumerable.Range(0, count).Select(i => "cat-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-é").ToArray();
        var known = KnownStrings.For(categories)!;

        for (var i = 0; i < count; i++)
        {
            Assert.True(known.TryGetUtf8(categories[i], out var utf8));
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(categories[i]), utf8.ToArray());
            Assert.False(known.TryGet(new string(categories[i].AsSpan()), out _));
        }

        using var tensor = StringTensors.Create([.. categories.Reverse(), "other"], [count + 1, 1], known);
        Assert.Equal([.. categories.Reverse(), "other"], tensor.GetStringTensorAsArray());
    }

    [Fact]
    public void Create_Empty_IsAnEmptyTensor()
    {
        using var tensor = StringTensors.Create([], [0, 1]);

        Assert.Empty(tensor.GetStringTensorAsArray());
    }
}
