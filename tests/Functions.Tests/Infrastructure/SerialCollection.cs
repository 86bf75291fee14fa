namespace MLOps.Functions.Tests.Infrastructure;

/// <summary>Tests that measure process-wide quantities (allocated bytes) and so must not run beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (process-wide measurements)";
}
