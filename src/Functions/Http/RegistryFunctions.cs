using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Http;

/// <summary>The model registry's HTTP functions: versions, aliases, history and audit.</summary>
public sealed class RegistryFunctions(
    FunctionRunner runner,
    IModelRegistry registry,
    ModelRegistration registration,
    ModelSessionCache sessions,
    AliasResolver aliases,
    IOptions<RegistryOptions> options)
{
    private const long SmallBodyBytes = 16 * 1024;

    public Task<IResult> ListModels(HttpRequest request) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        var models = await registry.ListModelsAsync(ct).ConfigureAwait(false);
        return Json(new ListResponse<ModelResponse>(models.Select(ModelResponse.From).ToList()));
    });

    public Task<IResult> GetModel(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        return Json(ModelResponse.From(await registry.GetModelAsync(name, ct).ConfigureAwait(false)));
    });

    /// <summary>Creates a model before its first version, or updates its description and tags.</summary>
    public Task<IResult> DeclareModel(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var body = await RequestBody.ReadOptionalAsync<DeclareModelRequest>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        var errors = RegistryRules.CheckDescriptionAndTags(body?.Description, body?.Tags);
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors[0].Message, errors);
        }

        var tags = body?.Tags?.ToDictionary(t => t.Key, t => t.Value!, StringComparer.Ordinal);
        var (model, created) = await registry.DeclareAsync(name, body?.Description, tags, principal, ct).ConfigureAwait(false);
        if (created)
        {
            request.HttpContext.Response.Headers.Location = $"/api/models/{name}";
        }

        return TypedResults.Json(ModelResponse.From(model), JsonDefaults.Options, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    });

    public Task<IResult> RegisterVersion(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var upload = await ModelUpload.ReadAsync(request, options.Value.MaxModelBytes, options.Value.MaxMetadataBytes, ct).ConfigureAwait(false);
        var version = await registration.RegisterAsync(name, upload.Model, upload.Metadata, principal, ct).ConfigureAwait(false);
        request.HttpContext.Response.Headers.Location = $"/api/models/{name}/versions/{version.Version}";
        return TypedResults.Json(ModelVersionResponse.From(version), JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    });

    public Task<IResult> ListVersions(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var versions = await registry.ListVersionsAsync(name, ct).ConfigureAwait(false);
        return Json(new ListResponse<ModelVersionResponse>(versions.Select(ModelVersionResponse.From).ToList()));
    });

    public Task<IResult> GetVersion(HttpRequest request, string name, string version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = ParseVersion(version);
        return Json(ModelVersionResponse.From(await registry.GetVersionAsync(name, number, ct).ConfigureAwait(false)));
    });

    public Task<IResult> ArchiveVersion(HttpRequest request, string name, string version) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = ParseVersion(version);
        var body = await RequestBody.ReadOptionalAsync<ReasonRequest>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        RegistryRules.EnsureReason(body?.Reason);
        var archived = await registry.ArchiveAsync(name, number, body?.Reason, principal, ct).ConfigureAwait(false);
        sessions.Retire(name, number);
        return Json(ModelVersionResponse.From(archived));
    });

    public Task<IResult> ListAliases(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var list = await registry.ListAliasesAsync(name, ct).ConfigureAwait(false);
        return Json(new ListResponse<AliasResponse>(list.Select(AliasResponse.From).ToList()));
    });

    /// <summary>Where an alias points now, or with <c>?at=</c> (ISO 8601) where it pointed then.</summary>
    public Task<IResult> GetAlias(HttpRequest request, string name, string alias) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        RegistryRules.EnsureAliasName(alias);
        if (request.Query.TryGetValue("at", out var atValue))
        {
            if (!DateTimeOffset.TryParse(atValue.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw MLOpsException.Validation($"'at' must be an ISO 8601 time, such as 2026-01-31T12:00:00Z; got '{ProblemText.Clip(atValue.ToString())}'.", [new("at", null, "Invalid time.")]);
            }

            await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
            var history = await registry.GetAliasHistoryAsync(name, alias, ct).ConfigureAwait(false);
            return Json(new AliasAtResponse(name, alias, at, AliasTimeline.VersionAt(history, at)));
        }

        var assignment = await registry.FindAliasAsync(name, alias, ct).ConfigureAwait(false);
        if (assignment is null)
        {
            await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
            throw MLOpsException.NotFound($"Model '{name}' has no alias '{alias}'.");
        }

        request.HttpContext.Response.Headers.ETag = assignment.ETag;
        return Json(AliasResponse.From(assignment));
    });

    /// <summary>Points an alias at a version; the version is loaded before the move commits.</summary>
    public Task<IResult> SetAlias(HttpRequest request, string name, string alias) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        RegistryRules.EnsureAliasName(alias);
        var body = await RequestBody.ReadAsync<SetAliasRequest>(request, SmallBodyBytes, ct).ConfigureAwait(false);
        if (body.Version < 1)
        {
            throw MLOpsException.Validation("'version' must be a version number (1 or more).", [new("version", null, "Must be 1 or more.")]);
        }

        RegistryRules.EnsureReason(body.Reason);
        var ifMatch = request.Headers.IfMatch.ToString();
        var command = new AliasMoveCommand(name, alias, body.Version, body.Reason, principal, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, body.ExpectedVersion);
        var assignment = await registry.MoveAliasAsync(command, sessions.PreloadAsync, ct).ConfigureAwait(false);
        aliases.Set(name, alias, assignment.Version);
        request.HttpContext.Response.Headers.ETag = assignment.ETag;
        return Json(AliasResponse.From(assignment));
    });

    public Task<IResult> DeleteAlias(HttpRequest request, string name, string alias) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        RegistryRules.EnsureAliasName(alias);
        var reason = request.Query["reason"].ToString();
        RegistryRules.EnsureReason(reason);
        var ifMatch = request.Headers.IfMatch.ToString();
        await registry.RemoveAliasAsync(name, alias, string.IsNullOrEmpty(reason) ? null : reason, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, principal, ct).ConfigureAwait(false);
        aliases.Set(name, alias, null);
        return TypedResults.NoContent();
    });

    public Task<IResult> GetAliasHistory(HttpRequest request, string name, string alias) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        RegistryRules.EnsureAliasName(alias);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var history = await registry.GetAliasHistoryAsync(name, alias, ct).ConfigureAwait(false);
        return Json(new ListResponse<AliasMove>(history));
    });

    public Task<IResult> GetAudit(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var max = ListQuery.Max(request, defaultMax: 100);

        return Json(new ListResponse<AuditEntry>(await registry.GetAuditAsync(name, max, ct).ConfigureAwait(false)));
    });

    internal static int ParseVersion(string version)
    {
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw MLOpsException.Validation($"'{ProblemText.Clip(version)}' is not a version number; versions are whole numbers from 1.", [new("version", null, "Invalid version.")]);
        }

        return number;
    }

    internal static IResult Json<T>(T value) => TypedResults.Json(value, JsonDefaults.Options);
}
