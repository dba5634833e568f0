using System.Reflection;
using System.Reflection.Emit;
using NetDrift.Engine.Server;

namespace NetDrift.Engine.Tests;

/// <summary>
/// The request path runs one way: Server/ composes the engine, and no other engine folder reaches
/// back into it (ARCHITECTURE.md). Read from the compiled engine: signatures, fields, base types
/// and every type or member token in method bodies (lambdas and async state machines included).
/// </summary>
public sealed class EngineLayeringTests
{
    private const string ServerNamespace = "NetDrift.Engine.Server";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void EngineFolders_OutsideServer_NeverUseServerTypes()
    {
        var engine = typeof(ProxyServer).Assembly;
        var offences = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in engine.GetTypes().Where(t => !IsServer(t)))
        {
            foreach (var used in TypesUsedBy(type))
            {
                if (IsServer(used))
                {
                    offences.Add($"{Outermost(type).FullName} uses {used.FullName}");
                }
            }
        }
        Assert.True(offences.Count == 0, string.Join(Environment.NewLine, offences));
    }

    [Fact]
    public void Scanner_ServerTypeInABody_IsSeen()
    {
        // The scan must see through method bodies, or the rule above would pass vacuously.
        Assert.Contains(typeof(ProxyServer), TypesUsedBy(typeof(UsesServerOnlyInABody)));
    }

    private static bool IsServer(Type type) =>
        Outermost(type).Namespace is { } ns && (ns == ServerNamespace || ns.StartsWith(ServerNamespace + ".", StringComparison.Ordinal));

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type;
    }

    private static IEnumerable<Type> TypesUsedBy(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            used.Add(baseType);
        }
        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetFields(All).Select(f => f.FieldType));
        used.AddRange(type.GetProperties(All).Select(p => p.PropertyType));
        used.AddRange(type.GetEvents(All).Select(e => e.EventHandlerType!));
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            used.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                used.Add(info.ReturnType);
            }
            used.AddRange(TypesInBody(method));
        }
        return used.SelectMany(Unwrap);
    }

    /// <summary>Every type a method body names: the declaring types of the members it calls, loads or creates.</summary>
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var code = OpCodesByValue[value];
            i += code.Size;
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    if (member is Type t)
                    {
                        yield return t;
                    }
                    else if (member?.DeclaringType is { } declaring)
                    {
                        yield return declaring;
                    }
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                default:
                    i += OperandSize(code.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    private static IEnumerable<Type> Unwrap(Type type)
    {
        while (type.HasElementType)
        {
            type = type.GetElementType()!;
        }
        yield return type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Unwrap))
            {
                yield return argument;
            }
        }
    }

    // Names ProxyServer only inside a method body, for the scanner's self-check.
    private sealed class UsesServerOnlyInABody
    {
        public static string Describe(object proxy) => proxy is ProxyServer server ? server.Name : "";
    }
}
