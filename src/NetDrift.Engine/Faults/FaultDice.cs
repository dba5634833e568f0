namespace NetDrift.Engine.Faults;

/// <summary>
/// The faulty proxy's randomness: whether a fault strikes, how much jitter, which garbage. A
/// caller's <see cref="Random"/> (seeded, so tests are exact) is not thread-safe, and connections
/// roll concurrently, so it is used under a lock; without one, the thread-safe shared instance.
/// </summary>
internal sealed class FaultDice
{
    private readonly Random _random;
    private readonly object? _gate;

    public FaultDice(Random? random)
    {
        _random = random ?? Random.Shared;
        _gate = random is null ? null : new object();
    }

    /// <summary>Rolls only when the outcome is in doubt, so rates 0 and 1 consume no numbers.</summary>
    public bool Strikes(double rate) => rate >= 1.0 || (rate > 0.0 && NextDouble() < rate);

    public TimeSpan Jitter(TimeSpan max) => max <= TimeSpan.Zero ? TimeSpan.Zero : max * NextDouble();

    /// <summary>64..255 random bytes that never begin like an HTTP status line.</summary>
    public byte[] Garbage()
    {
        byte[] bytes;
        if (_gate is null)
        {
            bytes = new byte[_random.Next(64, 256)];
            _random.NextBytes(bytes);
        }
        else
        {
            lock (_gate)
            {
                bytes = new byte[_random.Next(64, 256)];
                _random.NextBytes(bytes);
            }
        }
        if (bytes[0] == (byte)'H')
        {
            bytes[0] = 0;
        }
        return bytes;
    }

    private double NextDouble()
    {
        if (_gate is null)
        {
            return _random.NextDouble();
        }
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }
}
