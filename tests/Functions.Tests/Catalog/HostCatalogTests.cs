using MLOps.Samples;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MLOps.Functions.Http;
using MLOps.Functions.Tests.Infrastructure;

namespace MLOps.Functions.Tests.Catalog;

/// <summary>
/// Rules 2 and 4 of the architecture brief: src/Functions.Azure exposes exactly the HTTP catalog the local host serves
/// (same names, methods and routes), and every Azure binding is a one-line delegation.
/// </summary>
/// <remarks>
/// The Azure project cannot be compiled where the Functions packages are missing, so its sources are read as syntax
/// only: no compilation, no semantic model, no reference to any Functions assembly.
/// </remarks>
public sealed class HostCatalogTests
{
    private static readonly string AzureProjectPath = Path.Combine(RepoRoot.Path, "src", "Functions.Azure");
    private static readonly Lazy<IReadOnlyList<SyntaxTree>> AzureSources = new(() => AzureBindingCatalog.ParseDirectory(AzureProjectPath));

    private static IReadOnlyList<AzureFunction> AzureFunctions => AzureBindingCatalog.Functions(AzureSources.Value);

    private static IReadOnlyList<HttpEndpoint> LocalEndpoints =>
        FunctionCatalog.Http.Select(f => new HttpEndpoint(f.Name, f.Method.ToUpperInvariant(), f.Route)).ToList();

    [Fact]
    public void AzureSources_Parsed_ContainFunctionsAndNoSyntaxErrors()
    {
        var errors = AzureSources.Value
            .SelectMany(tree => tree.GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();

        Assert.True(errors.Count == 0, "src/Functions.Azure does not parse:\n" + string.Join('\n', errors));
        Assert.True(AzureFunctions.Count > 0, $"No [Function] methods found under {AzureProjectPath}; the catalog comparison would pass vacuously.");
        Assert.True(AzureBindingCatalog.HttpEndpoints(AzureFunctions).Count > 0, "No [HttpTrigger] bindings found in src/Functions.Azure.");
        var unresolved = AzureFunctions.Where(f => f.Name is null).Select(f => f.Where).ToList();
        Assert.True(unresolved.Count == 0, "[Function] names must be a string literal or nameof(...) so they can be read without compiling: " + string.Join(", ", unresolved));
    }

    [Fact]
    public void AzureBindings_ComparedWithLocalCatalog_ExposeTheSameHttpFunctions()
    {
        var diff = AzureBindingCatalog.Compare(AzureFunctions, LocalEndpoints);

        Assert.True(diff.IsEmpty, diff.Describe());
    }

    [Fact]
    public void AzureFunctionNames_Parsed_AreUnique()
    {
        var duplicates = AzureFunctions
            .Where(f => f.Name is not null)
            .GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} ({string.Join(", ", g.Select(f => f.Where))})")
            .ToList();

        Assert.True(duplicates.Count == 0, "Azure function names must be unique: " + string.Join("; ", duplicates));
    }

    [Fact]
    public void AzureFunctionBodies_Parsed_AreOneLineDelegations()
    {
        var violations = AzureBindingCatalog.DelegationViolations(AzureFunctions);

        Assert.True(violations.Count == 0, "Rule 2: every Azure binding delegates in one expression to code built and tested here.\n" + string.Join('\n', violations));
    }

