using Microsoft.AspNetCore.Http;

namespace MLOps.Functions.Http;

/// <summary>One HTTP function as both hosts expose it: name, method, route under /api, and the handler.</summary>
/// <param name="Name">The function name; the Azure binding's [Function] name is the same.</param>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="Route">The route template without the /api prefix, as in [HttpTrigger(Route = ...)].</param>
/// <param name="Handler">Calls the host-agnostic handler with the request and the route values.</param>
public sealed record HttpFunction(string Name, string Method, string Route, Func<HttpRequest, Task<IResult>> Handler);
