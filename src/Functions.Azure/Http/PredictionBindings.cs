using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions.Azure.Http;

/// <summary>Azure binding of tabular predictions (records in, records out).</summary>
public sealed class PredictionBindings(PredictionFunctions functions)
{
    [Function(nameof(Predict))]
    public Task<IResult> Predict([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/predict")] HttpRequest request, string name) =>
        functions.Predict(request, name);
}
