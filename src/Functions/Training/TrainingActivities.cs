using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.Logging;
using MLOps.Domain.Cards;
using MLOps.Domain.Evaluation;
using MLOps.Domain.Gates;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Domain.Registry;
using MLOps.Domain.Security;
using MLOps.Functions.Http.Contracts;
using MLOps.Functions.Registry;
using MLOps.Functions.Scoring;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>Input of <see cref="TrainingActivities.PrepareDatasetAsync"/>.</summary>
public sealed record PrepareDatasetInput(TrainingJobSpec Job);

/// <summary>Input of <see cref="TrainingActivities.TrainCandidateAsync"/>.</summary>
public sealed record TrainCandidateInput(TrainingJobSpec Job, PreparedDataset Dataset);

/// <summary>A trained, exported, not yet registered model, staged as a blob of the job.</summary>
public sealed record TrainedCandidate(string ArtifactBlob, string Sha256, long SizeBytes, IReadOnlyList<string>? ClassLabels, IReadOnlyDictionary<string, double?> Hyperparameters, double TrainingSeconds);

/// <summary>Input of <see cref="TrainingActivities.EvaluateCandidateAsync"/>.</summary>
public sealed record EvaluateCandidateInput(TrainingJobSpec Job, PreparedDataset Dataset, TrainedCandidate Candidate);

/// <summary>The candidate's and the champion's reports on the same holdout, and where the profile and reports were staged.</summary>
public sealed record CandidateEvaluation(
    EvaluationReport Candidate,
    EvaluationReport? Champion,
    int? ChampionVersion,
    string? ChampionProblem,
    string EvaluationBlob,
    string ProfileBlob);

/// <summary>Input of <see cref="TrainingActivities.ApplyGates"/>.</summary>
public sealed record ApplyGatesInput(IReadOnlyList<QualityGate> Gates, CandidateEvaluation Evaluation);

/// <summary>Input of <see cref="TrainingActivities.RegisterCandidateAsync"/>.</summary>
public sealed record RegisterCandidateInput(TrainingJobSpec Job, PreparedDataset Dataset, TrainedCandidate Candidate, CandidateEvaluation Evaluation, GateReport Gates);

/// <summary>The registered version and the alias it got.</summary>
public sealed record RegisteredCandidate(int Version, string Alias);

