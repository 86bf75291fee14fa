using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MLOps.Domain.Gates;
using MLOps.Domain.Problems;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Configuration;
using MLOps.Functions.Registry;
using MLOps.Functions.Storage;
using MLOps.Functions.Training;

namespace MLOps.Functions.Http;

/// <summary>HTTP functions of training: start a job, follow it, and a model's quality gates.</summary>
public sealed partial class TrainingFunctions(
    FunctionRunner runner,
    TrainingDatasets datasets,
    TrainingJobStore jobs,
    TrainingQueue queue,
    QualityGateStore gateStore,
    IModelRegistry registry,
    IOptions<TrainingOptions> options,
    TimeProvider time)
{
    private const int MaxTextLength = 4000;

    /// <summary>
    /// Checks everything it can (recipe, gates, dataset URI, the dataset's columns and first rows), then queues the job
    /// and answers 202 with its status URL. Any problem is a 400 listing all of them, and nothing is queued.
    /// </summary>
    public Task<IResult> Train(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var body = await RequestBody.ReadAsync<TrainRequest>(request, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        var errors = new List<ProblemError>();
        var recipe = body.Recipe;
        if (recipe is null)
        {
            errors.Add(new("recipe", null, "The request needs a recipe: task, label, features and trainer."));
        }
        else
        {
            errors.AddRange(recipe.Check().Select(e => e with { Field = "recipe." + e.Field }));
        }

        DatasetLocation? location = null;
        try
        {
            location = datasets.Locate(body.DatasetUri);
        }
        catch (MLOpsException ex)
        {
            errors.AddRange(ex.Errors);
        }

        if (body.Description is { Length: > MaxTextLength })
        {
            errors.Add(new("description", null, $"At most {MaxTextLength} characters."));
        }

        if (body.IntendedUse is { Length: > MaxTextLength })
        {
            errors.Add(new("intendedUse", null, $"At most {MaxTextLength} characters."));
        }

        if (recipe is not null && body.Gates is not null)
        {
            errors.AddRange(QualityGates.Check(body.Gates, recipe.Task));
        }

        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors.Count == 1 ? $"The training request is invalid: {errors[0].Message}" : $"The training request has {errors.Count} problems.", errors);
        }

        var (gates, source) = await ResolveGatesAsync(name, recipe!, body.Gates, ct).ConfigureAwait(false);
        await datasets.CheckStartAsync(location!, recipe!, ct).ConfigureAwait(false);

        var jobId = jobs.NewJobId();
        var now = time.GetUtcNow();
        var spec = new TrainingJobSpec
        {
            Model = name,
            JobId = jobId,
            Recipe = recipe!,
            DatasetBlob = location!.BlobName,
            DatasetUri = location.Uri.AbsoluteUri,
            Description = body.Description,
            IntendedUse = body.IntendedUse,
            Gates = gates,
            GatesSource = source,
            SubmittedBy = principal.Name,
        };
        var job = jobs.WithMessage(new TrainingJob
        {
            JobId = jobId,
            Model = name,
            State = TrainingJobState.Queued,
            Progress = 0,
            Stage = "queued",
            SubmittedAt = now,
            SubmittedBy = principal.Name,
            DatasetUri = spec.DatasetUri,
            Trainer = recipe!.Trainer,
        }, $"Queued; {gates.Count} quality gates from the {source}.");
        await jobs.CreateAsync(spec, job, ct).ConfigureAwait(false);
        try
        {
            await queue.EnqueueAsync(new TrainingJobMessage(name, jobId), ct).ConfigureAwait(false);
        }
        catch
        {
            await jobs.UpdateAsync(name, jobId, j => j with { State = TrainingJobState.Failed, Stage = "done", CompletedAt = time.GetUtcNow(), Error = new JobError("Not queued.", "The job could not be put on the queue.", null) }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var statusUrl = $"/api/models/{name}/training/{jobId}";
        request.HttpContext.Response.Headers.Location = statusUrl;
        return TypedResults.Json(new TrainingAccepted(jobId, statusUrl, job), JsonDefaults.Options, statusCode: StatusCodes.Status202Accepted);
    });

    public Task<IResult> GetJob(HttpRequest request, string name, string jobId) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        EnsureJobId(jobId);
        return RegistryFunctions.Json(await jobs.GetAsync(name, jobId, ct).ConfigureAwait(false));
    });

    public Task<IResult> ListJobs(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var max = ListQuery.Max(request, defaultMax: 50);

        return RegistryFunctions.Json(new Contracts.ListResponse<TrainingJob>(await jobs.ListAsync(name, max, ct).ConfigureAwait(false)));
    });

    /// <summary>The model's stored gates, or (with <c>isDefault</c>) the defaults for the task of its latest version.</summary>
    public Task<IResult> GetGates(HttpRequest request, string name) => runner.RunAsync(request, Role.Reader, async (_, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        await registry.EnsureModelExistsAsync(name, ct).ConfigureAwait(false);
        var stored = await gateStore.FindAsync(name, ct).ConfigureAwait(false);
        if (stored is not null)
        {
            request.HttpContext.Response.Headers.ETag = stored.ETag;
            return RegistryFunctions.Json(new GatesResponse(name, stored.Gates, false, null, stored.UpdatedAt, stored.UpdatedBy));
        }

        var task = await TaskOfAsync(name, ct).ConfigureAwait(false);
        var defaults = task == ModelTask.Unspecified ? [] : QualityGates.Defaults(task);
        return RegistryFunctions.Json(new GatesResponse(name, defaults, true, task, null, null));
    });

    public Task<IResult> SetGates(HttpRequest request, string name) => runner.RunAsync(request, Role.Operator, async (principal, ct) =>
    {
        RegistryRules.EnsureModelName(name);
        var body = await RequestBody.ReadAsync<SetGatesRequest>(request, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        var task = await TaskOfAsync(name, ct).ConfigureAwait(false); // 404 for a model that is not registered
        if (body.Gates is null)
        {
            throw MLOpsException.Validation("'gates' is required: a list of {metric, threshold, direction, kind}.", [new("gates", null, "Required.")]);
        }

        var errors = QualityGates.Check(body.Gates, task);
        if (errors.Count > 0)
        {
            throw MLOpsException.Validation(errors.Count == 1 ? errors[0].Message : $"The gates have {errors.Count} problems.", errors);
        }

        var ifMatch = request.Headers.IfMatch.ToString();
        var stored = await gateStore.PutAsync(name, body.Gates.Select(g => g!).ToList(), string.IsNullOrEmpty(ifMatch) ? null : ifMatch, principal, ct).ConfigureAwait(false);
        request.HttpContext.Response.Headers.ETag = stored.ETag;
        return RegistryFunctions.Json(new GatesResponse(name, stored.Gates, false, null, stored.UpdatedAt, stored.UpdatedBy));
    });

    private async Task<(IReadOnlyList<QualityGate> Gates, string Source)> ResolveGatesAsync(string model, Domain.Training.TrainingRecipe recipe, IReadOnlyList<QualityGate?>? requested, CancellationToken cancellationToken)
    {
        if (requested is not null)
        {
            return (requested.Select(g => g!).ToList(), "request");
        }

        var stored = await gateStore.FindAsync(model, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            var errors = QualityGates.Check(stored.Gates.ToList<QualityGate?>(), recipe.Task);
            if (errors.Count > 0)
            {
                throw MLOpsException.Validation($"The gates stored for '{model}' do not fit a {recipe.Task} recipe; send gates with the request or change them with PUT /api/models/{model}/gates.", errors);
            }

            return (stored.Gates, "model");
        }

        return (QualityGates.Defaults(recipe.Task), "defaults");
    }

    /// <summary>The task of the model's latest version that states one; a 404 when the model is not registered.</summary>
    private async Task<ModelTask> TaskOfAsync(string model, CancellationToken cancellationToken)
    {
        var versions = await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        return versions.OrderByDescending(v => v.Version).Select(v => v.Metadata.Task).FirstOrDefault(t => t != ModelTask.Unspecified);
    }

    private static void EnsureJobId(string jobId)
    {
        if (!JobIdPattern().IsMatch(jobId))
        {
            throw MLOpsException.Validation("That is not a training job id (such as 20261130T024000-0a1b2c3d4e).", [new("jobId", null, "Invalid job id.")]);
        }
    }

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}-[0-9a-f]{10}$")]
    private static partial Regex JobIdPattern();

    /// <summary>The 202 answer: the job and where to follow it.</summary>
    public sealed record TrainingAccepted(string JobId, string StatusUrl, TrainingJob Job);

    /// <summary>Body of PUT /api/models/{name}/gates.</summary>
    public sealed record SetGatesRequest
    {
        public IReadOnlyList<QualityGate?>? Gates { get; init; }
    }

    /// <summary>A model's gates; <c>isDefault</c> says none are stored and these are the defaults for <c>task</c>.</summary>
    public sealed record GatesResponse(string Model, IReadOnlyList<QualityGate> Gates, bool IsDefault, ModelTask? Task, DateTimeOffset? UpdatedAt, string? UpdatedBy);
}
