using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Domain.Signatures;
using MLOps.Functions.Configuration;
using MLOps.Functions.Http;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;
using MLOps.Onnx;

namespace MLOps.Functions.Registry;

/// <summary>Checks an uploaded model and its metadata thoroughly, then registers it as a new version.</summary>
/// <remarks>
/// A file is accepted only if it parses as an ONNX model, ONNX Runtime loads it, and its feature
/// schema (given or derived) can feed its inputs; so a registered version can always be served.
/// </remarks>
public sealed class ModelRegistration(IModelRegistry registry, IOptions<PredictionOptions> predictionOptions)
{
    public async Task<ModelVersion> RegisterAsync(string model, byte[] artifact, byte[]? metadataJson, Principal by, CancellationToken cancellationToken)
    {
        RegistryRules.EnsureModelName(model);
        var metadata = ParseMetadata(metadataJson);
        var signature = Inspect(artifact);
        EnsureLoadable(artifact);

        var features = metadata.Features;
        if (features is not null)
        {
            var bindingErrors = FeatureBinding.Check(features, signature);
            if (bindingErrors.Count > 0)
            {
                throw MLOpsException.Validation("The feature schema does not fit the model's inputs.", bindingErrors);
            }
        }
        else
        {
            features = FeatureBinding.Derive(signature);
        }

        return await registry.RegisterAsync(model, artifact, signature, metadata with { Features = features }, by, cancellationToken).ConfigureAwait(false);
    }

    internal static ModelSignature Inspect(byte[] artifact)
    {
        OnnxModelInfo info;
        try
        {
            info = OnnxModelInspector.Inspect(artifact);
        }
        catch (InvalidOnnxModelException ex)
        {
            throw MLOpsException.Validation($"The 'model' part is not a valid ONNX model: {ex.Message}", [new(ModelUpload.ModelPart, null, ex.Message)]);
        }

        return new ModelSignature(
            info.IrVersion,
            info.Opsets,
            info.ProducerName is null ? null : $"{info.ProducerName} {info.ProducerVersion}".Trim(),
            info.Inputs.Select(ToSpec).ToList(),
            info.Outputs.Select(ToSpec).ToList(),
            info.ClassLabels);
    }

    private void EnsureLoadable(byte[] artifact)
    {
        try
        {
            using var options = ModelSessionCache.CreateSessionOptions(predictionOptions.Value);
            using var session = new InferenceSession(artifact, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw MLOpsException.Validation($"ONNX Runtime cannot load the model: {ex.Message}", [new(ModelUpload.ModelPart, null, "Not loadable by ONNX Runtime.")]);
        }
    }

    private static VersionMetadata ParseMetadata(byte[]? json)
    {
        if (json is null || json.Length == 0)
        {
            return new VersionMetadata();
        }

        VersionMetadataRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<VersionMetadataRequest>(json, JsonDefaults.Options);
        }
        catch (JsonException ex)
        {
            throw MLOpsException.Validation(JsonErrors.Describe("the 'metadata' part", ex), [new(ModelUpload.MetadataPart, null, "Invalid JSON.")]);
        }

        return (request ?? throw MLOpsException.Validation("The 'metadata' part must be a JSON object.")).ToDomain();
    }

    private static TensorSpec ToSpec(OnnxValueInfo value) => new(
        value.Name,
        value.Kind switch
        {
            OnnxValueKind.Tensor => "tensor",
            OnnxValueKind.Sequence => "sequence",
            OnnxValueKind.Map => "map",
            _ => "other",
        },
        value.ElementType,
        value.Shape?.Select(d => d ?? -1).ToList());
}
