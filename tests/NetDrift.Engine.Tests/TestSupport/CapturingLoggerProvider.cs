using Microsoft.Extensions.Logging;

namespace NetDrift.Engine.Tests.TestSupport;

/// <summary>Keeps every formatted log message, at every level, for tests that read the proxy's log.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => _messages.ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _messages.Enqueue(formatter(state, exception));

    public void Dispose() { }
}
