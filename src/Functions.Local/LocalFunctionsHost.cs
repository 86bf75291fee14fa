using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using MLOps.Functions;
using MLOps.Functions.Configuration;
using MLOps.Functions.Http;

namespace MLOps.Functions.Local;

/// <summary>Builds the local host: Kestrel on 127.0.0.1:7071 serving the function catalog under /api, like <c>func start</c>.</summary>
public static class LocalFunctionsHost
{
    public const int DefaultPort = 7071;

    /// <param name="args">Command-line arguments (also <c>--urls</c>).</param>
    /// <param name="configure">Lets tests add configuration or services before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

        // Same settings as the Functions host reads: local.settings.json "Values", then the environment.
        builder.Configuration.AddLocalSettings(LocalSettings.Find());
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (string.IsNullOrEmpty(builder.Configuration["AzureWebJobsStorage"]))
        {
            builder.Configuration["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        }

        configure?.Invoke(builder);

        var port = int.TryParse(builder.Configuration["Host:LocalHttpPort"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : DefaultPort;
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        var maxModelBytes = builder.Configuration.GetValue<long?>($"{RegistryOptions.SectionName}:MaxModelBytes") ?? new RegistryOptions().MaxModelBytes;
        var maxRequestBytes = builder.Configuration.GetValue<long?>($"{PredictionOptions.SectionName}:MaxRequestBytes") ?? new PredictionOptions().MaxRequestBytes;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Handlers enforce their own, tighter limits; this only stops bodies no endpoint would take.
            kestrel.Limits.MaxRequestBodySize = Math.Max(maxModelBytes + (1024 * 1024), maxRequestBytes);
            kestrel.AddServerHeader = false;
        });

        builder.Services.AddProblemDetails();
        builder.AddMLOps();

        var app = builder.Build();
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            // Last resort for failures outside a handler (writing a result, say); handlers map their own.
            var problem = ProblemResults.Status(500, "Internal server error.", "The server failed to process the request.", context.Request);
            await problem.ExecuteAsync(context).ConfigureAwait(false);
        }));
        app.UseStatusCodePages();
        app.MapFunctionCatalog();
        return app;
    }

    /// <summary>Maps every catalog function under /api, and answers unknown paths with a 404 problem.</summary>
    public static void MapFunctionCatalog(this WebApplication app)
    {
        foreach (var function in FunctionCatalog.Http)
        {
            app.MapMethods("/api/" + function.Route, [function.Method], (HttpRequest request) => function.Handler(request))
                .WithName(function.Name)
                .WithMetadata(new FormOptions { MultipartBodyLengthLimit = long.MaxValue });
        }

        app.MapFallback((HttpContext context) =>
            ProblemResults.Status(404, "Not found.", $"No function answers {context.Request.Method} {context.Request.Path}. See /api/openapi.json.", context.Request));
    }
}
