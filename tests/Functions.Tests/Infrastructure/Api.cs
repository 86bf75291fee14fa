using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLOps.Functions.Tests.Infrastructure;

/// <summary>Calls the API the way a client would, and checks the problem documents it answers with.</summary>
public static class Api
{
    public static string UniqueModel(string stem) => $"{stem}-{Guid.NewGuid():N}"[..Math.Min(40, stem.Length + 17)];

    public static MultipartFormDataContent Upload(byte[] model, string? metadata)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(model);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "model", "model.onnx");
        if (metadata is not null)
        {
            content.Add(new StringContent(metadata, Encoding.UTF8, "application/json"), "metadata");
        }

        return content;
    }

    public static async Task<JsonNode> RegisterAsync(this HttpClient client, string model, byte[] onnx, string? metadata)
    {
        using var response = await client.PostAsync($"/api/models/{model}/versions", Upload(onnx, metadata));
        return await response.ExpectAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonNode> SetAliasAsync(this HttpClient client, string model, string alias, int version, string reason = "test")
    {
        using var response = await client.PutAsJsonAsync($"/api/models/{model}/aliases/{alias}", new { version, reason });
        return await response.ExpectAsync(HttpStatusCode.OK);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonNode> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    /// <summary>Asserts an RFC 9457 problem document with this status, and returns it.</summary>
    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(problem["type"]?.GetValue<string>()));
        return problem;
    }

    public static string Detail(this JsonNode problem) => problem["detail"]?.GetValue<string>() ?? string.Empty;

    public static IEnumerable<JsonNode> Errors(this JsonNode problem) =>
        problem["errors"]?.AsArray().Select(e => e!) ?? [];

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
