namespace MLOps.Training.Pipeline;

/// <summary>How far a training run has got: a phase, an overall percentage (0-100) and what the trainer reported last.</summary>
/// <param name="Phase">statistics, preprocessing, training or done.</param>
/// <param name="Percent">Overall progress; it only grows.</param>
/// <param name="Detail">Such as "iteration 40 of 100" while the trainer runs.</param>
public sealed record TrainingProgress(string Phase, double Percent, string? Detail = null);
