using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MLOps.Domain.Problems;
using MLOps.Domain.Security;
using MLOps.Functions.Security;

namespace MLOps.Functions.Http;

/// <summary>The frame every HTTP function runs in: authorization first, then the handler, with every failure as a problem document.</summary>
/// <remarks>
/// Both hosts call handlers through this, so a bad request gets the same status and body from
/// Kestrel locally and from Azure Functions. Unexpected exceptions are logged with the route only,
/// never with request content, and answered with a 500 that reveals nothing.
/// </remarks>
public sealed partial class FunctionRunner(ApiKeyStore keys, ILogger<FunctionRunner> logger)
{
    public async Task<IResult> RunAsync(HttpRequest request, Role? required, Func<Principal, CancellationToken, Task<IResult>> handler)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        try
        {
            var principal = required is { } role
                ? keys.Authorize(request.Headers[ApiKeyStore.HeaderName].ToString(), role)
                : new Principal("anonymous", Role.Reader);
            return await handler(principal, cancellationToken).ConfigureAwait(false);
        }
        catch (MLOpsException ex)
        {
            if (ex.Kind is ProblemKind.Integrity or ProblemKind.Unavailable)
            {
                LogServerProblem(logger, request.Method, request.Path.Value, ex.Detail);
            }

            return ProblemResults.From(ex, request);
        }
        catch (JsonException ex)
        {
            return ProblemResults.From(MLOpsException.Validation(JsonErrors.Describe("the request body", ex)), request);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limits (body size, slow uploads) surface here.
            var status = ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : 400;
            return ProblemResults.Status(status, status == 413 ? "Payload too large." : "Bad request.", ex.Message, request);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nobody reads this answer.
            return Results.StatusCode(499);
        }
        catch (Exception ex)
        {
            LogUnhandled(logger, request.Method, request.Path.Value, ex);
            return ProblemResults.Status(500, "Internal server error.", "The server failed to process the request. The error was logged with this request's traceId.", request);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string? path, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Server-side problem in {Method} {Path}: {Detail}")]
    private static partial void LogServerProblem(ILogger logger, string method, string? path, string detail);
}