/// <summary>
/// The steps of a training run as activities: plain async methods with serialisable inputs and outputs, which the
/// queue-triggered job calls in order today and the retraining orchestration will call as Durable activities.
/// </summary>
/// <remarks>
/// Each activity reads what it needs from storage (the dataset by ETag, staged blobs by path) rather than from memory
/// held by an earlier step, so consecutive activities may run on different instances, and a step that is run again
/// after a crash produces the same result: the split is a function of the seed and the data, the staged blobs are
/// overwritten, and registration first looks for a version this job already registered.
/// </remarks>
public sealed partial class TrainingActivities(
    TrainingDatasets datasets,
    ICandidateTrainer trainer,
    CandidateEvaluator evaluator,
    TrainingJobStore jobs,
    IModelRegistry registry,
    ModelRegistration registration,
    ModelSessionCache sessions,
    AliasResolver aliases,
    IVersionDocuments documents,
    TimeProvider time,
    ILogger<TrainingActivities> logger)
{
    public const string ChallengerAlias = "challenger";
    public const string JobTag = "trainingJob";

    public static readonly string CodeVersion =
        typeof(TrainingActivities).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Step 1: hash, check and count the dataset in one streaming pass, and split it.</summary>
    public Task<PreparedDataset> PrepareDatasetAsync(PrepareDatasetInput input, IProgress<double>? progress, CancellationToken cancellationToken) =>
        datasets.PrepareAsync(new DatasetLocation(input.Job.DatasetBlob, new Uri(input.Job.DatasetUri)), input.Job.Recipe, progress, cancellationToken);

    /// <summary>Step 2: train on the train rows (streamed from the blob), export ONNX, stage it.</summary>
    public async Task<TrainedCandidate> TrainCandidateAsync(TrainCandidateInput input, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var job = input.Job;
        var started = time.GetTimestamp();
        var output = await Task.Run(
            () => trainer.TrainAsync(job.Recipe, input.Dataset.Split.TrainRows, () => datasets.ReadRows(input.Dataset, job.Recipe, holdout: false, cancellationToken), progress ?? new Progress<double>(), cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var path = TrainingJobStore.JobPath(job.Model, job.JobId, "candidate.onnx");
        await jobs.JobBlob(job.Model, job.JobId, "candidate.onnx").UploadAsync(BinaryData.FromBytes(output.Onnx), overwrite: true, cancellationToken).ConfigureAwait(false);
        LogTrained(logger, job.Model, job.JobId, job.Recipe.Trainer, seconds, output.Onnx.Length);
        return new TrainedCandidate(path, Convert.ToHexStringLower(SHA256.HashData(output.Onnx)), output.Onnx.Length, output.ClassLabels, output.Hyperparameters, seconds);
    }

    /// <summary>
    /// Step 3: score the candidate and the champion on the same holdout rows, time the candidate's single-row scoring,
    /// and build the reference profile from the train rows and the candidate's holdout predictions.
    /// </summary>
    public async Task<CandidateEvaluation> EvaluateCandidateAsync(EvaluateCandidateInput input, CancellationToken cancellationToken)
    {
        var job = input.Job;
        var recipe = job.Recipe;
        var onnx = await ReadStagedAsync(job, input.Candidate, cancellationToken).ConfigureAwait(false);
        var (holdout, profileBuilder) = await evaluator.ReadAsync(input.Dataset, recipe, cancellationToken).ConfigureAwait(false);
        var trainProfile = profileBuilder.Build();
        var fill = CandidateEvaluator.FillValues(recipe, trainProfile);

        var candidate = evaluator.LoadCandidate(job.Model, onnx, recipe.Task, input.Candidate.ClassLabels, recipe.ToFeatureSchema());
        HoldoutScore scored;
        double? latency;
        try
        {
            // Binary scores are the positive class's probability; the profile names that class for the drift check.
            profileBuilder.PositiveClass = recipe.Task == ModelTask.BinaryClassification ? PositiveClass.Of(input.Candidate.ClassLabels) : null;
            scored = evaluator.Evaluate(candidate, recipe, holdout, fill, (_, label, score) => profileBuilder.AddPrediction(recipe.Task, label, score));
            latency = scored.Report is null ? null : evaluator.MeasureLatencyP95(candidate, holdout, fill);
        }
        finally
        {
            candidate.Release();
        }

        if (scored.Report is not { } report)
        {
            throw new MLOpsException(ProblemKind.Integrity, "The candidate could not be evaluated.", $"The trained model could not be scored on the holdout: {scored.Problem}.");
        }

        report = report.WithMeasurement(MetricNames.ModelSizeBytes, input.Candidate.SizeBytes);
        if (latency is { } p95)
        {
            report = report.WithMeasurement(MetricNames.LatencyP95Ms, p95);
        }

        var (champion, championVersion, championProblem) = await EvaluateChampionAsync(job, recipe, holdout, fill, cancellationToken).ConfigureAwait(false);
        var profile = profileBuilder.Build(input.Dataset.Uri, input.Dataset.Sha256, time.GetUtcNow());
        var evaluationPath = TrainingJobStore.JobPath(job.Model, job.JobId, "evaluation.json");
        var profilePath = TrainingJobStore.JobPath(job.Model, job.JobId, "reference-profile.json");
        var result = new CandidateEvaluation(report, champion, championVersion, championProblem, evaluationPath, profilePath);
        await jobs.JobBlob(job.Model, job.JobId, "evaluation.json").UploadAsync(BinaryData.FromObjectAsJson(result, JsonDefaults.Options), overwrite: true, cancellationToken).ConfigureAwait(false);
        await jobs.JobBlob(job.Model, job.JobId, "reference-profile.json").UploadAsync(BinaryData.FromObjectAsJson(profile, JsonDefaults.Options), overwrite: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Step 4 (pure): every gate against the candidate's and champion's reports.</summary>
    public static GateReport ApplyGates(ApplyGatesInput input) =>
        QualityGates.Evaluate(input.Gates, input.Evaluation.Candidate, input.Evaluation.Champion, input.Evaluation.ChampionVersion);

    /// <summary>
    /// Step 5: register the candidate through the registry (immutable, audited), store its evaluation, reference
    /// profile and model card with it, and point the challenger alias at it (loading it first).
    /// </summary>
    public async Task<RegisteredCandidate> RegisterCandidateAsync(RegisterCandidateInput input, CancellationToken cancellationToken)
    {
        var job = input.Job;
        if (!input.Gates.Passed)
        {
            throw new MLOpsException(ProblemKind.Conflict, "Quality gates failed.", "A candidate that failed its quality gates is not registered.");
        }

        var by = new Principal(job.SubmittedBy, Role.Operator);
        var version = await FindRegisteredAsync(job, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            var onnx = await ReadStagedAsync(job, input.Candidate, cancellationToken).ConfigureAwait(false);
            var metadata = JsonSerializer.SerializeToUtf8Bytes(Metadata(input), JsonDefaults.Options);
            version = await registration.RegisterAsync(job.Model, onnx, metadata, by, cancellationToken).ConfigureAwait(false);
            LogRegistered(logger, job.Model, job.JobId, version.Version);
        }

        var number = version.Version;
        var profile = (await jobs.JobBlob(job.Model, job.JobId, "reference-profile.json").DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content
            .ToObjectFromJson<ReferenceProfile>(JsonDefaults.Options)!;
        var card = Card(input, number, version.CreatedAt);
        await documents.PutJsonAsync(job.Model, number, VersionDocumentNames.ReferenceProfile, profile, job.SubmittedBy, cancellationToken).ConfigureAwait(false);
        await documents.PutJsonAsync(job.Model, number, VersionDocumentNames.Evaluation, input.Evaluation, job.SubmittedBy, cancellationToken).ConfigureAwait(false);
        await documents.PutJsonAsync(job.Model, number, VersionDocumentNames.ModelCard, card, job.SubmittedBy, cancellationToken).ConfigureAwait(false);
        await documents.PutAsync(job.Model, number, VersionDocumentNames.ModelCardMarkdown, BinaryData.FromString(card.ToMarkdown()), "text/markdown; charset=utf-8", job.SubmittedBy, cancellationToken).ConfigureAwait(false);

        var assignment = await registry.MoveAliasAsync(
            new AliasMoveCommand(job.Model, ChallengerAlias, number, $"trained by job {job.JobId}", by),
            sessions.PreloadAsync,
            cancellationToken).ConfigureAwait(false);
        aliases.Set(job.Model, ChallengerAlias, assignment.Version);
        return new RegisteredCandidate(number, ChallengerAlias);
    }

    private async Task<(EvaluationReport? Report, int? Version, string? Problem)> EvaluateChampionAsync(
        TrainingJobSpec job, Domain.Training.TrainingRecipe recipe, HoldoutSet holdout, Func<int, double> fill, CancellationToken cancellationToken)
    {
        var assignment = await registry.FindAliasAsync(job.Model, RegistryRules.DefaultAlias, cancellationToken).ConfigureAwait(false);
        if (assignment is null)
        {
            return (null, null, null);
        }

        try
        {
            using var lease = await sessions.AcquireAsync(job.Model, assignment.Version, cancellationToken).ConfigureAwait(false);
            if (lease.Session.Version.Metadata.Task != recipe.Task)
            {
                return (null, assignment.Version, $"champion version {assignment.Version} is a {lease.Session.Version.Metadata.Task} model, not {recipe.Task}");
            }

            var scored = evaluator.Evaluate(lease.Session, recipe, holdout, fill);
            return (scored.Report, assignment.Version, scored.Problem is null ? null : $"champion version {assignment.Version} cannot be scored on this holdout: {scored.Problem}");
        }
        catch (MLOpsException ex)
        {
            return (null, assignment.Version, $"champion version {assignment.Version} could not be loaded: {ex.Detail}");
        }
    }

    private async Task<ModelVersion?> FindRegisteredAsync(TrainingJobSpec job, CancellationToken cancellationToken)
    {
        try
        {
            var versions = await registry.ListVersionsAsync(job.Model, cancellationToken).ConfigureAwait(false);
            return versions.FirstOrDefault(v => v.Metadata.Tags.TryGetValue(JobTag, out var id) && id == job.JobId);
        }
        catch (MLOpsException ex) when (ex.Kind == ProblemKind.NotFound)
        {
            return null;
        }
    }

    private async Task<byte[]> ReadStagedAsync(TrainingJobSpec job, TrainedCandidate candidate, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = (await jobs.JobBlob(job.Model, job.JobId, "candidate.onnx").DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray();
            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), candidate.Sha256, StringComparison.Ordinal))
            {
                throw new MLOpsException(ProblemKind.Integrity, "The candidate changed.", $"The staged candidate of job {job.JobId} no longer has SHA-256 {candidate.Sha256}.");
            }

            return bytes;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new MLOpsException(ProblemKind.Integrity, "The candidate is gone.", $"The staged candidate of job {job.JobId} was deleted.");
        }
    }

    private static VersionMetadataRequest Metadata(RegisterCandidateInput input)
    {
        var job = input.Job;
        var recipe = job.Recipe;
        var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["trainer"] = JsonSerializer.SerializeToElement(recipe.Trainer),
            ["seed"] = JsonSerializer.SerializeToElement(recipe.Seed),
            ["holdoutFraction"] = JsonSerializer.SerializeToElement(recipe.HoldoutFraction),
            ["hyperparameters"] = JsonSerializer.SerializeToElement(input.Candidate.Hyperparameters),
            ["split"] = JsonSerializer.SerializeToElement(input.Dataset.Split with { Strata = new Dictionary<string, Domain.Splits.SplitCounts>() }, JsonDefaults.Options),
        };
        return new VersionMetadataRequest
        {
            Description = job.Description is { Length: > 0 } d ? d : $"Trained by job {job.JobId} with {recipe.Trainer}.",
            // labelColumn: dataset validation (issue 4) reads it to require the label in new uploads for this model.
            Tags = new Dictionary<string, string> { [JobTag] = job.JobId, ["trainer"] = recipe.Trainer, ["labelColumn"] = recipe.Label },
            Metrics = input.Evaluation.Candidate.Metrics.ToDictionary(m => m.Key, m => m.Value),
            Task = recipe.Task,
            Features = recipe.ToFeatureSchema().Features.Select(f => new FeatureRequest
            {
                Name = f.Name,
                Type = Domain.Features.FeatureTypes.ToName(f.Type),
                Nullable = f.Nullable,
            }).ToList(),
            Lineage = new LineageRequest
            {
                DatasetUri = input.Dataset.Uri,
                DatasetSha256 = input.Dataset.Sha256,
                TrainingParameters = parameters,
                CodeVersion = CodeVersion,
                ParentVersion = input.Evaluation.ChampionVersion,
            },
            ClassLabels = input.Candidate.ClassLabels?.ToList(),
        };
    }

    private ModelCard Card(RegisterCandidateInput input, int version, DateTimeOffset createdAt)
    {
        var job = input.Job;
        var recipe = job.Recipe;
        var data = new CardData(
            input.Dataset.Uri,
            input.Dataset.Sha256,
            input.Dataset.Format,
            input.Dataset.Bytes,
            input.Dataset.Rows,
            recipe.Label,
            input.Dataset.Classes,
            recipe.Features.Select(f => new CardFeature(f.Name, f.Kind.ToString(), Domain.Features.FeatureTypes.ToName(f.InputType), f.Imputation?.ToString())).ToList(),
            input.Dataset.Split);
        return new ModelCard
        {
            Model = job.Model,
            Version = version,
            Task = recipe.Task,
            Description = job.Description,
            IntendedUse = string.IsNullOrWhiteSpace(job.IntendedUse) ? "Not stated by the person who requested the training." : job.IntendedUse,
            Data = data,
            Training = new CardTraining(recipe.Trainer, recipe.Definition?.Family.ToString() ?? "unknown", recipe.Seed, recipe.HoldoutFraction, input.Candidate.Hyperparameters, input.Candidate.TrainingSeconds),
            Metrics = input.Evaluation.Candidate.Metrics,
            ChampionMetrics = input.Evaluation.Champion?.Metrics,
            Gates = input.Gates,
            Limitations = ModelCard.DeriveLimitations(recipe.Task, data, input.Evaluation.Candidate, input.Gates),
            Lineage = new CardLineage(job.JobId, input.Dataset.Uri, input.Dataset.Sha256, input.Evaluation.ChampionVersion, CodeVersion),
            CreatedAt = createdAt,
            CreatedBy = job.SubmittedBy,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained {Model} in job {JobId} with {Trainer} in {Seconds:F1} s ({Bytes} bytes of ONNX)")]
    private static partial void LogTrained(ILogger logger, string model, string jobId, string trainer, double seconds, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Model} version {Version} from job {JobId}")]
    private static partial void LogRegistered(ILogger logger, string model, string jobId, int version);
}
