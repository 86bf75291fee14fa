using System.Globalization;
using Microsoft.AspNetCore.Routing.Template;
using MLOps.Functions;
using MLOps.Functions.Http;
using MLOps.Functions.Local.Blobs;

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

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        builder.AddMLOps();
        builder.Services.AddSingleton<TimerScheduler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TimerScheduler>());
        builder.Services.AddLocalBlobTriggers();
        builder.Services.AddHostedService<Queues.LocalQueueTriggers>();

        var app = builder.Build();
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            // Last resort for failures outside a handler (writing a result, say); handlers map their own.
            var problem = ProblemResults.Status(500, "Internal server error.", "The server failed to process the request.", context.Request);
            await problem.ExecuteAsync(context).ConfigureAwait(false);
        }));

        // No UseStatusCodePages: every function answers its errors as problem documents itself (FunctionRunner, the
        // fallback below), as it must under the Azure host, which has no such net. A net here would turn a bare status
        // into a problem locally while Azure sent it empty (it once hid that the fallback skipped file-like paths).
        // HostileInputTests checks every function's error answers, and random requests besides.
        app.MapFunctionCatalog();
        return app;
    }

    /// <summary>Maps every catalog function under /api, and answers unknown paths with a 404 problem.</summary>
    public static void MapFunctionCatalog(this WebApplication app)
    {
        foreach (var function in FunctionCatalog.Http)
        {
            app.MapMethods("/api/" + function.Route, [function.Method], (HttpRequest request) => function.Handler(request))
                .WithName(function.Name);
        }

        var matchers = FunctionCatalog.Http
            .Select(f => (f.Method, Matcher: new TemplateMatcher(TemplateParser.Parse("api/" + f.Route), [])))
            .ToList();
        // "{*path}", not MapFallback's default "{*path:nonfile}": a path whose last segment looks like a file name
        // (/favicon.ico, /api/models/churn/versions/1.0) would otherwise get a bare 404 or 405 with no problem document.
        app.MapFallback("{*path}", (HttpContext context) =>
        {
            // A path that a function serves with another method is a 405, as Azure Functions answers it.
            var allowed = matchers.Where(m => m.Matcher.TryMatch(context.Request.Path, [])).Select(m => m.Method).Distinct().ToList();
            if (allowed.Count > 0)
            {
                context.Response.Headers.Allow = string.Join(", ", allowed);
                return ProblemResults.Status(405, "Method not allowed.", $"{context.Request.Path} does not take {context.Request.Method}; it takes {string.Join(", ", allowed)}.", context.Request);
            }

            return ProblemResults.Status(404, "Not found.", $"No function answers {context.Request.Method} {context.Request.Path}. See /api/openapi.json.", context.Request);
        });
    }
}
