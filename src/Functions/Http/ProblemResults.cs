using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Http;

/// <summary>Turns failures into RFC 9457 problem documents, the one error shape of the API.</summary>
public static class ProblemResults
{
    public static int StatusOf(ProblemKind kind) => kind switch
    {
        ProblemKind.Validation => StatusCodes.Status400BadRequest,
        ProblemKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Conflict => StatusCodes.Status409Conflict,
        ProblemKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        ProblemKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ProblemKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The RFC 9110 section that defines each status, as the problem type.</summary>
    public static string TypeOf(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        412 => "https://tools.ietf.org/html/rfc9110#section-15.5.13",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    };

    public static IResult From(MLOpsException exception, HttpRequest request)
    {
        var status = StatusOf(exception.Kind);
        var problem = Create(status, exception.Title, exception.Detail, request);
        if (exception.Errors.Count > 0)
        {
            problem.Extensions["errors"] = exception.Errors;
        }

        foreach (var (key, value) in exception.Extensions)
        {
            problem.Extensions[key] = value;
        }

        if (exception.Kind == ProblemKind.Unauthorized)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "ApiKey header=\"x-functions-key\"";
        }

        return TypedResults.Problem(problem);
    }

    public static IResult Status(int status, string title, string detail, HttpRequest request) =>
        TypedResults.Problem(Create(status, title, detail, request));

    public static ProblemDetails Create(int status, string title, string detail, HttpRequest request)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Type = TypeOf(status),
            Title = title,
            Detail = detail,
            Instance = request.Path.Value,
        };
        problem.Extensions["traceId"] = Activity.Current?.Id ?? request.HttpContext.TraceIdentifier;
        return problem;
    }
}
