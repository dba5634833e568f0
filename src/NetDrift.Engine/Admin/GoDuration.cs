using System.Globalization;
using System.Text;

namespace NetDrift.Engine.Admin;

/// <summary>Formats a TimeSpan as Go's time.Duration.String() does ("1.062772915s", "15m0s", "1h2m3s"), for the Go-compatible stats JSON.</summary>
internal static class GoDuration
{
    public static string Format(TimeSpan duration)
    {
        var nanos = duration.Ticks * 100;
        if (nanos == 0)
        {
            return "0s";
        }
        var sign = nanos < 0 ? "-" : "";
        nanos = Math.Abs(nanos);
        if (nanos < 1_000_000_000)
        {
            // Below one second Go picks the largest unit that keeps an integer part.
            return nanos switch
            {
                < 1_000 => $"{sign}{nanos}ns",
                < 1_000_000 => sign + Fraction(nanos, 1_000) + "µs",
                _ => sign + Fraction(nanos, 1_000_000) + "ms",
            };
        }
        var hours = nanos / 3_600_000_000_000;
        var minutes = nanos / 60_000_000_000 % 60;
        var seconds = Fraction(nanos % 60_000_000_000, 1_000_000_000) + "s";
        var text = new StringBuilder(sign);
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (hours > 0 || minutes > 0)
        {
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        return text.Append(seconds).ToString();
    }

    private static string Fraction(long value, long unit)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var rest = value % unit;
        if (rest == 0)
        {
            return whole;
        }
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
