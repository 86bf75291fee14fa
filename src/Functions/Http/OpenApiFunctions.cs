using Microsoft.AspNetCore.Http;

namespace MLOps.Functions.Http;

/// <summary>The OpenAPI document and the interactive reference page, served from embedded files by both hosts.</summary>
/// <remarks>
/// The document is written by hand and shipped inside the assembly: Azure Functions has no
/// endpoint metadata to generate it from, and one file keeps both hosts identical. A test keeps
/// its paths equal to <see cref="FunctionCatalog"/>.
/// </remarks>
public sealed class OpenApiFunctions(FunctionRunner runner)
{
    private static readonly Lazy<byte[]> DocumentBytes = new(() => Load("MLOps.openapi.json"));
    private static readonly Lazy<byte[]> ReferenceBytes = new(() => Load("MLOps.reference.html"));

    public Task<IResult> Document(HttpRequest request) =>
        runner.RunAsync(request, null, (_, _) => Task.FromResult<IResult>(TypedResults.Bytes(DocumentBytes.Value, "application/json; charset=utf-8")));

    public Task<IResult> Reference(HttpRequest request) =>
        runner.RunAsync(request, null, (_, _) => Task.FromResult<IResult>(TypedResults.Bytes(ReferenceBytes.Value, "text/html; charset=utf-8")));

    private static byte[] Load(string name)
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
