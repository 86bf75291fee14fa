using System.Text.Json;
using MLOps.Domain.Gates;
using MLOps.Domain.Security;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>A model's stored quality gates, used by every training job of the model that does not bring its own.</summary>
/// <remarks>
/// Kept in the model's registry partition (row <c>gates</c>) so that a change and its audit entry commit in one
/// transaction, as policies do. Without stored gates a model gets <see cref="QualityGates.Defaults"/> for its task.
/// </remarks>
public sealed class QualityGateStore(ModelDocumentRow rows)
{
    public const string AuditAction = "gates.changed";
    private const string GatesRow = "gates";

    /// <summary>The stored gates, or null when none were ever stored (the model must exist).</summary>
    public async Task<StoredGates?> FindAsync(string model, CancellationToken cancellationToken) =>
        await rows.FindAsync(model, GatesRow, cancellationToken).ConfigureAwait(false) is { } stored ? ToStored(model, stored) : null;

    /// <remarks>The caller has checked that the model exists (the gates API reads its versions for their task first).</remarks>
    public async Task<StoredGates> PutAsync(string model, IReadOnlyList<QualityGate> gates, string? ifMatch, Principal by, CancellationToken cancellationToken)
    {
        var detail = string.Join("; ", gates.Select(g => g.Rule));
        if (detail.Length > 1000)
        {
            detail = detail[..1000] + "...";
        }

        var stored = await rows.PutAsync(
            model, GatesRow, JsonSerializer.Serialize(gates, JsonDefaults.Options), ifMatch, by, AuditAction, detail, "gates", cancellationToken).ConfigureAwait(false);
        return ToStored(model, stored);
    }

    private static StoredGates ToStored(string model, StoredDocument stored) => new(
        model,
        JsonSerializer.Deserialize<List<QualityGate>>(stored.Json, JsonDefaults.Options) ?? [],
        stored.ETag,
        stored.UpdatedAt,
        stored.UpdatedBy);
}

/// <summary>A model's gates as stored, with the ETag to send back as If-Match.</summary>
public sealed record StoredGates(string Model, IReadOnlyList<QualityGate> Gates, string? ETag, DateTimeOffset? UpdatedAt, string? UpdatedBy);
