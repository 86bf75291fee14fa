using System.Buffers;
using System.Text.Json;
using MLOps.Domain.Registry;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;
using MLOps.Samples;

namespace MLOps.Benchmarks;

/// <summary>The quickstart churn model and its records, prepared the way registration and the predict endpoint prepare them.</summary>
internal static class ChurnWorkload
{
    public const string ModelName = "churn";

    /// <summary>The registered version as the registry would hold it: signature from the ONNX file, metadata from the sample's JSON.</summary>
    public static ModelVersion Version(byte[] artifact)
    {
        var request = JsonSerializer.Deserialize<VersionMetadataRequest>(SampleModels.ChurnMetadataJson(), JsonDefaults.Options)
            ?? throw new InvalidOperationException("The churn metadata JSON is empty.");
        return new ModelVersion
        {
            Model = ModelName,
            Version = 1,
            Status = ModelVersionStatus.Active,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(artifact)),
            SizeBytes = artifact.Length,
            ArtifactPath = "bench/churn.onnx",
            CreatedAt = DateTimeOffset.UnixEpoch,
            CreatedBy = "bench",
            Signature = ModelRegistration.Inspect(artifact),
            Metadata = request.ToDomain(),
        };
    }

    /// <summary>A predict body <c>{"inputs":[{record}, ...]}</c> with <paramref name="rows"/> deterministic churn records.</summary>
    public static byte[] PredictBody(int rows, int seed = SampleData.DefaultChurnSeed)
    {
        var buffer = new ArrayBufferWriter<byte>(rows * 110);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("inputs");
            foreach (var row in SampleData.ChurnRows(rows, seed))
            {
                writer.WriteStartObject();
                writer.WriteNumber("age", row.Age);
                writer.WriteNumber("tenure_months", row.TenureMonths);
                writer.WriteNumber("monthly_charges", row.MonthlyCharges);
                writer.WriteString("plan", row.Plan);
                writer.WriteBoolean("has_support", row.HasSupport);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