    [Fact]
    public void AzureHttpTriggers_Parsed_AreAnonymous()
    {
        // The app checks its own keys and roles on both hosts; a host-level key check would exist in Azure only.
        var violations = AzureBindingCatalog.AuthorizationViolations(AzureFunctions);

        Assert.True(violations.Count == 0, "HTTP triggers must use AuthorizationLevel.Anonymous:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void AzureTimerTriggers_ComparedWithLocalCatalog_HaveTheSameNamesAndSchedules()
    {
        var azure = AzureBindingCatalog.Timers(AzureFunctions).Select(t => t.Timer).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var local = FunctionCatalog.Timers.Select(t => new TimerEndpoint(t.Name, t.Schedule)).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

        Assert.NotEmpty(local);
        Assert.Equal(local, azure);
        Assert.All(local, t => Assert.Matches("^%[A-Za-z][A-Za-z0-9_]*%$", t.Schedule));
    }

    [Fact]
    public void CompareTimers_ScheduleSettingChangedOnAzureSideOnly_IsADifference()
    {
        var mutated = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("DriftCheck")]
            public Task DriftCheck([TimerTrigger("%DriftScheduleTypo%")] TimerInfo timer, CancellationToken cancellationToken) => functions.RunScheduled(timer.IsPastDue, cancellationToken);
            """), "Timer.cs")]);

        var azure = AzureBindingCatalog.Timers(mutated).Select(t => t.Timer).ToList();

        Assert.Equal([new TimerEndpoint("DriftCheck", "%DriftScheduleTypo%")], azure);
        Assert.NotEqual(FunctionCatalog.Timers.Select(t => new TimerEndpoint(t.Name, t.Schedule)).ToList(), azure);
        Assert.Empty(AzureBindingCatalog.DelegationViolations(mutated));
    }

    [Fact]
    public void LocalTimerSchedules_Defaults_AreSixFieldNcrontab()
    {
        Assert.NotEmpty(FunctionCatalog.Timers); // otherwise the loop below checks nothing
        foreach (var timer in FunctionCatalog.Timers)
        {
            var schedule = NCrontab.CrontabSchedule.TryParse(timer.DefaultSchedule, new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true });
            Assert.True(schedule is not null, $"{timer.Name}: '{timer.DefaultSchedule}' is not a 6-field NCRONTAB expression.");
        }
    }

    [Fact]
    public void AzureBlobTriggers_ComparedWithLocalCatalog_HaveTheSameNamesPathsAndConnections()
    {
        var azure = AzureBindingCatalog.BlobTriggers(AzureFunctions);
        var local = FunctionCatalog.Blobs.Select(b => new BlobTriggerEndpoint(b.Name, b.Path, b.Connection, true)).ToList();

        Assert.True(azure.Count > 0, "No [BlobTrigger] bindings found in src/Functions.Azure.");
        Assert.Equal(local.OrderBy(b => b.Name, StringComparer.Ordinal), azure.Select(a => a.Endpoint).OrderBy(b => b.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void BlobTriggers_PathOrSourceChanged_AreReportedAsDifferent()
    {
        var functions = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("ValidateDataset")]
            public Task ValidateDataset([BlobTrigger("dataset/{name}", Connection = "AzureWebJobsStorage")] BlobClient blob, string name, CancellationToken cancellationToken) => functions.ValidateBlobAsync(name, cancellationToken);
            """), "Blob.cs")]);

        var endpoint = Assert.Single(AzureBindingCatalog.BlobTriggers(functions)).Endpoint;

        Assert.Equal(new BlobTriggerEndpoint("ValidateDataset", "dataset/{name}", "AzureWebJobsStorage", false), endpoint);
        Assert.DoesNotContain(endpoint, FunctionCatalog.Blobs.Select(b => new BlobTriggerEndpoint(b.Name, b.Path, b.Connection, true)));
        Assert.Empty(AzureBindingCatalog.DelegationViolations(functions));
    }

    [Fact]
    public void Compare_RouteChangedOnAzureSideOnly_ReportsTheRouteOnBothSides()
    {
        const string Original = "Route = \"models/{name}/audit\"";
        var registry = AzureSources.Value.Single(t => Path.GetFileName(t.FilePath) == "RegistryBindings.cs");
        var text = registry.GetText().ToString();
        Assert.Contains(Original, text, StringComparison.Ordinal);
        var mutated = AzureBindingCatalog.Parse(text.Replace(Original, "Route = \"models/{name}/audits\"", StringComparison.Ordinal), registry.FilePath);
        var trees = AzureSources.Value.Select(t => t == registry ? mutated : t);

        var diff = AzureBindingCatalog.Compare(AzureBindingCatalog.Functions(trees), LocalEndpoints);

        Assert.False(diff.IsEmpty);
        Assert.Equal(new[] { new HttpEndpoint("GetModelAudit", "GET", "models/{name}/audit") }, diff.MissingInAzure);
        Assert.Equal(new[] { new HttpEndpoint("GetModelAudit", "GET", "models/{name}/audits") }, diff.MissingLocally);
        Assert.Contains("models/{name}/audits", diff.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_MethodChangedOnAzureSideOnly_ReportsMismatch()
    {
        var azure = AzureBindingCatalog.Functions([.. AzureSources.Value, AzureBindingCatalog.Parse(Bindings(
            """
            [Function("Extra")]
            public Task<IResult> Extra([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "extra")] HttpRequest request) => functions.Extra(request);
            """), "Extra.cs")]);
        HttpEndpoint[] local = [.. LocalEndpoints, new("Extra", "GET", "extra")];

        var diff = AzureBindingCatalog.Compare(azure, local);

        Assert.Equal(new[] { new HttpEndpoint("Extra", "GET", "extra") }, diff.MissingInAzure);
        Assert.Equal(new[] { new HttpEndpoint("Extra", "POST", "extra") }, diff.MissingLocally);
    }

    [Fact]
    public void Compare_AzureBindingWithoutCatalogEntry_ReportsItMissingLocally()
    {
        var extra = AzureBindingCatalog.Parse(Bindings(
            """
            [Function(nameof(Retrain))]
            public Task<IResult> Retrain([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{name}/retrain")] HttpRequest request, string name) =>
                functions.Retrain(request, name);
            """), "Retrain.cs");

        var diff = AzureBindingCatalog.Compare(AzureBindingCatalog.Functions([.. AzureSources.Value, extra]), LocalEndpoints);

        Assert.Empty(diff.MissingInAzure);
        Assert.Equal(new[] { new HttpEndpoint("Retrain", "POST", "models/{name}/retrain") }, diff.MissingLocally);
        Assert.Contains("Retrain.cs", diff.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_CatalogEntryWithoutAzureBinding_ReportsItMissingInAzure()
    {
        var withoutInference = AzureSources.Value.Where(t => Path.GetFileName(t.FilePath) != "InferenceBindings.cs").ToList();
        Assert.True(withoutInference.Count < AzureSources.Value.Count, "InferenceBindings.cs not found; the test would prove nothing.");

        var diff = AzureBindingCatalog.Compare(AzureBindingCatalog.Functions(withoutInference), LocalEndpoints);

        Assert.Empty(diff.MissingLocally);
        Assert.Contains(new HttpEndpoint("InferV2", "POST", "v2/models/{name}/infer"), diff.MissingInAzure);
        Assert.Equal(FunctionCatalog.Http.Count(f => f.Route.StartsWith("v2/", StringComparison.Ordinal)), diff.MissingInAzure.Count);
    }

    [Fact]
    public void Parse_LiteralNameofAndQualifiedAttributes_ReadsNameMethodsAndRoute()
    {
        var functions = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("Literal")]
            public Task<IResult> A([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "a/{id}")] HttpRequest request, string id) => functions.A(request, id);

            [Microsoft.Azure.Functions.Worker.FunctionAttribute(nameof(Other.B))]
            public Task<IResult> B([Microsoft.Azure.Functions.Worker.HttpTriggerAttribute(AuthorizationLevel.Anonymous, "delete", Route = "b")] HttpRequest request) => functions.B(request);

            [Function(nameof(C))]
            public Task<IResult> C([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => functions.C(request);

            public Task<IResult> NotAFunction([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "x")] HttpRequest request) => functions.X(request);
            """), "Sample.cs")]);

        var endpoints = AzureBindingCatalog.HttpEndpoints(functions).Select(e => e.Endpoint).ToList();

        HttpEndpoint[] expected =
        [
            new("Literal", "GET", "a/{id}"),
            new("Literal", "POST", "a/{id}"),
            new("B", "DELETE", "b"),
            new("C", "GET", "C"), // no Route: Azure Functions routes the function by its name
        ];
        Assert.Equal(expected, endpoints);
    }

    [Fact]
    public void DelegationViolations_LogicInBindingBodies_AreReportedOnePerFunction()
    {
        var functions = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("Fine")]
            public Task<IResult> Fine([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request, string name) => functions.Fine(request, name, null);

            [Function("Block")]
            public Task<IResult> Block([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request)
            {
                return functions.Block(request);
            }

            [Function("Coalesce")]
            public Task<IResult> Coalesce([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request, string? name) => functions.Get(request, name ?? "default");

            [Function("Static")]
            public Task<IResult> Static([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => SomeType.Run(request);

            [Function("Lambda")]
            public Task<IResult> Lambda([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => functions.Run(request, x => x + 1);

            [Function("Awaited")]
            public async Task<IResult> Awaited([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => await functions.Run(request);
            """), "Logic.cs")]);

        var violations = AzureBindingCatalog.DelegationViolations(functions);

        Assert.Equal(5, violations.Count);
        Assert.DoesNotContain(violations, v => v.Contains("Fine", StringComparison.Ordinal));
        foreach (var name in new[] { "Block", "Coalesce", "Static", "Lambda", "Awaited" })
        {
            Assert.Contains(violations, v => v.StartsWith(name + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AuthorizationViolations_FunctionLevelOrDefault_AreReported()
    {
        var functions = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("Open")]
            public Task<IResult> Open([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => functions.Open(request);

            [Function("Keyed")]
            public Task<IResult> Keyed([HttpTrigger(AuthorizationLevel.Function, "get")] HttpRequest request) => functions.Keyed(request);

            [Function("Defaulted")]
            public Task<IResult> Defaulted([HttpTrigger("get")] HttpRequest request) => functions.Defaulted(request);
            """), "Auth.cs")]);

        var violations = AzureBindingCatalog.AuthorizationViolations(functions);

        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.StartsWith("Keyed ", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("Defaulted ", StringComparison.Ordinal));
    }

    [Fact]
    public void TimerAndBlobTriggers_DeclaredInSource_AreFound()
    {
        var functions = AzureBindingCatalog.Functions([AzureBindingCatalog.Parse(Bindings(
            """
            [Function("DriftCheck")]
            public Task DriftCheck([TimerTrigger("%DriftSchedule%")] TimerInfo timer) => functions.Drift(timer.IsPastDue);

            [Function("ValidateDataset")]
            public Task ValidateDataset([BlobTrigger("datasets/{name}", Connection = "AzureWebJobsStorage")] Stream blob, string name) => functions.Validate(blob, name);
            """), "Triggers.cs")]);

        var triggers = AzureBindingCatalog.TimerAndBlobTriggers(functions);

        Assert.Equal(2, triggers.Count);
        Assert.Contains(triggers, t => t.Contains("%DriftSchedule%", StringComparison.Ordinal));
        Assert.Contains(triggers, t => t.Contains("datasets/{name}", StringComparison.Ordinal));
        Assert.Empty(AzureBindingCatalog.DelegationViolations(functions));
    }

    [Fact]
    public void AzureQueueTriggers_ComparedWithLocalCatalog_AreTheSame()
    {
        var azure = AzureBindingCatalog.QueueTriggers(AzureFunctions).Select(t => t.Trigger).ToHashSet();
        var local = FunctionCatalog.Queues.Select(q => new QueueTriggerEndpoint(q.Name, q.Queue, q.Connection)).ToHashSet();

        Assert.True(local.Count > 0, "FunctionCatalog.Queues is empty; the comparison would pass vacuously.");
        Assert.True(azure.SetEquals(local), "Queue triggers differ.\nAzure: " + string.Join("; ", azure) + "\nLocal: " + string.Join("; ", local));
    }

    [Fact]
    public void CompareQueues_QueueNameChangedOnAzureSideOnly_IsReported()
    {
        var function = FunctionCatalog.Queues[0];
        var mutated = AzureBindingCatalog.Parse(Bindings(
            $$"""
            [Function("{{function.Name}}")]
            public Task {{function.Name}}([QueueTrigger("%OtherQueue%", Connection = "{{function.Connection}}")] string message, CancellationToken cancellationToken) => runner.RunAsync(message, cancellationToken);
            """), "Queue.cs");
        var withoutReal = AzureSources.Value.Where(t => !t.GetText().ToString().Contains("QueueTrigger(", StringComparison.Ordinal)).Append(mutated);

        var azure = AzureBindingCatalog.QueueTriggers(AzureBindingCatalog.Functions(withoutReal)).Select(t => t.Trigger).ToHashSet();

        Assert.Contains(new QueueTriggerEndpoint(function.Name, "%OtherQueue%", function.Connection), azure);
        Assert.DoesNotContain(new QueueTriggerEndpoint(function.Name, function.Queue, function.Connection), azure);
    }

    private static string Bindings(string members) =>
        "namespace Sample;\n\npublic sealed class SampleBindings(SampleFunctions functions)\n{\n" + members + "\n}\n";
}

/// <summary>One timer function as a host schedules it: name and schedule as written in the attribute (%Setting%).</summary>
internal sealed record TimerEndpoint(string Name, string Schedule);
/// <summary>One blob trigger as a host exposes it: name, path pattern, connection setting, and whether Event Grid is the source.</summary>
internal sealed record BlobTriggerEndpoint(string Name, string Path, string Connection, bool EventGrid);

/// <summary>One HTTP function as a host exposes it; methods upper case, route without the /api prefix.</summary>
internal sealed record HttpEndpoint(string Name, string Method, string Route)
{
    public override string ToString() => $"{Name} {Method} {Route}";
}

/// <summary>One queue-triggered function: name, queue (or %Setting% expression) and connection setting name.</summary>
internal sealed record QueueTriggerEndpoint(string Name, string Queue, string? Connection)
{
    public override string ToString() => $"{Name} {Queue} ({Connection})";
}

/// <summary>A [Function] method found in the Azure sources; <see cref="Name"/> is null when it cannot be read syntactically.</summary>
internal sealed record AzureFunction(string? Name, MethodDeclarationSyntax Method)
{
    public string Where
    {
        get
        {
            var span = Method.Identifier.GetLocation().GetLineSpan();
            return $"{Path.GetFileName(span.Path)}:{span.StartLinePosition.Line + 1}";
        }
    }

    public IEnumerable<AttributeSyntax> ParameterAttributes(string name) =>
        Method.ParameterList.Parameters
            .SelectMany(p => p.AttributeLists)
            .SelectMany(l => l.Attributes)
            .Where(a => AzureBindingCatalog.IsAttribute(a, name));
}

/// <summary>What the HTTP catalogs disagree on, in both directions.</summary>
internal sealed record CatalogDiff(
    IReadOnlyList<HttpEndpoint> MissingInAzure,
    IReadOnlyList<HttpEndpoint> MissingLocally,
    IReadOnlyDictionary<HttpEndpoint, string> AzureLocations)
{
    public bool IsEmpty => MissingInAzure.Count == 0 && MissingLocally.Count == 0;

    public string Describe()
    {
        if (IsEmpty)
        {
            return "The Azure bindings and FunctionCatalog.Http agree.";
        }

        var text = new StringBuilder("The Azure bindings (src/Functions.Azure) and FunctionCatalog.Http (local host) differ.\n");
        text.AppendLine("In FunctionCatalog.Http but not bound in src/Functions.Azure:");
        foreach (var endpoint in MissingInAzure)
        {
            text.Append("  - ").AppendLine(endpoint.ToString());
        }

        text.AppendLine("Bound in src/Functions.Azure but not in FunctionCatalog.Http:");
        foreach (var endpoint in MissingLocally)
        {
            text.Append("  - ").Append(endpoint.ToString()).Append(" (").Append(AzureLocations.GetValueOrDefault(endpoint, "?")).AppendLine(")");
        }

        return text.ToString();
    }
}

/// <summary>Reads the Azure project's function catalog from source text alone.</summary>
internal static class AzureBindingCatalog
{
    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    public static IReadOnlyList<SyntaxTree> ParseDirectory(string directory)
    {
        var separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
                && !path.Contains($"{separator}bin{separator}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(path => Parse(File.ReadAllText(path), path))
            .ToList();
    }

    public static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    public static IReadOnlyList<AzureFunction> Functions(IEnumerable<SyntaxTree> trees) =>
        trees
            .SelectMany(tree => tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
            .Select(method => (Method: method, Attribute: method.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a => IsAttribute(a, "Function"))))
            .Where(x => x.Attribute is not null)
            .Select(x => new AzureFunction(FunctionName(x.Attribute!), x.Method))
            .ToList();

    /// <summary>Every (name, method, route) the HTTP triggers bind, with where each is declared.</summary>
    public static IReadOnlyList<(HttpEndpoint Endpoint, string Where)> HttpEndpoints(IEnumerable<AzureFunction> functions)
    {
        var endpoints = new List<(HttpEndpoint, string)>();
        foreach (var function in functions)
        {
            foreach (var trigger in function.ParameterAttributes("HttpTrigger"))
            {
                var arguments = trigger.ArgumentList?.Arguments ?? default;
                var methods = arguments
                    .Where(a => a.NameEquals is null && a.NameColon is null)
                    .Select(a => StringLiteral(a.Expression))
                    .OfType<string>()
                    .Select(m => m.ToUpperInvariant())
                    .ToList();
                var route = arguments
                    .Where(a => a.NameEquals?.Name.Identifier.ValueText == "Route")
                    .Select(a => StringLiteral(a.Expression))
                    .FirstOrDefault();
                var name = function.Name ?? "?";

                // Without methods the trigger accepts any; without a route Azure Functions uses the function name.
                foreach (var method in methods.Count > 0 ? methods : ["*"])
                {
                    endpoints.Add((new HttpEndpoint(name, method, route ?? name), function.Where));
                }
            }
        }

        return endpoints;
    }

    public static CatalogDiff Compare(IEnumerable<AzureFunction> azureFunctions, IEnumerable<HttpEndpoint> local)
    {
        var azure = HttpEndpoints(azureFunctions);
        var azureSet = azure.Select(e => e.Endpoint).ToHashSet();
        var localSet = local.ToHashSet();
        var locations = azure.GroupBy(e => e.Endpoint).ToDictionary(g => g.Key, g => g.First().Where);

        return new CatalogDiff(
            localSet.Where(e => !azureSet.Contains(e)).OrderBy(e => e.ToString(), StringComparer.Ordinal).ToList(),
            azureSet.Where(e => !localSet.Contains(e)).OrderBy(e => e.ToString(), StringComparer.Ordinal).ToList(),
            locations);
    }

    /// <summary>Functions whose body is anything but <c>=> member.Method(plain arguments)</c>.</summary>
    public static IReadOnlyList<string> DelegationViolations(IEnumerable<AzureFunction> functions) =>
        functions
            .Select(f => (Function: f, Problem: DelegationProblem(f.Method)))
            .Where(x => x.Problem is not null)
            .Select(x => $"{x.Function.Name ?? x.Function.Method.Identifier.ValueText} ({x.Function.Where}) {x.Problem}")
            .ToList();

    public static IReadOnlyList<string> AuthorizationViolations(IEnumerable<AzureFunction> functions)
    {
        var violations = new List<string>();
        foreach (var function in functions)
        {
            foreach (var trigger in function.ParameterAttributes("HttpTrigger"))
            {
                var arguments = trigger.ArgumentList?.Arguments ?? default;
                var level = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "authLevel")
                    ?? arguments.FirstOrDefault(a => a.NameEquals is null && a.NameColon is null && StringLiteral(a.Expression) is null);
                if (level?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Anonymous" })
                {
                    var found = level?.Expression.ToString() ?? "no authorization level (the attribute defaults to Function)";
                    violations.Add($"{function.Name} ({function.Where}): {found}");
                }
            }
        }

        return violations;
    }

    /// <summary>Every [QueueTrigger] with its queue expression and Connection, as written in source.</summary>
    public static IReadOnlyList<(QueueTriggerEndpoint Trigger, string Where)> QueueTriggers(IEnumerable<AzureFunction> functions) =>
        functions
            .SelectMany(f => f.ParameterAttributes("QueueTrigger").Select(a =>
            {
                var arguments = a.ArgumentList?.Arguments ?? default;
                var queue = arguments.Where(x => x.NameEquals is null && x.NameColon is null).Select(x => StringLiteral(x.Expression)).FirstOrDefault() ?? "?";
                var connection = arguments.Where(x => x.NameEquals?.Name.Identifier.ValueText == "Connection").Select(x => StringLiteral(x.Expression)).FirstOrDefault();
                return (new QueueTriggerEndpoint(f.Name ?? "?", queue, connection), f.Where);
            }))
            .ToList();

    /// <summary>Every [TimerTrigger] with its schedule argument (a string literal), and where it is declared.</summary>
    public static IReadOnlyList<(TimerEndpoint Timer, string Where)> Timers(IEnumerable<AzureFunction> functions) =>
        functions
            .SelectMany(f => f.ParameterAttributes("TimerTrigger").Select(a =>
                (new TimerEndpoint(f.Name ?? "?", a.ArgumentList?.Arguments.Select(x => StringLiteral(x.Expression)).FirstOrDefault(x => x is not null) ?? "?"), f.Where)))
            .ToList();

    /// <summary>Every [BlobTrigger]: path (first argument), Connection, and whether Source is BlobTriggerSource.EventGrid.</summary>
    public static IReadOnlyList<(BlobTriggerEndpoint Endpoint, string Where)> BlobTriggers(IEnumerable<AzureFunction> functions) =>
        functions
            .SelectMany(f => f.ParameterAttributes("BlobTrigger").Select(a =>
            {
                var arguments = a.ArgumentList?.Arguments ?? default;
                var path = arguments.Where(x => x.NameEquals is null && x.NameColon is null).Select(x => StringLiteral(x.Expression)).FirstOrDefault() ?? "?";
                var connection = arguments.Where(x => x.NameEquals?.Name.Identifier.ValueText == "Connection").Select(x => StringLiteral(x.Expression)).FirstOrDefault() ?? string.Empty;
                var eventGrid = arguments.Any(x => x.NameEquals?.Name.Identifier.ValueText == "Source" && x.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "EventGrid" });
                return (new BlobTriggerEndpoint(f.Name ?? "?", path, connection, eventGrid), f.Where);
            }))
            .ToList();

    public static IReadOnlyList<string> TimerAndBlobTriggers(IEnumerable<AzureFunction> functions) =>
        functions
            .SelectMany(f => f.ParameterAttributes("TimerTrigger").Concat(f.ParameterAttributes("BlobTrigger"))
                .Select(a => $"{f.Name} ({f.Where}): [{a}]"))
            .ToList();

    /// <summary>Matches <c>[X]</c>, <c>[XAttribute]</c> and their namespace-qualified forms.</summary>
    public static bool IsAttribute(AttributeSyntax attribute, string name)
    {
        var simple = attribute.Name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax plain => plain.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return simple == name || simple == name + "Attribute";
    }

    private static string? FunctionName(AttributeSyntax attribute)
    {
        var argument = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null);
        return argument?.Expression switch
        {
            LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression) => literal.Token.ValueText,
            InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } nameOf
                when nameOf.ArgumentList.Arguments.Count == 1 => LastIdentifier(nameOf.ArgumentList.Arguments[0].Expression),
            _ => null,
        };
    }

    private static string? LastIdentifier(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        _ => null,
    };

    private static string? StringLiteral(ExpressionSyntax expression) =>
        expression is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal.Token.ValueText : null;

    private static string? DelegationProblem(MethodDeclarationSyntax method)
    {
        if (method.Body is not null || method.ExpressionBody is null)
        {
            return "has a block body; write it as => handler.Method(arguments).";
        }

        if (method.ExpressionBody.Expression is not InvocationExpressionSyntax call)
        {
            return $"is not a single call: {method.ExpressionBody.Expression}";
        }

        var receiver = call.Expression is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } access
            ? access.Expression
            : null;
        var receiverName = receiver switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } member => member.Name.Identifier.ValueText,
            _ => null,
        };
        if (receiverName is null || !InjectedOrParameterNames(method).Contains(receiverName))
        {
            return $"does not call a method on a field, parameter or primary-constructor parameter: {call.Expression}";
        }

        var computed = call.ArgumentList.Arguments.FirstOrDefault(a => !IsPlain(a.Expression));
        return computed is null ? null : $"computes an argument instead of passing it through: {computed}";
    }

    private static HashSet<string> InjectedOrParameterNames(MethodDeclarationSyntax method)
    {
        var names = method.ParameterList.Parameters.Select(p => p.Identifier.ValueText).ToHashSet(StringComparer.Ordinal);
        if (method.Parent is TypeDeclarationSyntax type)
        {
            names.UnionWith(type.ParameterList?.Parameters.Select(p => p.Identifier.ValueText) ?? []);
            names.UnionWith(type.Members.OfType<FieldDeclarationSyntax>().SelectMany(f => f.Declaration.Variables).Select(v => v.Identifier.ValueText));
            names.UnionWith(type.Members.OfType<PropertyDeclarationSyntax>().Select(p => p.Identifier.ValueText));
        }

        return names;
    }

    /// <summary>Names, literals, member reads and adapter construction (<c>new X(context)</c>); no operators, lambdas or calls.</summary>
    private static bool IsPlain(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax or LiteralExpressionSyntax or DefaultExpressionSyntax => true,
        MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression } member => IsPlain(member.Expression),
        BaseObjectCreationExpressionSyntax creation => creation.Initializer is null
            && (creation.ArgumentList?.Arguments.All(a => IsPlain(a.Expression)) ?? true),
        _ => false,
    };
}
