using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Domain.Validation;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Registry;
using MLOps.Functions.Validation;

namespace MLOps.Functions.Http;

/// <summary>Dataset validation over HTTP: a model's expectations, the validation reports, the registered dataset versions.</summary>
public sealed class DatasetFunctions(
    FunctionRunner runner,
    IModelRegistry registry,
    IExpectationStore expectations,
    IDatasetVersions datasets,
    ValidationReports reports,
    DatasetValidator validator,
    IOptions<ValidationOptions> options)
{
    /// <summary>The stored expectations (or the defaults), with the effective rules they give with the champion's schema and profile.</summary>
    public Task<IResult> GetExpectations(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var stored = await expectations.GetAsync(name, ct).ConfigureAwait(false);
        var (suite, version) = await validator.DeriveSuiteAsync(name, stored.Expectations, ct).ConfigureAwait(false);
        if (stored.ETag is not null)
        {
            request.HttpContext.Response.Headers.ETag = stored.ETag;
        }

        return RegistryFunctions.Json(new ExpectationsResponse(name, stored.Expectations, suite.Rules, version));
    });

    public Task<IResult> PutExpectations(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var body = await RequestBody.ReadAsync<ModelExpectations>(request, options.Value.MaxExpectationsBytes, ct).ConfigureAwait(false);
        var errors = body.Check();
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation($"The expectations are invalid: {errors[0].Message}", errors);
        }

        var ifMatch = request.Headers.IfMatch.ToString();
        var stored = await expectations.PutAsync(name, body, string.IsNullOrEmpty(ifMatch) ? null : ifMatch, principal, ct).ConfigureAwait(false);
        request.HttpContext.Response.Headers.ETag = stored.ETag;

        // The model exists (the store checked) and its expectations are what was just written: neither is read again.
        var (suite, version) = await validator.DeriveSuiteAsync(name, stored.Expectations, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new ExpectationsResponse(name, stored.Expectations, suite.Rules, version));
    });

    public Task<IResult> ListValidations(HttpRequest request) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        string? model = null;
        if (request.Query.TryGetValue("model", out var value))
        {
            model = value.ToString();
            RegistryRules.EnsureModelName(model);
        }

        var max = ListQuery.Max(request, defaultMax: 100);

        return RegistryFunctions.Json(new ListResponse<ValidationSummary>(await reports.ListAsync(model, max, ct).ConfigureAwait(false)));
    });

    public Task<IResult> GetValidation(HttpRequest request, string id) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        if (!ValidationReports.IsValidId(id))
        {
            throw MLOpsException.Validation("A validation id looks like 20260131T120000-0123456789abcdef.", [new("id", null, "Invalid id.")]);
        }

        return RegistryFunctions.Json(await reports.GetAsync(id, ct).ConfigureAwait(false));
    });

    public Task<IResult> ListDatasetVersions(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        return RegistryFunctions.Json(new ListResponse<DatasetVersion>(await datasets.ListAsync(name, ct).ConfigureAwait(false)));
    });

    public Task<IResult> GetDatasetVersion(HttpRequest request, string name, string version) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var number = RegistryFunctions.ParseVersion(version);
        return RegistryFunctions.Json(await datasets.GetAsync(name, number, ct).ConfigureAwait(false));
    });
}

/// <summary>A model's expectations as stored, and the rules they add up to with the champion's schema and profile.</summary>
public sealed record ExpectationsResponse(string Model, ModelExpectations Expectations, IReadOnlyList<Expectation> EffectiveRules, int? FromVersion);
