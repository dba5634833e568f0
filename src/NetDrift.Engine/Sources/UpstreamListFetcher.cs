using System.Net;
using System.Text;
using NetDrift.Engine.Configuration;

namespace NetDrift.Engine.Sources;

/// <summary>
/// Reads an upstream list's text: a file, or an http(s) URL fetched directly (never through a
/// proxy: NetDrift may itself be the system proxy), within a timeout and a size cap. Failures are
/// an <see cref="UpstreamListFetchException"/> whose message is safe to show.
/// </summary>
internal sealed class UpstreamListFetcher : IDisposable
{
    private readonly HttpClient _http;
    private readonly int _maxBytes;

    public UpstreamListFetcher(TimeSpan timeout, int maxBytes)
    {
        _maxBytes = maxBytes;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = true, MaxAutomaticRedirections = 3 })
        {
            Timeout = timeout,
            MaxResponseContentBufferSize = maxBytes,
        };
    }

    public async Task<string> FetchAsync(UpstreamSourceConfig source, CancellationToken cancellationToken)
    {
        try
        {
            return source.Path is { } path ? await ReadFileAsync(path, cancellationToken).ConfigureAwait(false)
                : await ReadUrlAsync(source.Url!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UpstreamListFetchException($"cannot be read: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamListFetchException($"did not answer within {_http.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            // The message names host and port, never the URL's user part or query.
            throw new UpstreamListFetchException(e.StatusCode is { } status ? $"answered {(int)status} {status}" : $"cannot be fetched: {e.Message}");
        }
    }

    private async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        if (length > _maxBytes)
        {
            throw new UpstreamListFetchException($"is {length} bytes, more than the {_maxBytes} an upstream list may have");
        }
        return await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ReadUrlAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (url.UserInfo.Length > 0)
        {
            // HttpClient ignores credentials in the URL; send them as Basic auth, as curl does.
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(url.UserInfo))));
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new UpstreamListFetchException($"answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();
}
