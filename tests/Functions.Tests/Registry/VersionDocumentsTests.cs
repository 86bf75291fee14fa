using System.Net;
using MLOps.Domain.Features;
using MLOps.Domain.Problems;
using MLOps.Domain.Profiles;
using MLOps.Functions.Registry;
using MLOps.Functions.Tests.Infrastructure;
using MLOps.Samples;

namespace MLOps.Functions.Tests.Registry;

[Collection(LocalHostCollection.Name)]
public sealed class VersionDocumentsTests(LocalHostFixture host)
{
    [Fact]
    public async Task PutJson_ReferenceProfile_IsReadBackListedAndAudited()
    {
        var model = Api.UniqueModel("docs");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        var documents = host.Service<IVersionDocuments>();
        var builder = new ReferenceProfileBuilder(new FeatureSchema([new FeatureSpec("age", FeatureType.Float)]));
        for (var i = 0; i < 50; i++)
        {
            builder.AddNumeric(0, i);
            builder.EndRow();
        }

        await documents.PutJsonAsync(model, 1, VersionDocumentNames.ReferenceProfile, builder.Build(), "test", CancellationToken.None);
        var profile = await documents.GetJsonAsync<ReferenceProfile>(model, 1, VersionDocumentNames.ReferenceProfile, CancellationToken.None);
        var names = await documents.ListAsync(model, 1, CancellationToken.None);
        var audit = await (await host.Reader.GetAsync($"/api/models/{model}/audit")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(50, profile!.Rows);
        Assert.Equal(24.5, profile.Feature("age")!.Numeric!.Mean, 9);
        Assert.Equal([VersionDocumentNames.ReferenceProfile], names);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == BlobVersionDocuments.AuditAction);
        Assert.Null(await documents.GetJsonAsync<ReferenceProfile>(model, 1, VersionDocumentNames.ModelCard, CancellationToken.None));
    }

    [Fact]
    public async Task Put_UnknownVersion_IsNotFoundAndWritesNothing()
    {
        var model = Api.UniqueModel("docs");
        await host.Operator.RegisterAsync(model, SampleModels.ChurnClassifier(), SampleModels.ChurnMetadataJson());
        var documents = host.Service<IVersionDocuments>();

        var ex = await Assert.ThrowsAsync<MLOpsException>(() => documents.PutAsync(model, 7, "notes.md", BinaryData.FromString("x"), "text/markdown", "test", CancellationToken.None));

        Assert.Equal(ProblemKind.NotFound, ex.Kind);
        Assert.Empty(await documents.ListAsync(model, 7, CancellationToken.None));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("UPPER.json")]
    [InlineData("")]
    [InlineData("a/b")]
    public async Task Put_BadName_IsAValidationError(string name)
    {
        var documents = host.Service<IVersionDocuments>();

        var ex = await Assert.ThrowsAsync<MLOpsException>(() => documents.PutAsync("any", 1, name, BinaryData.FromString("x"), "text/plain", "test", CancellationToken.None));

        Assert.Equal(ProblemKind.Validation, ex.Kind);
    }
}
