using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Domain.Problems;
using MLOps.Functions.Configuration;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Training;

/// <summary>The queue-triggered function that runs a training job: the activities in order, the job's state kept current.</summary>
/// <remarks>
/// <para>Delivery is at least once. A message for a job that already finished is acknowledged and ignored; a job found
/// running (a crash mid-way) is run again from the start, which the activities make safe (see
/// <see cref="TrainingActivities"/>).</para>
/// <para>Problems with the request or the data (<see cref="ProblemKind.Validation"/>, a dataset replaced mid-job, failed
/// gates) end the job at once: retrying cannot help. Anything else is recorded and rethrown so the queue delivers the
/// message again, until the <see cref="TrainingOptions.MaxAttempts"/>th attempt, which fails the job for good before
/// the host moves the message to the poison queue.</para>
/// </remarks>
public sealed partial class TrainingJobRunner(
    TrainingJobStore jobs,
    TrainingActivities activities,
    IOptions<TrainingOptions> options,
    TimeProvider time,
    ILogger<TrainingJobRunner> logger)
{
    public async Task RunAsync(string message, CancellationToken cancellationToken)
    {
        TrainingJobMessage? parsed = null;
        try
        {
            parsed = JsonSerializer.Deserialize<TrainingJobMessage>(message, JsonDefaults.Options);
        }
        catch (JsonException)
        {
        }

        if (parsed is null || string.IsNullOrEmpty(parsed.Model) || string.IsNullOrEmpty(parsed.JobId))
        {
            // Nothing to retry: a message this app did not write. Acknowledge it so it does not cycle to the poison queue.
            LogUnreadable(logger, message.Length);
            return;
        }

        var job = await jobs.FindAsync(parsed.Model, parsed.JobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            LogUnknownJob(logger, parsed.Model, parsed.JobId);
            return;
        }

        if (job.State is TrainingJobState.Succeeded or TrainingJobState.Rejected or TrainingJobState.Failed)
        {
            LogAlreadyDone(logger, job.Model, job.JobId, job.State);
            return;
        }

        job = await jobs.UpdateAsync(job.Model, job.JobId, j => jobs.WithMessage(
            j with { State = TrainingJobState.Running, Stage = "prepare", Progress = 0, StartedAt = time.GetUtcNow(), Attempts = j.Attempts + 1 },
            j.Attempts == 0 ? "Started." : $"Started again (attempt {j.Attempts + 1})."), cancellationToken).ConfigureAwait(false);
        var attempt = job.Attempts;
        try
        {
            await RunStepsAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(job, j => jobs.WithMessage(j, "Interrupted by a host shutdown; the queue delivers the job again."), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (MLOpsException ex) when (ex.Kind is ProblemKind.Validation or ProblemKind.Conflict or ProblemKind.PayloadTooLarge or ProblemKind.NotFound)
        {
            LogFailed(logger, job.Model, job.JobId, ex.Detail);
            await FinishAsync(job, TrainingJobState.Failed, JobError.From(ex), ex.Detail).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogAttemptFailed(logger, job.Model, job.JobId, attempt, ex);
            var detail = ex is MLOpsException known ? known.Detail : $"{ex.GetType().Name} in the training job; the error was logged.";
            if (attempt >= options.Value.MaxAttempts)
            {
                await FinishAsync(job, TrainingJobState.Failed, new JobError("Training failed.", $"Attempt {attempt} of {options.Value.MaxAttempts} failed: {detail}", null), detail).ConfigureAwait(false);
                return;
            }

            await RecordAsync(job, j => jobs.WithMessage(j, $"Attempt {attempt} failed ({detail}); it will be retried."), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RunStepsAsync(TrainingJob job, CancellationToken cancellationToken)
    {
        var spec = await jobs.GetSpecAsync(job.Model, job.JobId, cancellationToken).ConfigureAwait(false);
        var progress = new JobProgress(jobs, time, logger, job);

        progress.Stage("prepare", 0, 10);
        var dataset = await activities.PrepareDatasetAsync(new PrepareDatasetInput(spec), progress, cancellationToken).ConfigureAwait(false);
        await RecordAsync(job, j => jobs.WithMessage(j with { DatasetSha256 = dataset.Sha256, Split = dataset.Split },
            $"Dataset read: {dataset.Rows} rows, SHA-256 {dataset.Sha256}; {dataset.Split.TrainRows} train and {dataset.Split.HoldoutRows} holdout rows."), cancellationToken).ConfigureAwait(false);

        progress.Stage("train", 10, 70);
        var candidate = await activities.TrainCandidateAsync(new TrainCandidateInput(spec, dataset), progress, cancellationToken).ConfigureAwait(false);
        await progress.FlushAsync().ConfigureAwait(false);
        await RecordAsync(job, j => jobs.WithMessage(j, $"Trained with {spec.Recipe.Trainer} in {candidate.TrainingSeconds:F1} s; ONNX model of {candidate.SizeBytes} bytes."), cancellationToken).ConfigureAwait(false);

        progress.Stage("evaluate", 70, 90);
        await progress.ReportNowAsync().ConfigureAwait(false);
        var evaluation = await activities.EvaluateCandidateAsync(new EvaluateCandidateInput(spec, dataset, candidate), cancellationToken).ConfigureAwait(false);
        var evaluated = evaluation.ChampionVersion is null ? "No champion to compare with."
            : evaluation.Champion is null ? $"The champion could not be compared: {evaluation.ChampionProblem}."
            : $"Champion version {evaluation.ChampionVersion} scored on the same holdout.";
        await RecordAsync(job, j => jobs.WithMessage(j with { Metrics = evaluation.Candidate.Metrics, ChampionMetrics = evaluation.Champion?.Metrics }, "Evaluated on the holdout. " + evaluated), cancellationToken).ConfigureAwait(false);

        progress.Stage("gate", 90, 95);
        var gates = TrainingActivities.ApplyGates(new ApplyGatesInput(spec.Gates, evaluation));
        if (!gates.Passed)
        {
            var failed = gates.Gates.Where(g => g.Verdict == Domain.Gates.GateVerdict.Failed).Select(g => g.Gate.Rule).ToList();
            var detail = $"Quality gates failed ({string.Join("; ", failed)}); the candidate was not registered.";
            await FinishAsync(job, TrainingJobState.Rejected, new JobError("Quality gates failed.", detail, null), detail, j => j with { Gates = gates }).ConfigureAwait(false);
            return;
        }

        await RecordAsync(job, j => jobs.WithMessage(j with { Gates = gates, Stage = "register", Progress = 95 }, "Every quality gate passed."), cancellationToken).ConfigureAwait(false);
        var registered = await activities.RegisterCandidateAsync(new RegisterCandidateInput(spec, dataset, candidate, evaluation, gates), cancellationToken).ConfigureAwait(false);
        await FinishAsync(job, TrainingJobState.Succeeded, null, $"Registered as version {registered.Version} with alias '{registered.Alias}'.", j => j with { ResultVersion = registered.Version }).ConfigureAwait(false);
        LogSucceeded(logger, job.Model, job.JobId, registered.Version);
    }

    private Task FinishAsync(TrainingJob job, TrainingJobState state, JobError? error, string message, Func<TrainingJob, TrainingJob>? more = null) =>
        RecordAsync(job, j => jobs.WithMessage((more?.Invoke(j) ?? j) with
        {
            State = state,
            Stage = "done",
            Progress = state == TrainingJobState.Succeeded ? 100 : j.Progress,
            CompletedAt = time.GetUtcNow(),
            Error = error,
        }, message), CancellationToken.None);

    private Task RecordAsync(TrainingJob job, Func<TrainingJob, TrainingJob> change, CancellationToken cancellationToken) =>
        jobs.UpdateAsync(job.Model, job.JobId, change, cancellationToken);

    /// <summary>Turns a step's 0-1 progress into the job's percentage, written at most every second and logged every 10%.</summary>
    private sealed class JobProgress(TrainingJobStore jobs, TimeProvider time, ILogger logger, TrainingJob job) : IProgress<double>
    {
        private readonly Lock _gate = new();
        private string _stage = "prepare";
        private int _from;
        private int _to = 100;
        private int _percent;
        private int _written = -1;
        private int _logged = -10;
        private long _lastWrite;
        private Task _pending = Task.CompletedTask;

        public void Stage(string stage, int from, int to)
        {
            lock (_gate)
            {
                (_stage, _from, _to, _percent) = (stage, from, to, from);
            }
        }

        public void Report(double value)
        {
            lock (_gate)
            {
                _percent = Math.Clamp(_from + (int)Math.Round(Math.Clamp(value, 0, 1) * (_to - _from)), _from, _to);
                if (_percent >= _logged + 10)
                {
                    _logged = _percent;
                    LogProgress(logger, job.Model, job.JobId, _stage, _percent);
                }

                var now = time.GetTimestamp();
                if (_percent != _written && _pending.IsCompleted && time.GetElapsedTime(_lastWrite, now) >= TimeSpan.FromSeconds(1))
                {
                    _lastWrite = now;
                    _pending = WriteAsync();
                }
            }
        }

        public Task ReportNowAsync()
        {
            lock (_gate)
            {
                _pending = _pending.ContinueWith(_ => WriteAsync(), TaskScheduler.Default).Unwrap();
                return _pending;
            }
        }

        public Task FlushAsync() => _pending;

        private async Task WriteAsync()
        {
            string stage;
            int percent;
            lock (_gate)
            {
                (stage, percent, _written) = (_stage, _percent, _percent);
            }

            try
            {
                await jobs.UpdateAsync(job.Model, job.JobId, j => j with { Stage = stage, Progress = Math.Max(j.Progress, percent) }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or MLOpsException)
            {
                // Progress is best effort; the next report or the step's end writes the state again.
                LogProgressNotWritten(logger, job.Model, job.JobId, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a training queue message that is not a job reference ({Length} characters)")]
    private static partial void LogUnreadable(ILogger logger, int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message for unknown training job {JobId} of {Model}")]
    private static partial void LogUnknownJob(ILogger logger, string model, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} of {Model} is already {State}; duplicate delivery ignored")]
    private static partial void LogAlreadyDone(ILogger logger, string model, string jobId, TrainingJobState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} of {Model}: {Stage} {Percent}%")]
    private static partial void LogProgress(ILogger logger, string model, string jobId, string stage, int percent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId} of {Model} failed: {Detail}")]
    private static partial void LogFailed(ILogger logger, string model, string jobId, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training job {JobId} of {Model}: attempt {Attempt} failed")]
    private static partial void LogAttemptFailed(ILogger logger, string model, string jobId, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} of {Model} registered version {Version}")]
    private static partial void LogSucceeded(ILogger logger, string model, string jobId, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Progress of training job {JobId} of {Model} not written: {Error}")]
    private static partial void LogProgressNotWritten(ILogger logger, string model, string jobId, string error);
}
