using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLOps.Functions.Http;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Http;

/// <summary>The hand-written OpenAPI document and the reference page, as served by the local host.</summary>
[Collection(LocalHostCollection.Name)]
public sealed partial class OpenApiTests(LocalHostFixture host)
{
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    private static readonly string[] AnonymousFunctions = ["Health", "OpenApiDocument", "ApiReference"];

    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await host.Anonymous.GetAsync("/api/openapi.json");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200 but got {(int)response.StatusCode}: {body}");
        return Assert.IsType<JsonObject>(JsonNode.Parse(body));
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (HttpMethods.Contains(method))
                {
                    yield return (path, method, operation!.AsObject());
                }
            }
        }
    }

    [Fact]
    public async Task OpenApiDocument_Anonymous_IsOpenApi31Json()
    {
        using var response = await host.Anonymous.GetAsync("/api/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(document["info"]?["title"]?.GetValue<string>()));
        Assert.Equal("x-functions-key", document["components"]!["securitySchemes"]!["apiKey"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApiDocument_Operations_EqualTheFunctionCatalog()
    {
        var document = await DocumentAsync();

        var documented = Operations(document)
            .Select(o => (o.Path, o.Method, Name: o.Operation["operationId"]?.GetValue<string>() ?? "(no operationId)"))
            .ToHashSet();
        var catalog = FunctionCatalog.Http
            .Select(f => (Path: "/api/" + f.Route, Method: f.Method.ToLowerInvariant(), f.Name))
            .ToHashSet();

        var missing = catalog.Except(documented).Order().Select(o => $"  missing from the document: {o.Method.ToUpperInvariant()} {o.Path} ({o.Name})");
        var extra = documented.Except(catalog).Order().Select(o => $"  not in the catalog: {o.Method.ToUpperInvariant()} {o.Path} ({o.Name})");
        var differences = missing.Concat(extra).ToList();
        Assert.True(differences.Count == 0, "openapi.json and FunctionCatalog.Http differ:\n" + string.Join("\n", differences));
    }

    [Fact]
    public async Task OpenApiDocument_EveryRef_ResolvesToAComponent()
    {
        var document = await DocumentAsync();
        var refs = new List<(string Where, string Ref)>();
        CollectRefs(document, "#", refs);

        var broken = refs
            .Where(r => !r.Ref.StartsWith("#/components/", StringComparison.Ordinal) || Resolve(document, r.Ref) is null)
            .Select(r => $"  {r.Ref} at {r.Where}")
            .ToList();

        Assert.NotEmpty(refs);
        Assert.True(broken.Count == 0, "Unresolved $ref:\n" + string.Join("\n", broken));
    }

    [Fact]
    public async Task OpenApiDocument_ProtectedOperations_Document401AndRequireTheKey()
    {
        var document = await DocumentAsync();
        Assert.NotEmpty(document["security"]!.AsArray());
        var problems = new List<string>();

        foreach (var (path, method, operation) in Operations(document))
        {
            var name = operation["operationId"]?.GetValue<string>();
            var security = operation["security"] as JsonArray;
            if (AnonymousFunctions.Contains(name))
            {
                if (security is not { Count: 0 })
                {
                    problems.Add($"  {name} ({method.ToUpperInvariant()} {path}) is anonymous but does not set security: []");
                }

                continue;
            }

            if (operation["responses"]?["401"] is null)
            {
                problems.Add($"  {name} ({method.ToUpperInvariant()} {path}) has no 401 response");
            }

            if (security is { Count: 0 })
            {
                problems.Add($"  {name} ({method.ToUpperInvariant()} {path}) sets security: [] but needs a key");
            }
        }

        Assert.True(problems.Count == 0, "Security problems:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task ApiReference_Anonymous_IsSelfContainedHtml()
    {
        using var response = await host.Anonymous.GetAsync("/api/docs");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/api/openapi.json", html, StringComparison.Ordinal);
        var external = ExternalResource().Matches(html).Select(m => m.Value).ToList();
        Assert.True(external.Count == 0, "The page loads external resources: " + string.Join(", ", external));
    }

    private static void CollectRefs(JsonNode? node, string where, List<(string Where, string Ref)> refs)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref" && value is JsonValue v && v.TryGetValue<string>(out var target))
                    {
                        refs.Add((where, target));
                    }
                    else
                    {
                        CollectRefs(value, $"{where}/{key}", refs);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    CollectRefs(array[i], $"{where}/{i}", refs);
                }

                break;
        }
    }

    /// <summary>Follows a local JSON pointer (RFC 6901) such as #/components/schemas/ModelVersion.</summary>
    private static JsonNode? Resolve(JsonObject document, string pointer)
    {
        JsonNode? node = document;
        foreach (var token in pointer[2..].Split('/'))
        {
            var key = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node is JsonObject obj && obj.TryGetPropertyValue(key, out var next) ? next : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>A src/href/url() that loads from another origin: http://, https:// or protocol-relative //.</summary>
    [GeneratedRegex("""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalResource();
}
