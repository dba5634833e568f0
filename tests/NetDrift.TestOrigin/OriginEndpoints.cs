using System.Text;
using Microsoft.AspNetCore.Http;

namespace NetDrift.TestOrigin;

/// <summary>The endpoints with a body worth more than one line.</summary>
internal static class OriginEndpoints
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz";

    // A whole number of alphabets, so chunk after chunk continues the same a..z pattern and a
    // test can check any slice of what it received.
    private static readonly byte[] Pattern =
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Alphabet, 2048)));

    /// <summary>GET /bytes/{count}: exactly count bytes of a..z repeated.</summary>
    public static async Task WriteBytesAsync(long count, HttpContext context)
    {
        if (count < 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = count;
        var cancel = context.RequestAborted;
        for (var left = count; left > 0;)
        {
            var size = (int)Math.Min(left, Pattern.Length);
            await context.Response.Body.WriteAsync(Pattern.AsMemory(0, size), cancel);
            left -= size;
        }
    }

    /// <summary>POST /echo: the request body back, with its content type.</summary>
    public static async Task EchoAsync(HttpContext context)
    {
        context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
        if (context.Request.ContentLength is { } length)
        {
            context.Response.ContentLength = length;
        }

        await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>GET /headers: one "Name: value" line per request header, as the origin got them.</summary>
    public static IResult ListHeaders(HttpContext context)
    {
        var text = new StringBuilder();
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                text.Append(name).Append(": ").Append(value).Append('\n');
            }
        }

        return Results.Text(text.ToString());
    }
}
