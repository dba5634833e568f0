using NetDrift.Fuzz;
using SharpFuzz;

// afl-fuzz runs this with AFL's shared memory set up: Fuzzer.Run feeds each input through the
// target. `--replay <file|dir>` runs inputs once without AFL (what the regression test does).
using var pipe = new UnixPipe();
if (args.Length == 2 && args[0] == "--replay")
{
    var files = Directory.Exists(args[1]) ? Directory.GetFiles(args[1]) : [args[1]];
    foreach (var file in files)
    {
        FuzzTarget.Run(File.ReadAllBytes(file), pipe);
    }
    Console.WriteLine($"replayed {files.Length} input(s) without a crash");
    return;
}
Fuzzer.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    FuzzTarget.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length), pipe);
});
