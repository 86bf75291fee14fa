using MLOps.Functions.Local;

var app = LocalFunctionsHost.Build(args);
await app.RunAsync();
