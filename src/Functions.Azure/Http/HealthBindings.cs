using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure binding of the health probe.</summary>
public sealed class HealthBindings(HealthFunctions functions)
{
    [Function(nameof(Health))]
    public Task<IResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        functions.Health(request);
}
